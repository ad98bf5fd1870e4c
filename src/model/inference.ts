// The forward pass alone: a model's outputs for rows of inputs, in kernel memory that holds the parameters, one
// batch of activations and its output, and nothing a gradient needs (no deltas, no panels, no optimizer state).
// predict, predictProba and Trainer.predictOnBatch run `inferRows`; evaluate and the training step run the same
// `forward` over their own rooms, so all give the same bits.
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

/**
 * acts[l+1] = relu(acts[l] · Wₗᵀ + bₗ), no ReLU after the last layer (its output is the logits). `chunks` is
 * linearForward's scratch, forwardChunks(B, widest input) i32.
 */
export function forward(k: Kernels, layout: readonly LayerLayout[], params: Ptr, acts: readonly Ptr[], chunks: Ptr, B: number): void {
  const last = layout.length - 1;
  layout.forEach(({ inputs, outputs, weight, bias }, l) => {
    k.linearForward(acts[l + 1]!, acts[l]!, params + weight * 4, params + bias * 4, chunks, B, inputs, outputs);
    if (l < last) k.reluForward(acts[l + 1]!, acts[l + 1]!, B * outputs);
  });
}

/** Room to bring up to `rows` rows from JS into the first activation: raw bytes, and the identity order the gather kernels take. */
export interface Staging {
  readonly raw: Ptr;
  readonly identity: Ptr;
  readonly rows: number;
}

/** The i32 scratch linearForward takes for its lists of non-zero input chunks (see assembly/matmul.ts). */
export function forwardChunks(B: number, I: number): number {
  return 2 * Math.ceil(B / 4) * (I >> 2);
}

/** Activations for batches of up to `rows` rows (acts[0] the input, the last the logits), and their staging. */
export interface ForwardRoom {
  readonly rows: number;
  readonly acts: readonly Ptr[];
  /** linearForward's lists of chunks, for the widest layer input. */
  readonly chunks: Ptr;
  readonly stage: Staging;
}

export function forwardRoom(scope: Scope, layers: readonly number[], rows: number): ForwardRoom {
  const chunks = forwardChunks(rows, Math.max(...layers.slice(0, -1))) * 4;
  const ptrs = scope.carve([...layers.map((width) => rows * width * 4), chunks, rows * layers[0]!, rows * 4]);
  const identity = ptrs.pop()!, raw = ptrs.pop()!, order = new Int32Array(scope.arena.memory.buffer, identity, rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return { rows, chunks: ptrs.pop()!, acts: ptrs, stage: { raw, identity, rows } };
}

/**
 * Writes `rows` of `width` values into `into`: u8 pixels scaled to [0, 1] inside the kernels, as in training, then
 * the model's normalizer, if any.
 */
export function writeRows(k: Kernels, arena: Arena, s: Staging, into: Ptr, x: Uint8Array | Float32Array, rows: number, width: number,
                          normalizer: Normalizer | undefined): void {
  if (x instanceof Uint8Array) {
    new Uint8Array(arena.memory.buffer, s.raw, x.length).set(x);
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
 * The class probabilities (rows × classes) or the most probable class of every row of `x`, for a model whose
 * parameters are at `params` in `space`'s memory (a Trainer's live block, or the copy the memory keeps for
 * predictions), `batch` rows per forward pass. Its room (one batch of activations and an output) is freed before it
 * returns.
 */
export function inferRows(space: KernelSpace, model: ForwardModel, params: Ptr, x: Uint8Array | Float32Array, batch: number,
                          what: "proba" | "class"): Float32Array | Int32Array {
  const { kernels: k, arena } = space, { layers, layout } = model, width = layers[0]!, C = layers[layers.length - 1]!;
  const rows = x.length / width, B = Math.max(1, Math.min(batch, rows)), scope = new Scope(arena);
  try {
    const room = forwardRoom(scope, layers, B), logits = room.acts[room.acts.length - 1]!, output = scope.f32(B * C);
    const out = what === "class" ? new Int32Array(rows) : new Float32Array(rows * C);
    for (let start = 0; start < rows; start += B) {
      const n = Math.min(B, rows - start);
      writeRows(k, arena, room.stage, room.acts[0]!, x.subarray(start * width, (start + n) * width), n, width, model.input.normalizer);
      forward(k, layout, params, room.acts, room.chunks, n);
      if (what === "class") {
        k.argmaxRows(output, logits, n, C);
        out.set(new Int32Array(arena.memory.buffer, output, n), start);
      } else {
        k.softmaxRows(output, logits, n, C);
        out.set(new Float32Array(arena.memory.buffer, output, n * C), start * C);
      }
    }
    return out;
  } finally {
    scope.close();
  }
}
