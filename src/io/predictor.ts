// A saved model ready to predict, and nothing else: its widths, parameters and meaning (labels, input description,
// metadata), run forward by the same Inference as the full package's models, so the probabilities are the same bits.
// Imports no training code: the predict-only entry is built on it.
import type { Backend } from "../kernels/contract.js";
import { FormatError, WasmError, WasmSoftmaxError } from "../errors.js";
import { check, integerIn } from "../validate.js";
import { CORRUPT_HINT, describeJSON, widthsOf } from "./format.js";
import type { CheckpointHeader } from "./format.js";
import { PREDICT_ROWS, inferRows } from "../model/inference.js";
import type { KernelSpace } from "../model/inference.js";
import { layoutOf } from "../model/layout.js";
import type { LayerLayout } from "../model/layout.js";
import { checkMeaning } from "../model/description.js";
import type { InputDescription, JSONValue } from "../model/description.js";
import { toInputRows } from "../model/inputs.js";
import type { ArrayInputs } from "../model/inputs.js";
import type { ModelConfig } from "../model/network.js";
import { topKOf } from "../model/top-k.js";
import type { Prediction } from "../model/top-k.js";

/** @internal Kernels and memory with their backend, as the predict-only entry's `init` loads them. */
export interface PredictSpace extends KernelSpace {
  readonly backend: Backend;
}

/**
 * A model read by `decodeModel` from "wasm-softmax/predict": it predicts (classes, probabilities, top-k with its
 * labels) following its input description, on the kernels that entry's `init` loaded. It cannot train; the full
 * package's `decodeModel` gives a model that can, with the same predictions bit for bit.
 */
export class Predictor {
  /** Widths from input to output. */
  readonly layers: readonly number[];
  /** @internal */
  readonly layout: readonly LayerLayout[];
  /** Number of parameters. */
  readonly size: number;
  /** The config it was saved with (type, widths, and its class names, input description and metadata when known). */
  readonly config: ModelConfig;
  /** Class names, one per class, when the model has them. */
  readonly labels: readonly string[] | undefined;
  /** How raw inputs become its features: pixels or floats, image shape, normalizer (see InputDescription). */
  readonly input: InputDescription;
  /** The user metadata saved with the model (frozen JSON), if any. */
  readonly metadata: JSONValue | undefined;
  readonly #parameters: Float32Array;
  readonly #space: () => PredictSpace;

  /**
   * @internal From a checked file's header and parameters; a config that does not describe a model becomes a
   * FormatError about `source`.
   */
  constructor(header: CheckpointHeader, parameters: Float32Array, source: string, space: () => PredictSpace) {
    const config = header.model as ModelConfig & Record<string, unknown>;
    const widths = widthsOf(config);
    const fail = (actual: string): never => {
      throw new FormatError(source, "a valid model", actual, CORRUPT_HINT);
    };
    if (widths === undefined) fail(`a config without a model type and its widths (${describeJSON(config)})`);
    if (widths!.length < 2 || widths![widths!.length - 1]! < 2) fail(`layers ${widths!.join("×")} (at least 2 classes are needed)`);
    if (config.type === "mlp" && config.activation !== "relu") fail(`activation ${JSON.stringify(config.activation)}`);
    try {
      ({ labels: this.labels, input: this.input, metadata: this.metadata } = checkMeaning(config, widths![0]!, widths![widths!.length - 1]!));
    } catch (error) {
      if (!(error instanceof WasmSoftmaxError)) throw error;
      throw new FormatError(source, "a valid model", error.message.replace(/\.$/, ""), CORRUPT_HINT);
    }
    this.layers = Object.freeze(widths!);
    const { layout, size } = layoutOf(widths!);
    this.layout = layout;
    this.size = size;
    this.config = config;
    this.#parameters = parameters;
    this.#space = space;
  }

  get inputs(): number { return this.layers[0]!; }
  get classes(): number { return this.layers[this.layers.length - 1]!; }

  /** A copy of all parameters, in the block layout. */
  getParameters(): Float32Array {
    return this.#parameters.slice();
  }

  /**
   * Class probabilities, one row of `classes` values per input row, each row summing to 1.
   * @throws {OptionError} for inputs the model cannot take (say 0-255 numbers for a model of float features, or
   *   floats outside [0, 1] for a pixel model).
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @throws {WasmError} before `init()` from "wasm-softmax/predict".
   * @example
   * const p = model.predictProba(pixels); // 10 probabilities for one 28×28 image
   */
  predictProba(x: ArrayInputs): Float32Array {
    return this.#infer(x, "proba") as Float32Array;
  }

  /**
   * The most probable class of each input row.
   * @throws {OptionError} for inputs the model cannot take.
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @throws {WasmError} before `init()` from "wasm-softmax/predict".
   * @example
   * const [index] = model.predict(pixels);
   */
  predict(x: ArrayInputs): Int32Array {
    return this.#infer(x, "class") as Int32Array;
  }

  /**
   * The `k` most probable classes of each input row, most probable first (ties: lower index first), with their
   * labels and probabilities.
   * @throws {OptionError} for a `k` that is not an integer in [1, classes], or inputs the model cannot take.
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @throws {WasmError} before `init()` from "wasm-softmax/predict".
   * @example
   * const [[best]] = model.topK(pixels); // { label: "Ankle boot", index: 9, probability: 0.93 }
   */
  topK(x: ArrayInputs, k = 1): Prediction[][] {
    check("k", k, integerIn(1, this.classes));
    return topKOf(this.predictProba(x), this.classes, k, this.labels);
  }

  toJSON(): ModelConfig & { parameters: number } {
    return { ...this.config, parameters: this.size };
  }

  #infer(input: ArrayInputs, what: "proba" | "class"): Float32Array | Int32Array {
    const space = this.#space();
    const x = toInputRows(input, this.inputs, this.input.pixels);
    // A Predictor's parameters never change: the memory copies them in once (version 0).
    return inferRows(space, this, space.arena.resident(this, 0, () => this.#parameters), x, PREDICT_ROWS, what);
  }
}

/** @internal The error a prediction before `init()` throws. */
export function notInitialized(): never {
  throw new WasmError("wasm-softmax/predict is not initialized.",
    'Call `await init()` once before predicting.');
}
