import { DenseNetwork, checkWidth } from "./network.js";
import type { ModelConfig } from "./network.js";
import { OptionError } from "../errors.js";
import { check, checkKeys, oneOf, rule } from "../validate.js";
import { MEANING_KEYS } from "./description.js";
import type { MeaningOptions } from "./description.js";

/** Options of `new SoftmaxRegression(…)`. */
export interface SoftmaxRegressionOptions extends MeaningOptions {
  /** Features per example (784 for Fashion-MNIST). */
  inputs: number;
  /** Number of classes (10 for Fashion-MNIST). */
  classes: number;
  /** Seed of the weight initialiser. Default 0. */
  seed?: number;
  /** Standard deviation of the initial weights. Default 0.01, as in d2l. */
  weightStd?: number;
}

/**
 * Softmax regression: logits = x · Wᵀ + b, trained with cross-entropy.
 * @throws {OptionError} for a non-integer or too small `inputs` / `classes`, a bad seed, or more
 *   than MAX_PARAMETERS (2^28) parameters.
 * @example
 * const model = new SoftmaxRegression({ inputs: 784, classes: 10, seed: 0 });
 */
export class SoftmaxRegression extends DenseNetwork {
  private readonly seed: number;
  private readonly weightStd: number;

  constructor(options: SoftmaxRegressionOptions) {
    const { inputs, classes, seed = 0, weightStd = 0.01, ...meaning } =
      checkKeys("SoftmaxRegression", options, ["inputs", "classes", "seed", "weightStd", ...MEANING_KEYS]);
    super([checkWidth("inputs", inputs), checkWidth("classes", classes, 2)], seed, weightStd, meaning);
    this.seed = seed;
    this.weightStd = weightStd;
  }

  get config(): ModelConfig {
    return { type: "softmax-regression", inputs: this.inputs, classes: this.classes, seed: this.seed, weightStd: this.weightStd, ...this.meaningConfig() };
  }
}

/** Options of `new MLP(…)`. */
export interface MLPOptions extends MeaningOptions {
  /** Widths from input to output, e.g. [784, 256, 10]. */
  layers: readonly number[];
  /** Activation between layers. Only "relu" for now. */
  activation?: "relu";
  seed?: number;
  /** Standard deviation of the initial weights. Default 0.01, as in d2l. */
  weightStd?: number;
}

/**
 * A multilayer perceptron: dense layers with ReLU between them, logits out.
 * @throws {OptionError} for fewer than two layers, a zero or non-integer width, an unknown activation, or
 *   more than MAX_PARAMETERS (2^28) parameters.
 * @example
 * const model = new MLP({ layers: [784, 256, 10], seed: 0 });
 */
export class MLP extends DenseNetwork {
  private readonly seed: number;
  private readonly weightStd: number;

  constructor(options: MLPOptions) {
    const { layers, activation = "relu", seed = 0, weightStd = 0.01, ...meaning } =
      checkKeys("MLP", options, ["layers", "activation", "seed", "weightStd", ...MEANING_KEYS]);
    check("layers", layers, LAYERS);
    check("activation", activation, oneOf(["relu"]));
    super(layers.map((w, i) => checkWidth(`layers[${i}]`, w, i === layers.length - 1 ? 2 : 1)), seed, weightStd, meaning);
    this.seed = seed;
    this.weightStd = weightStd;
  }

  get config(): ModelConfig {
    return { type: "mlp", layers: [...this.layers], activation: "relu", seed: this.seed, weightStd: this.weightStd, ...this.meaningConfig() };
  }
}

/**
 * Rebuilds a model (freshly initialised) from its config.
 * @throws {OptionError} for an unknown type or invalid config values.
 */
export function createModel(config: ModelConfig): SoftmaxRegression | MLP {
  const { type, ...options } = (config ?? {}) as ModelConfig;
  if (type === "softmax-regression") return new SoftmaxRegression(options as SoftmaxRegressionOptions);
  if (type === "mlp") return new MLP(options as MLPOptions);
  throw new OptionError("model.type", '"softmax-regression" or "mlp"', type);
}

const LAYERS = rule<readonly number[]>("an array of at least two widths, e.g. [784, 256, 10]", (v) => Array.isArray(v) && v.length >= 2);
