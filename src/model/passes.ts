// Forward and backward over a model's layout: the training step's arithmetic, written once for the Trainer and
// for predict. Pointers are byte offsets into one runtime's kernel memory; nothing here allocates but `room`.
import type { Kernels, Ptr } from "../kernels/contract.js";
import type { Arena, Scope } from "../runtime/memory.js";
import { U8_SCALE } from "../data/dataset.js";
import type { LayerLayout } from "./layout.js";

/** Activations and deltas for batches of up to B rows: acts[0] is the input, the last act the logits. */
export interface Buffers {
  readonly acts: readonly Ptr[];
  /** deltas[l] holds the gradient w.r.t. acts[l + 1]; the last one is the loss gradient w.r.t. the logits. */
  readonly deltas: readonly Ptr[];
  /** Scratch for the largest delta, regrouped for the weight gradient (linearBackward's panels); 0 without deltas. */
  readonly panels: Ptr;
}

export function room(scope: Scope, layers: readonly number[], B: number, withDeltas: boolean): Buffers {
  return {
    acts: layers.map((width) => scope.f32(B * width)),
    deltas: withDeltas ? layers.slice(1).map((width) => scope.f32(B * width)) : [],
    panels: withDeltas ? scope.f32(B * Math.max(...layers.slice(1))) : 0,
  };
}

/** acts[l+1] = relu(acts[l] · Wₗᵀ + bₗ), no ReLU after the last layer (its output is the logits). */
export function forward(k: Kernels, layout: readonly LayerLayout[], params: Ptr, acts: readonly Ptr[], B: number): void {
  const last = layout.length - 1;
  layout.forEach(({ inputs, outputs, weight, bias }, l) => {
    k.linearForward(acts[l + 1]!, acts[l]!, params + weight * 4, params + bias * 4, B, inputs, outputs);
    if (l < last) k.reluForward(acts[l + 1]!, acts[l + 1]!, B * outputs);
  });
}

/** Gradients of every parameter into `grads` (overwritten, so no zeroGrad; same layout as the parameters). */
export function backward(k: Kernels, layout: readonly LayerLayout[], params: Ptr, grads: Ptr, { acts, deltas, panels }: Buffers, B: number): void {
  for (let l = layout.length - 1; l >= 0; l--) {
    const { inputs, outputs, weight, bias } = layout[l]!;
    k.linearBackward(grads + weight * 4, grads + bias * 4, deltas[l]!, acts[l]!, panels, B, inputs, outputs);
    if (l > 0) {
      k.matmul(deltas[l - 1]!, deltas[l]!, params + weight * 4, B, outputs, inputs);
      k.reluBackward(deltas[l - 1]!, deltas[l - 1]!, acts[l]!, B * inputs);
    }
  }
}

/** Room to bring up to B rows from JS into acts[0]: raw bytes, and the identity order the gather kernels take. */
export interface Staging {
  readonly raw: Ptr;
  readonly identity: Ptr;
  readonly rows: number;
}

export function staging(scope: Scope, B: number, width: number): Staging {
  return { raw: scope.alloc(B * width * 4), identity: scope.i32(B, Int32Array.from({ length: B }, (_, i) => i)), rows: B };
}

/** Writes `rows` of `width` values into `into`: u8 pixels scaled to [0, 1] inside the kernels, as in training. */
export function writeRows(k: Kernels, arena: Arena, s: Staging, into: Ptr, x: Uint8Array | Float32Array, rows: number, width: number): void {
  if (x instanceof Uint8Array) {
    arena.u8.set(x, s.raw);
    k.gatherScaleU8(into, s.raw, s.identity, rows, width, U8_SCALE);
  } else {
    new Float32Array(arena.memory.buffer, into, x.length).set(x);
  }
}
