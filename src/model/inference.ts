// The forward pass alone: a model's outputs for rows of inputs, in kernel memory that holds the parameters, one
// batch of activations and its output, and nothing a gradient needs (no deltas, no panels, no optimizer state).
// predict, predictProba, Trainer.predictOnBatch and evaluate all run here; the training step runs the same
// `forward` over its own buffers, so both give the same bits.
import type { KernelFunctions, Kernels, Ptr } from "../kernels/contract.js";
import type { Arena } from "../runtime/memory.js";
import { Scope } from "../runtime/memory.js";
import { U8_SCALE } from "../data/pixels.js";
import type { Normalizer } from "../data/normalizer.js";
import type { LayerLayout } from "./layout.js";

/** Rows per forward pass in predict and predictProba (the full package's and the predict-only entry's alike). */
export const PREDICT_ROWS = 1024;

/** The kernels this file runs: all that predicting needs (the predict-only entry instantiates no others). */
export const FORWARD_KERNELS = ["linearForward", "reluForward", "softmaxRows", "argmaxRows", "gatherScaleU8"] as const satisfies
  readonly (keyof KernelFunctions)[];

/** Where the kernels run: a runtime's kernels and its memory. */
export interface KernelSpace {
  readonly kernels: Kernels;
  readonly arena: Arena;
}

/** What the forward pass needs of a model: its widths, where each layer sits in the parameter block, its normalizer. */
export interface ForwardModel {
  readonly layers: readonly number[];
  readonly layout: readonly LayerLayout[];
  readonly size: number;
  readonly input: { readonly normalizer?: Normalizer };
}

/** acts[l+1] = relu(acts[l] · Wₗᵀ + bₗ), no ReLU after the last layer (its output is the logits). */
export function forward(k: Kernels, layout: readonly LayerLayout[], params: Ptr, acts: readonly Ptr[], B: number): void {
  const last = layout.length - 1;
  layout.forEach(({ inputs, outputs, weight, bias }, l) => {
    k.linearForward(acts[l + 1]!, acts[l]!, params + weight * 4, params + bias * 4, B, inputs, outputs);
    if (l < last) k.reluForward(acts[l + 1]!, acts[l + 1]!, B * outputs);
  });
}

/** Room to bring up to `rows` rows from JS into the first activation: raw bytes, and the identity order the gather kernels take. */
export interface Staging {
  readonly raw: Ptr;
  readonly identity: Ptr;
  readonly rows: number;
}

/** Activations for batches of up to `rows` rows (acts[0] the input, the last the logits), and their staging. */
export interface ForwardRoom {
  readonly rows: number;
  readonly acts: readonly Ptr[];
  readonly stage: Staging;
}

export function forwardRoom(scope: Scope, layers: readonly number[], rows: number): ForwardRoom {
  const ptrs = scope.carve([...layers.map((width) => rows * width * 4), rows * layers[0]!, rows * 4]);
  const identity = ptrs.pop()!, raw = ptrs.pop()!, order = new Int32Array(scope.arena.memory.buffer, identity, rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return { rows, acts: ptrs, stage: { raw, identity, rows } };
}

/**
 * Writes `rows` of `width` values into `into`: u8 pixels scaled to [0, 1] inside the kernels, as in training, then
 * the model's normalizer, if any.
 */
export function writeRows(k: Kernels, arena: Arena, s: Staging, into: Ptr, x: Uint8Array | Float32Array, rows: number, width: number,
                          normalizer: Normalizer | undefined): void {
  if (x instanceof Uint8Array) {
    arena.u8.set(x, s.raw);
    k.gatherScaleU8(into, s.raw, s.identity, rows, width, U8_SCALE);
  } else {
    new Float32Array(arena.memory.buffer, into, x.length).set(x);
  }
  normalizeRows(arena, into, rows, width, normalizer);
}

/** Applies `normalizer` to `rows` rows already in `into` (every path that brings inputs in ends here, so the bits agree). */
export function normalizeRows(arena: Arena, into: Ptr, rows: number, width: number, normalizer: Normalizer | undefined): void {
  normalizer?.applyInPlace(new Float32Array(arena.memory.buffer, into, rows * width));
}

/**
 * A model's forward pass on one runtime: its parameters (a block in the same memory that someone else owns: a
 * Trainer, or the memory itself, which keeps a model's parameters between predictions), activations for one batch
 * and an output of rows × classes. Batches grow the room when they need more rows; `close()` frees it all.
 */
export class Inference {
  readonly #space: KernelSpace;
  readonly #model: ForwardModel;
  readonly #params: Ptr;
  #scope: Scope;
  #room: ForwardRoom | undefined;
  #output: Ptr = 0;

  /** `params`: the offset of the model's parameter block, read in place. */
  constructor(space: KernelSpace, model: ForwardModel, params: Ptr) {
    this.#space = space;
    this.#model = model;
    this.#scope = new Scope(space.arena);
    this.#params = params;
  }

  /** Makes room for batches of `rows` rows; a larger room replaces a smaller one (offsets change, views are re-derived). */
  reserve(rows: number): void {
    if (this.#room && this.#room.rows >= rows) return;
    this.#scope.close();
    this.#scope = new Scope(this.#space.arena);
    this.#room = forwardRoom(this.#scope, this.#model.layers, rows);
    this.#output = this.#scope.f32(rows * this.#classes);
  }

  /** The first activation, where a batch's input rows go. */
  get input(): Ptr { return this.#room!.acts[0]!; }
  get stage(): Staging { return this.#room!.stage; }
  get logits(): Ptr { return this.#room!.acts[this.#room!.acts.length - 1]!; }
  /** rows × classes values of scratch: probabilities, classes, or a loss kernel's gradient nobody reads. */
  get output(): Ptr { return this.#output; }

  /** Runs the layers over the `rows` input rows already written to `input`. */
  forward(rows: number): void {
    forward(this.#space.kernels, this.#model.layout, this.#params, this.#room!.acts, rows);
  }

  /** Class probabilities of every row of `x`, `batch` rows at a time. */
  probabilities(x: Uint8Array | Float32Array, batch: number): Float32Array {
    const C = this.#classes, out = new Float32Array((x.length / this.#width) * C);
    this.#each(x, batch, (start, n) => {
      this.#space.kernels.softmaxRows(this.#output, this.logits, n, C);
      out.set(new Float32Array(this.#space.arena.memory.buffer, this.#output, n * C), start * C);
    });
    return out;
  }

  /** The most probable class of every row of `x`, `batch` rows at a time. */
  classes(x: Uint8Array | Float32Array, batch: number): Int32Array {
    const out = new Int32Array(x.length / this.#width);
    this.#each(x, batch, (start, n) => {
      this.#space.kernels.argmaxRows(this.#output, this.logits, n, this.#classes);
      out.set(new Int32Array(this.#space.arena.memory.buffer, this.#output, n), start);
    });
    return out;
  }

  close(): void {
    this.#scope.close();
    this.#room = undefined;
  }

  get #width(): number { return this.#model.layers[0]!; }
  get #classes(): number { return this.#model.layers[this.#model.layers.length - 1]!; }

  #each(x: Uint8Array | Float32Array, batch: number, read: (start: number, rows: number) => void): void {
    const width = this.#width, rows = x.length / width, { kernels, arena } = this.#space;
    this.reserve(Math.max(1, Math.min(batch, rows)));
    for (let start = 0; start < rows; start += batch) {
      const n = Math.min(batch, rows - start);
      writeRows(kernels, arena, this.stage, this.input, x.subarray(start * width, (start + n) * width), n, width, this.#model.input.normalizer);
      this.forward(n);
      read(start, n);
    }
  }
}
