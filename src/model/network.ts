import type { Runtime } from "../runtime/runtime.js";
import { runtimeOf } from "../runtime/runtime.js";
import { Dataset } from "../data/dataset.js";
import { OptionError, ShapeError } from "../errors.js";
import { Rng } from "../util/random.js";
import { RULES, check, checkFewKeys, integerIn, rule } from "../validate.js";
import { PREDICT_ROWS, inferRows } from "./inference.js";
import type { Ptr } from "../kernels/contract.js";
import type { Arena } from "../runtime/memory.js";
import { topKOf } from "./top-k.js";
import type { Prediction } from "./top-k.js";
import { checkParameterCount, layoutOf } from "./layout.js";
import type { LayerLayout } from "./layout.js";
import { toInputRows } from "./inputs.js";
import type { ArrayInputs } from "./inputs.js";
import { summary } from "./summary.js";
import { Meaning, checkPixels } from "./description.js";
import type { InputDescription, JSONValue, MeaningConfig, MeaningOptions } from "./description.js";
import { INSPECT, inspectAs } from "../util/inspect.js";

export type { LayerLayout } from "./layout.js";

/** Inputs to `predict`: rows of `inputs` values, Uint8 pixels (scaled to [0, 1]) or features (see ArrayInputs). */
export type Inputs = ArrayInputs | Dataset;

/** Where `predict` runs: the default runtime (see `init`) unless one is given. */
export interface PredictOptions {
  runtime?: Runtime;
}

/** The serialisable description of a model (with its class names, input description and metadata when it has them); `createModel` turns it back into one. */
export type ModelConfig = (
  | { type: "softmax-regression"; inputs: number; classes: number; seed: number; weightStd: number }
  | { type: "mlp"; layers: number[]; activation: "relu"; seed: number; weightStd: number }
) & MeaningConfig;

export type { Prediction } from "./top-k.js";

/**
 * A stack of dense layers with ReLU between them and logits out: a config, the layout of its parameters, and
 * one Float32Array block holding them all, layer by layer, weight then bias. Softmax regression is the
 * one-layer case. While a Trainer holds the model, the live block is the Trainer's copy in kernel memory, and
 * getParameters / setParameters read and write that copy.
 */
export abstract class DenseNetwork {
  /** Widths from input to output. */
  readonly layers: readonly number[];
  /** Where each layer's weight and bias sit in the parameter block. */
  readonly layout: readonly LayerLayout[];
  /** Number of parameters. */
  readonly size: number;
  #own: Float32Array;
  // Counts the writes to the parameters, so their copy kept in kernel memory for predictions (Arena.resident) is
  // replaced exactly when it is stale.
  #version = 0;
  #holder: { owner: object; arena: Arena; ptr: Ptr } | undefined;
  #meaning: Meaning;

  protected constructor(layers: readonly number[], seed: unknown, weightStd: unknown, meaning: MeaningOptions) {
    const s = check("seed", seed, RULES.seed), std = check("weightStd", weightStd, RULES.nonNegative);
    checkParameterCount("model size", layers);
    const { layout, size } = layoutOf(layers);
    this.layers = Object.freeze([...layers]);
    this.layout = layout;
    this.size = size;
    this.#own = new Float32Array(size);
    this.#meaning = new Meaning(meaning, layers[0]!, layers[layers.length - 1]!);
    // Weights N(0, weightStd²), biases 0, as d2l initialises them.
    const rng = new Rng(s);
    for (const { weight, bias } of layout) {
      for (let i = weight; i < bias; i++) this.#own[i] = rng.normal() * std;
    }
  }

  abstract get config(): ModelConfig;

  get inputs(): number { return this.layers[0]!; }
  get classes(): number { return this.layers[this.layers.length - 1]!; }
  /** Class names, one per class, when the model has them (given, or from the first Dataset it trained on). */
  get labels(): readonly string[] | undefined { return this.#meaning.labels; }
  /** How raw inputs become its features: pixels or floats, image shape, normalizer (see InputDescription). */
  get input(): InputDescription { return this.#meaning.input; }
  /** The user metadata given to the constructor (frozen JSON), if any. */
  get metadata(): JSONValue | undefined { return this.#meaning.metadata; }
  /** Layers, shapes, activations and parameter counts, as Keras's `model.summary()` prints them. */
  summary(): string { return summary(this); }

  /** The config and the number of parameters (not the parameters: `getParameters()` or `encodeModel` give those). */
  toJSON(): ModelConfig & { parameters: number } {
    return { ...this.config, parameters: this.size };
  }

  /** @internal console.log(model) in Node: `SoftmaxRegression { type: …, inputs: 784, …, parameters: 7850 }`. */
  [INSPECT](depth: number, options: { depth?: number | null }, inspect?: (value: unknown, options: object) => string): string {
    return inspectAs(this.config.type === "mlp" ? "MLP" : "SoftmaxRegression", this.toJSON(), depth, options, inspect);
  }

  /** A copy of all parameters, in the block layout. */
  getParameters(): Float32Array {
    return this.#block().slice();
  }

  /**
   * Replaces all parameters.
   * @throws {ShapeError} when `values` is not a Float32Array of `size` values.
   * @example
   * model.setParameters(other.getParameters());
   */
  setParameters(values: Float32Array): void {
    if (!(values instanceof Float32Array) || values.length !== this.size) {
      throw new ShapeError("parameters", `a Float32Array of ${this.size} values`, describeLength(values));
    }
    this.#block().set(values);
    this.#version++;
  }

  /** Each layer's weight (outputs × inputs, row-major) and bias, copied. */
  getWeights(): { inputs: number; outputs: number; weight: Float32Array; bias: Float32Array }[] {
    const p = this.getParameters();
    return this.layout.map(({ inputs, outputs, weight, bias }) => ({
      inputs, outputs, weight: p.slice(weight, bias), bias: p.slice(bias, bias + outputs),
    }));
  }

  /**
   * Class probabilities, one row of `classes` values per input row, each row summing to 1.
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @throws {WasmError} before `init()` when no `runtime` is given.
   * @throws {ClosedError} when the runtime was closed.
   * @example
   * const p = model.predictProba(test.x.subarray(0, 784)); // 10 probabilities for the first test image
   */
  predictProba(x: Inputs, options?: PredictOptions): Float32Array {
    return this.#infer(x, "proba", options) as Float32Array;
  }

  /**
   * The `k` most probable classes of each input row, most probable first (ties: lower index first), with their
   * labels and probabilities.
   * @throws {OptionError} for a `k` that is not an integer in [1, classes], or inputs the model cannot take.
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @throws {WasmError} before `init()` when no `runtime` is given.
   * @example
   * const [[best]] = model.topK(pixels); // { label: "Ankle boot", index: 9, probability: 0.93 }
   */
  topK(x: Inputs, k = 1, options?: PredictOptions): Prediction[][] {
    check("k", k, integerIn(1, this.classes));
    return topKOf(this.predictProba(x, options), this.classes, k, this.labels);
  }

  /**
   * The most probable class of each input row.
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @throws {WasmError} before `init()` when no `runtime` is given.
   * @throws {ClosedError} when the runtime was closed.
   * @example
   * const classes = model.predict(test); // Int32Array(10000)
   */
  predict(x: Inputs, options?: PredictOptions): Int32Array {
    return this.#infer(x, "class", options) as Int32Array;
  }

  /** @internal Fills what the model does not know yet (pixels, image shape, labels) from data it trains on. */
  learnFrom(data: { fromPixels: boolean; imageShape?: readonly [number, number] | undefined; classNames?: readonly string[] | undefined }): void {
    this.#meaning.learnFrom(data);
  }

  /** The class names, input description and metadata as config fields (only those known). */
  protected meaningConfig(): MeaningConfig {
    return this.#meaning.config();
  }

  /**
   * @internal Hands the live block to `owner` (a Trainer), which keeps it at `ptr` in `arena` and may write it at any
   * time (each training step does); `release` takes it back.
   */
  hold(owner: object, arena: Arena, ptr: Ptr): void {
    if (this.#holder) {
      throw new OptionError("model", "a model no other Trainer holds", "a model held by another Trainer or fit()",
        "Close the other Trainer (or wait for its fit() to end), or train a second model.");
    }
    this.#holder = { owner, arena, ptr };
    this.#block().set(this.#own);
  }

  /** @internal */
  release(owner: object): void {
    if (this.#holder?.owner !== owner) return;
    this.#own = this.#block().slice();
    this.#version++;
    this.#holder = undefined;
  }

  /**
   * @internal Where the parameters are in `arena`, for a forward pass there: a holding Trainer's live block when it
   * is in that memory, else the copy `arena` keeps of them, refreshed when they changed (every call while a Trainer
   * elsewhere holds them, since its steps write them unseen).
   */
  parametersIn(arena: Arena): Ptr {
    const holder = this.#holder;
    if (holder?.arena === arena) return holder.ptr;
    return arena.resident(this, holder ? NaN : this.#version, () => this.#block());
  }

  // Views are re-derived on every access: the memory may grow (and detach old views) whenever a block is allocated.
  #block(): Float32Array {
    const holder = this.#holder;
    return holder ? new Float32Array(holder.arena.memory.buffer, holder.ptr, this.size) : this.#own;
  }

  #infer(input: Inputs, what: "proba" | "class", options: PredictOptions | undefined): Float32Array | Int32Array {
    const rt = runtimeOf(checkFewKeys("predict", options, ["runtime"]).runtime);
    const x = rowsOf(input, this);
    return inferRows(rt, this, this.parametersIn(rt.arena), x, PREDICT_ROWS, what);
  }
}

/** @internal The rule every function taking a model checks it by. */
export const MODEL = rule<DenseNetwork>("a model such as new SoftmaxRegression({ inputs: 784, classes: 10 })", (v) => v instanceof DenseNetwork);

/** @internal The input rows of `input` for `model`, checked against its input width and description. */
export function rowsOf(input: Inputs, model: DenseNetwork): Uint8Array | Float32Array {
  const width = model.inputs;
  if (!(input instanceof Dataset)) return toInputRows(input, width, model.input.pixels);
  if (input.features !== width) {
    throw new ShapeError("dataset", `${width} features per example (the model's input width)`, `${input.features}`,
      "Build the model with `inputs` equal to the data's features.");
  }
  checkPixels(model.input.pixels, input.pixels);
  return input.x;
}

/**
 * @internal The one check that a data set fits a model: features equal to its input width, classes to its
 * output width.
 */
export function checkFits(model: DenseNetwork, data: Dataset, hint?: string): void {
  if (data.features !== model.inputs) {
    throw new ShapeError("dataset", `${model.inputs} features per example (the model's input width)`, `${data.features}`,
      hint ?? "Build the model with `inputs` equal to the data's features.");
  }
  if (data.classes !== model.classes) {
    throw new ShapeError("dataset", `${model.classes} classes (the model's output width)`, `${data.classes}`,
      hint ?? "Build the model with `classes` equal to the data's classes.");
  }
  checkPixels(model.input.pixels, data.pixels);
}

function describeLength(values: unknown): string {
  return ArrayBuffer.isView(values) ? `${values.constructor.name}(${(values as Float32Array).length})` : typeof values;
}

/** @internal A layer width: an integer ≥ min. */
export function checkWidth(option: string, value: unknown, min = 1): number {
  return check(option, value, integerIn(min));
}
