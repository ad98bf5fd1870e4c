// The backward pass over a model's layout: what training adds to the forward pass (inference.ts). Pointers are
// byte offsets into one runtime's kernel memory; nothing here allocates but `gradientRoom`.
import type { Kernels, Ptr } from "../kernels/contract.js";
import type { Scope } from "../runtime/memory.js";
import type { LayerLayout } from "./layout.js";

/** What the backward pass needs besides the activations, for batches of up to B rows. */
export interface GradientRoom {
  /** deltas[l] holds the gradient w.r.t. acts[l + 1]; the last one is the loss gradient w.r.t. the logits. */
  readonly deltas: readonly Ptr[];
  /** Scratch for the largest delta, regrouped for the weight gradient (linearBackward's panels). */
  readonly panels: Ptr;
  /** Scratch for the widest layer input's lists of rows with non-zero inputs (linearBackward's rows). */
  readonly rowLists: Ptr;
}

/** The i32 scratch linearBackward takes for its lists of rows (see assembly/matmul.ts). */
export function backwardRows(B: number, I: number): number {
  return 2 * B * (I >> 4);
}

export function gradientRoom(scope: Scope, layers: readonly number[], B: number): GradientRoom {
  return {
    deltas: layers.slice(1).map((width) => scope.f32(B * width)),
    panels: scope.f32(B * Math.max(...layers.slice(1))),
    rowLists: scope.i32(backwardRows(B, Math.max(...layers.slice(0, -1)))),
  };
}

/** Gradients of every parameter into `grads` (overwritten, so no zeroGrad; same layout as the parameters). */
export function backward(k: Kernels, layout: readonly LayerLayout[], params: Ptr, grads: Ptr, acts: readonly Ptr[],
                         { deltas, panels, rowLists }: GradientRoom, B: number): void {
  for (let l = layout.length - 1; l >= 0; l--) {
    const { inputs, outputs, weight, bias } = layout[l]!;
    k.linearBackward(grads + weight * 4, grads + bias * 4, deltas[l]!, acts[l]!, panels, rowLists, B, inputs, outputs);
    if (l > 0) {
      k.matmul(deltas[l - 1]!, deltas[l]!, params + weight * 4, B, outputs, inputs);
      k.reluBackward(deltas[l - 1]!, deltas[l - 1]!, acts[l]!, B * inputs);
    }
  }
}
