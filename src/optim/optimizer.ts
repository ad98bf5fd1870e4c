import type { Kernels, Ptr } from "../kernels/contract.js";
import { OptionError } from "../errors.js";

/** What the training loop needs from an optimizer: how much state it keeps, and one update. */
export interface Optimizer {
  readonly name: string;
  /** f32 values of state the optimizer keeps for a block of `n` parameters (kept in kernel memory). */
  stateSize(n: number): number;
  /** One update of `n` parameters from their gradients; `state` starts zeroed. */
  step(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number): void;
  /** Options, for logs and checkpoints. */
  readonly config: Record<string, number | string>;
}

export function checkPositive(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new OptionError(option, "a finite number > 0", value);
  }
  return value;
}

export interface SGDOptions {
  /** Learning rate. Default 0.1, as in d2l. */
  lr?: number;
}

/**
 * Plain minibatch stochastic gradient descent: p ← p − lr · ∇p (the gradient is already the batch mean).
 * @throws {OptionError} for a learning rate that is not a finite number > 0.
 * @example
 * const optimizer = new SGD({ lr: 0.1 });
 */
export class SGD implements Optimizer {
  readonly name = "sgd";
  readonly lr: number;

  constructor(options: SGDOptions = {}) {
    this.lr = checkPositive("lr", options.lr ?? 0.1);
  }

  stateSize(): number {
    return 0;
  }

  step(k: Kernels, params: Ptr, grads: Ptr, _state: Ptr, n: number): void {
    k.sgdUpdate(params, grads, n, this.lr);
  }

  get config(): Record<string, number | string> {
    return { type: "sgd", lr: this.lr };
  }
}
