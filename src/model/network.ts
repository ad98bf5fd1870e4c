import type { Kernels, Ptr } from "../kernels/contract.js";
import type { Runtime } from "../wasm/init.js";
import { runtime } from "../wasm/init.js";
import type { Scope } from "../wasm/memory.js";
import { Dataset, U8_SCALE } from "../data/dataset.js";
import { OptionError, ShapeError } from "../errors.js";
import { Rng } from "../random.js";
import { encodeCheckpoint } from "../io/format.js";
import type { TrainingState } from "../io/format.js";
import type { Optimizer } from "../optim/optimizer.js";
import { toInputRows } from "./inputs.js";
import type { ArrayInputs } from "./inputs.js";
import { summary } from "./summary.js";

/** Where one dense layer's weight (outputs × inputs, row-major) and bias live in the parameter block. */
export interface LayerLayout {
  readonly inputs: number;
  readonly outputs: number;
  /** Offsets in f32 values from the start of the block. */
  readonly weight: number;
  readonly bias: number;
}

/** Inputs to `predict`: rows of `inputs` values, Uint8 pixels (scaled to [0, 1]) or features (see ArrayInputs). */
export type Inputs = ArrayInputs | Dataset;

/** The serialisable description of a model; `create` in src/model/index.ts turns it back into one. */
export type ModelConfig =
  | { type: "softmax-regression"; inputs: number; classes: number; seed: number; weightStd: number }
  | { type: "mlp"; layers: number[]; activation: "relu"; seed: number; weightStd: number };

const PREDICT_ROWS = 1024;

/**
 * A stack of dense layers with ReLU between them and logits out; all parameters in one Float32Array block,
 * layer by layer, weight then bias. Softmax regression is the one-layer case.
 */
export abstract class DenseNetwork {
  readonly layers: readonly number[];
  readonly layout: readonly LayerLayout[];
  /** Number of parameters. */
  readonly size: number;
  private params: Float32Array;
  /** While a training scope holds the parameters in kernel memory, that copy is the live one. */
  private live: { rt: Runtime; ptr: Ptr } | undefined;

  protected constructor(layers: readonly number[], seed: number, weightStd: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new OptionError("seed", "an integer in [0, 2^32)", seed);
    if (!(weightStd >= 0) || !Number.isFinite(weightStd)) throw new OptionError("weightStd", "a finite number ≥ 0", weightStd);
    const layout: LayerLayout[] = [];
    let at = 0;
    for (let l = 0; l + 1 < layers.length; l++) {
      const inputs = layers[l]!, outputs = layers[l + 1]!;
      layout.push({ inputs, outputs, weight: at, bias: at + inputs * outputs });
      at += inputs * outputs + outputs;
    }
    this.layers = layers;
    this.layout = layout;
    this.size = at;
    this.params = new Float32Array(at);
    // Weights N(0, weightStd²), biases 0, as d2l initialises them.
    const rng = new Rng(seed);
    for (const { weight, bias } of layout) {
      for (let i = weight; i < bias; i++) this.params[i] = rng.normal() * weightStd;
    }
  }

  abstract get config(): ModelConfig;

  get inputs(): number { return this.layers[0]!; }
  get classes(): number { return this.layers[this.layers.length - 1]!; }
  /** Layers, shapes, activations and parameter counts, as Keras's `model.summary()` prints them. */
  summary(): string { return summary(this); }

  /** A copy of all parameters, in the block layout. */
  getParameters(): Float32Array {
    return this.live ? this.live.rt.arena.readF32(this.live.ptr, this.size) : this.params.slice();
  }

  /**
   * Replaces all parameters.
   * @throws {ShapeError} when the length is not `size`.
   */
  setParameters(values: Float32Array): void {
    if (!(values instanceof Float32Array) || values.length !== this.size) {
      throw new ShapeError("parameters", `a Float32Array of ${this.size} values`, describeLength(values));
    }
    if (this.live) this.live.rt.arena.writeF32(this.live.ptr, values);
    else this.params.set(values);
  }

  /**
   * The model as checkpoint bytes (see src/io/format.ts), with the optimizer's state and the training position
   * when given, so `loadCheckpoint` can resume the run.
   * @example
   * const bytes = model.save(); // later: loadModel(bytes)
   */
  save(extras: { optimizer?: Optimizer; training?: TrainingState } = {}): Uint8Array {
    const { optimizer, training } = extras;
    const params = this.getParameters();
    const state = optimizer ? (optimizer.state ?? new Float32Array(optimizer.stateSize(this.size))) : new Float32Array(0);
    const payload = new Float32Array(params.length + state.length);
    payload.set(params);
    payload.set(state, params.length);
    return encodeCheckpoint({
      model: this.config,
      parameters: this.size,
      ...(optimizer && { optimizer: { config: optimizer.config, steps: optimizer.steps, state: state.length } }),
      ...(training && { training }),
    }, payload);
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
   * @example
   * const p = model.predictProba(test.x.subarray(0, 784)); // 10 probabilities for the first test image
   */
  predictProba(x: Inputs): Float32Array {
    return this.infer(x, "proba") as Float32Array;
  }

  /**
   * The most probable class of each input row.
   * @throws {ShapeError} when the inputs are not whole rows of `inputs` values.
   * @example
   * const classes = model.predict(test); // Int32Array(10000)
   */
  predict(x: Inputs): Int32Array {
    return this.infer(x, "class") as Int32Array;
  }

  private infer(input: Inputs, what: "proba" | "class"): Float32Array | Int32Array {
    if (input instanceof Dataset && input.features !== this.inputs) {
      throw new ShapeError("dataset", `${this.inputs} features per example (the model's input width)`, `${input.features}`);
    }
    const x = input instanceof Dataset ? input.x : toInputRows(input, this.inputs);
    if (!(x instanceof Uint8Array) && !(x instanceof Float32Array)) {
      throw new OptionError("inputs", "a Uint8Array, Float32Array or Dataset", input);
    }
    if (x.length % this.inputs !== 0) {
      throw new ShapeError("inputs", `a multiple of ${this.inputs} values (rows of ${this.inputs})`, `${x.length} values`);
    }
    const rows = x.length / this.inputs, C = this.classes;
    const rt = runtime(), k = rt.kernels, scope = rt.arena.open();
    try {
      const B = Math.min(rows, PREDICT_ROWS);
      const params = this.live?.rt === rt ? this.live.ptr : scope.f32(this.size, this.getParameters());
      const acts = this.allocateActivations(scope, B);
      const raw = scope.alloc(B * this.inputs * x.BYTES_PER_ELEMENT);
      const identity = scope.i32(B, Int32Array.from({ length: B }, (_, i) => i));
      const out = scope.alloc(B * C * 4);
      const result = what === "proba" ? new Float32Array(rows * C) : new Int32Array(rows);
      for (let start = 0; start < rows; start += B) {
        const n = Math.min(B, rows - start), chunk = x.subarray(start * this.inputs, (start + n) * this.inputs);
        if (chunk instanceof Uint8Array) {
          rt.arena.u8.set(chunk, raw);
          k.gatherScaleU8(acts[0]!, raw, identity, n, this.inputs, U8_SCALE);
        } else {
          rt.arena.f32.set(chunk, acts[0]! >> 2);
        }
        this.forward(k, params, acts, n);
        if (what === "proba") {
          k.softmaxRows(out, acts[acts.length - 1]!, n, C);
          result.set(new Float32Array(rt.arena.memory.buffer, out, n * C), start * C);
        } else {
          k.argmaxRows(out, acts[acts.length - 1]!, n, C);
          result.set(new Int32Array(rt.arena.memory.buffer, out, n), start);
        }
      }
      return result;
    } finally {
      scope.close();
    }
  }

  /** Room for every layer's activations for batches of up to B rows: acts[0] is the input, the last the logits. */
  allocateActivations(scope: Scope, B: number): Ptr[] {
    return this.layers.map((width) => scope.f32(B * width));
  }

  /** acts[l+1] = relu(acts[l] · Wₗᵀ + bₗ), no ReLU after the last layer (its output is the logits). */
  forward(k: Kernels, params: Ptr, acts: readonly Ptr[], B: number): void {
    const last = this.layout.length - 1;
    this.layout.forEach(({ inputs, outputs, weight, bias }, l) => {
      k.linearForward(acts[l + 1]!, acts[l]!, params + weight * 4, params + bias * 4, B, inputs, outputs);
      if (l < last) k.reluForward(acts[l + 1]!, acts[l + 1]!, B * outputs);
    });
  }

  /**
   * Gradients of every parameter into `grads` (overwritten, same layout as the parameters), given the
   * loss gradient w.r.t. the logits in deltas[last]. deltas[l] holds the gradient w.r.t. acts[l+1].
   */
  backward(k: Kernels, params: Ptr, grads: Ptr, acts: readonly Ptr[], deltas: readonly Ptr[], B: number): void {
    for (let l = this.layout.length - 1; l >= 0; l--) {
      const { inputs, outputs, weight, bias } = this.layout[l]!;
      k.linearBackward(grads + weight * 4, grads + bias * 4, deltas[l]!, acts[l]!, B, inputs, outputs);
      if (l > 0) {
        k.matmul(deltas[l - 1]!, deltas[l]!, params + weight * 4, B, outputs, inputs);
        k.reluBackward(deltas[l - 1]!, deltas[l - 1]!, acts[l]!, B * inputs);
      }
    }
  }

  /** Room for the gradient w.r.t. each layer's output, for batches of up to B rows. */
  allocateDeltas(scope: Scope, B: number): Ptr[] {
    return this.layout.map(({ outputs }) => scope.f32(B * outputs));
  }

  /** Moves the parameters into kernel memory for a training scope; `detach` brings them back. */
  attach(rt: Runtime, scope: Scope): Ptr {
    if (this.live) {
      throw new OptionError("model", "a model that is not already being trained", "a model inside another fit()",
        "Wait for the running fit() to finish, or train a second model.");
    }
    const ptr = scope.f32(this.size, this.params);
    this.live = { rt, ptr };
    return ptr;
  }

  detach(): void {
    if (!this.live) return;
    this.params = this.live.rt.arena.readF32(this.live.ptr, this.size);
    this.live = undefined;
  }
}

function describeLength(values: unknown): string {
  return ArrayBuffer.isView(values) ? `${values.constructor.name}(${(values as Float32Array).length})` : typeof values;
}

export function checkWidth(option: string, value: unknown, min = 1): number {
  if (!Number.isInteger(value) || (value as number) < min) throw new OptionError(option, `an integer ≥ ${min}`, value);
  return value as number;
}
