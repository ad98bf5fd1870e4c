import type { Runtime } from "../runtime/runtime.js";
import { runtimeOf } from "../runtime/runtime.js";
import { Scope } from "../runtime/memory.js";
import { Dataset } from "../data/dataset.js";
import { OptionError, ShapeError } from "../errors.js";
import { Rng } from "../util/random.js";
import { RULES, check, checkKeys, integerIn } from "../validate.js";
import { forward, room, staging, writeRows } from "./passes.js";
import { checkParameterCount, layoutOf } from "./layout.js";
import type { LayerLayout } from "./layout.js";
import { toInputRows } from "./inputs.js";
import type { ArrayInputs } from "./inputs.js";
import { summary } from "./summary.js";
import { INSPECT, inspectAs } from "../util/inspect.js";

export type { LayerLayout } from "./layout.js";

/** Inputs to `predict`: rows of `inputs` values, Uint8 pixels (scaled to [0, 1]) or features (see ArrayInputs). */
export type Inputs = ArrayInputs | Dataset;

/** Where `predict` runs: the default runtime (see `init`) unless one is given. */
export interface PredictOptions {
  runtime?: Runtime;
}

/** The serialisable description of a model; `createModel` turns it back into one. */
export type ModelConfig =
  | { type: "softmax-regression"; inputs: number; classes: number; seed: number; weightStd: number }
  | { type: "mlp"; layers: number[]; activation: "relu"; seed: number; weightStd: number };

const PREDICT_ROWS = 1024;

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
  #holder: { owner: object; view: () => Float32Array } | undefined;

  protected constructor(layers: readonly number[], seed: unknown, weightStd: unknown) {
    const s = check("seed", seed, RULES.seed), std = check("weightStd", weightStd, RULES.nonNegative);
    checkParameterCount("model size", layers);
    const { layout, size } = layoutOf(layers);
    this.layers = Object.freeze([...layers]);
    this.layout = layout;
    this.size = size;
    this.#own = new Float32Array(size);
    // Weights N(0, weightStd²), biases 0, as d2l initialises them.
    const rng = new Rng(s);
    for (const { weight, bias } of layout) {
      for (let i = weight; i < bias; i++) this.#own[i] = rng.normal() * std;
    }
  }

  abstract get config(): ModelConfig;

  get inputs(): number { return this.layers[0]!; }
  get classes(): number { return this.layers[this.layers.length - 1]!; }
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
   * @example
   * const p = model.predictProba(test.x.subarray(0, 784)); // 10 probabilities for the first test image
   */
  predictProba(x: Inputs, options?: PredictOptions): Float32Array {
    return this.#infer(x, "proba", options) as Float32Array;
  }

  /**
   * The most probable class of each input row.
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @throws {WasmError} before `init()` when no `runtime` is given.
   * @example
   * const classes = model.predict(test); // Int32Array(10000)
   */
  predict(x: Inputs, options?: PredictOptions): Int32Array {
    return this.#infer(x, "class", options) as Int32Array;
  }

  /** @internal Hands the live block to `owner` (a Trainer), whose `view` gives it; `release` takes it back. */
  hold(owner: object, view: () => Float32Array): void {
    if (this.#holder) {
      throw new OptionError("model", "a model no other Trainer holds", "a model held by another Trainer or fit()",
        "Close the other Trainer (or wait for its fit() to end), or train a second model.");
    }
    view().set(this.#own);
    this.#holder = { owner, view };
  }

  /** @internal */
  release(owner: object): void {
    if (this.#holder?.owner !== owner) return;
    this.#own = this.#holder.view().slice();
    this.#holder = undefined;
  }

  #block(): Float32Array {
    return this.#holder ? this.#holder.view() : this.#own;
  }

  #infer(input: Inputs, what: "proba" | "class", options: PredictOptions | undefined): Float32Array | Int32Array {
    const rt = runtimeOf(checkKeys("predict", options, ["runtime"]).runtime);
    const x = rowsOf(input, this.inputs);
    const rows = x.length / this.inputs, C = this.classes, k = rt.kernels;
    const params = this.getParameters(), scope = new Scope(rt.arena);
    try {
      const B = Math.min(rows, PREDICT_ROWS);
      const p = scope.f32(this.size, params);
      const { acts } = room(scope, this.layers, B, false);
      const stage = staging(scope, B, this.inputs);
      const out = scope.alloc(B * C * 4), logits = acts[acts.length - 1]!;
      const result = what === "proba" ? new Float32Array(rows * C) : new Int32Array(rows);
      for (let start = 0; start < rows; start += B) {
        const n = Math.min(B, rows - start);
        writeRows(k, rt.arena, stage, acts[0]!, x.subarray(start * this.inputs, (start + n) * this.inputs), n, this.inputs);
        forward(k, this.layout, p, acts, n);
        if (what === "proba") {
          k.softmaxRows(out, logits, n, C);
          result.set(new Float32Array(rt.arena.memory.buffer, out, n * C), start * C);
        } else {
          k.argmaxRows(out, logits, n, C);
          result.set(new Int32Array(rt.arena.memory.buffer, out, n), start);
        }
      }
      return result;
    } finally {
      scope.close();
    }
  }
}

/** @internal The input rows of `input` for a model `width` values wide, checked. */
export function rowsOf(input: Inputs, width: number): Uint8Array | Float32Array {
  if (input instanceof Dataset && input.features !== width) {
    throw new ShapeError("dataset", `${width} features per example (the model's input width)`, `${input.features}`,
      "Build the model with `inputs` equal to the data's features.");
  }
  return input instanceof Dataset ? input.x : toInputRows(input, width);
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
}

function describeLength(values: unknown): string {
  return ArrayBuffer.isView(values) ? `${values.constructor.name}(${(values as Float32Array).length})` : typeof values;
}

/** @internal A layer width: an integer ≥ min. */
export function checkWidth(option: string, value: unknown, min = 1): number {
  return check(option, value, integerIn(min));
}
