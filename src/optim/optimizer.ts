import type { Kernels, Ptr } from "../kernels/contract.js";
import { OptionError, ShapeError } from "../errors.js";
import { checkSchedule, scheduledLr } from "./schedules.js";
import type { Schedule } from "./schedules.js";

export type OptimizerConfig =
  | { type: "sgd"; lr: number; momentum: number; weightDecay: number; schedule?: Schedule }
  | { type: "adam"; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; schedule?: Schedule };

/**
 * An optimizer owns its state (momentum buffers, Adam moments) as a Float32Array between fits, like the model
 * owns its parameters; during a fit the state lives in kernel memory. `steps` counts the updates done.
 */
export abstract class Optimizer {
  /** The optimizer's buffers (`stateSize(n)` values), or undefined before the first fit. */
  state: Float32Array | undefined;
  /** Updates applied so far. */
  steps = 0;

  abstract readonly config: OptimizerConfig;
  /** f32 values of state kept for a block of `n` parameters. */
  abstract stateSize(n: number): number;
  /** One update of `n` parameters from their gradients at learning rate `lr`. */
  protected abstract apply(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void;

  /** The learning rate of `epoch` (1-based), after the schedule. */
  learningRate(epoch: number): number {
    return scheduledLr(this.config.lr, this.config.schedule, epoch);
  }

  update(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void {
    this.steps++;
    this.apply(k, params, grads, state, n, lr);
  }

  /**
   * Restores buffers and step count (from a checkpoint).
   * @throws {ShapeError} when `state` has the wrong length for `n` parameters.
   */
  restore(state: Float32Array, steps: number, n: number): void {
    if (state.length !== this.stateSize(n)) throw new ShapeError("optimizer state", `${this.stateSize(n)} values`, `${state.length}`);
    if (!Number.isInteger(steps) || steps < 0) throw new OptionError("steps", "an integer ≥ 0", steps);
    this.state = state.slice();
    this.steps = steps;
  }
}

export function checkPositive(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionError(option, "a finite number > 0", value);
  return value;
}

function checkRange(option: string, value: unknown, rule: string, ok: (v: number) => boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) throw new OptionError(option, rule, value);
  return value;
}

const fraction = (option: string, value: unknown) => checkRange(option, value, "a number in [0, 1)", (v) => v >= 0 && v < 1);

/** What every optimizer takes: a learning rate (with its default), weight decay and a schedule, checked. */
function commonOptions(options: { lr?: number; weightDecay?: number; schedule?: Schedule }, defaultLr: number):
  { lr: number; weightDecay: number; schedule?: Schedule } {
  const lr = checkPositive("lr", options.lr ?? defaultLr);
  return {
    lr,
    weightDecay: checkRange("weightDecay", options.weightDecay ?? 0, "a finite number ≥ 0", (v) => v >= 0),
    ...(options.schedule !== undefined && { schedule: checkSchedule(options.schedule, lr)! }),
  };
}

export interface SGDOptions {
  /** Learning rate. Default 0.1, as in d2l. */
  lr?: number;
  /** Momentum μ in [0, 1). Default 0. */
  momentum?: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
  schedule?: Schedule;
}

/**
 * Minibatch stochastic gradient descent, with optional momentum and weight decay (PyTorch's semantics).
 * @throws {OptionError} for lr not > 0, momentum outside [0, 1), weightDecay < 0, or a bad schedule.
 * @example
 * const optimizer = new SGD({ lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer {
  readonly config: OptimizerConfig & { type: "sgd" };

  constructor(options: SGDOptions = {}) {
    super();
    const common = commonOptions(options, 0.1);
    this.config = { type: "sgd", ...common, momentum: fraction("momentum", options.momentum ?? 0) };
  }

  get lr(): number { return this.config.lr; }

  stateSize(n: number): number {
    return this.config.momentum > 0 ? n : 0;
  }

  protected apply(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void {
    k.sgdUpdate(params, grads, state, n, lr, this.config.momentum, this.config.weightDecay);
  }
}

export interface AdamOptions {
  /** Learning rate. Default 0.001. */
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  schedule?: Schedule;
}

/**
 * Adam (Kingma & Ba), with optional L2 weight decay, PyTorch's defaults.
 * @throws {OptionError} for lr or eps not > 0, betas outside [0, 1), weightDecay < 0, or a bad schedule.
 * @example
 * const optimizer = new Adam({ lr: 0.001 });
 */
export class Adam extends Optimizer {
  readonly config: OptimizerConfig & { type: "adam" };

  constructor(options: AdamOptions = {}) {
    super();
    const common = commonOptions(options, 0.001);
    this.config = {
      type: "adam", ...common,
      beta1: fraction("beta1", options.beta1 ?? 0.9),
      beta2: fraction("beta2", options.beta2 ?? 0.999),
      eps: checkPositive("eps", options.eps ?? 1e-8),
    };
  }

  stateSize(n: number): number {
    return 2 * n;
  }

  // β1ᵗ and β2ᵗ as running products (Math.pow is not the same bits in every engine).
  private powers = { steps: 0, beta1: 1, beta2: 1 };

  protected apply(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.config, p = this.powers;
    if (p.steps > this.steps) Object.assign(p, { steps: 0, beta1: 1, beta2: 1 });
    for (; p.steps < this.steps; p.steps++) { p.beta1 *= beta1; p.beta2 *= beta2; }
    k.adamUpdate(params, grads, state, state + n * 4, n, lr, beta1, beta2, eps, weightDecay, 1 - p.beta1, 1 - p.beta2);
  }
}

/** Rebuilds an optimizer from its config (checkpoints). */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  if (config?.type === "sgd") return new SGD(config);
  if (config?.type === "adam") return new Adam(config);
  throw new OptionError("optimizer.type", '"sgd" or "adam"', (config as { type?: unknown })?.type);
}
