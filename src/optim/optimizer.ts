import type { Kernels, Ptr } from "../kernels/contract.js";
import { OptionError, ShapeError } from "../errors.js";
import { RULES, check, checkKeys, checkOr } from "../validate.js";
import { checkSchedule, scheduledLr } from "./schedules.js";
import type { Schedule } from "./schedules.js";
import { INSPECT, inspectAs } from "../util/inspect.js";

/** An optimizer's type and hyperparameters, as `optimizer.config` gives them and checkpoints store them. */
export type OptimizerConfig =
  | { type: "sgd"; lr: number; momentum: number; weightDecay: number; schedule?: Schedule }
  | { type: "adam"; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; schedule?: Schedule };

/**
 * An optimizer owns its state (momentum buffers, Adam moments) as a Float32Array between fits, like the model
 * owns its parameters; during a fit the state lives in kernel memory. `steps` counts the updates done.
 */
export abstract class Optimizer {
  /** Updates applied so far. */
  steps = 0;
  #state: Float32Array | undefined;
  #holder: { owner: object; view: () => Float32Array } | undefined;

  /** @internal The optimizer's buffers (`stateSize(n)` values), or undefined before the first training. */
  get state(): Float32Array | undefined {
    return this.#holder ? this.#holder.view().slice() : this.#state;
  }

  /** @internal While a Trainer holds the optimizer, its buffers live in kernel memory; `view` gives them. */
  hold(owner: object, n: number, view: () => Float32Array): void {
    if (this.#holder) {
      throw new OptionError("optimizer", "an optimizer no other Trainer holds", "one held by another Trainer or fit()",
        "Give each Trainer its own optimizer.");
    }
    const size = this.stateSize(n);
    if (this.#state && this.#state.length !== size) {
      throw new ShapeError("optimizer state", `${size} values for a model of ${n} parameters`, `${this.#state.length}`,
        "Use a new optimizer for a different model.");
    }
    // Kernel memory is reused: a fresh optimizer's buffers start from zero, not from what was there.
    if (this.#state) view().set(this.#state);
    else view().fill(0);
    this.#holder = { owner, view };
  }

  /** @internal */
  release(owner: object): void {
    if (this.#holder?.owner !== owner) return;
    this.#state = this.#holder.view().slice();
    this.#holder = undefined;
  }

  /** The optimizer's type and hyperparameters, as checkpoints store them. */
  abstract readonly config: OptimizerConfig;

  /** The base learning rate (before any schedule). */
  get lr(): number { return this.config.lr; }
  /** @internal f32 values of state kept for a block of `n` parameters. */
  abstract stateSize(n: number): number;
  /** @internal One update of `n` parameters from their gradients at learning rate `lr`. */
  protected abstract apply(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void;

  /** The type, the hyperparameters and the updates done so far. */
  toJSON(): OptimizerConfig & { steps: number } {
    return { ...this.config, steps: this.steps };
  }

  /** @internal console.log(optimizer) in Node: `SGD { type: 'sgd', lr: 0.1, …, steps: 0 }`. */
  [INSPECT](depth: number, options: { depth?: number | null }, inspect?: (value: unknown, options: object) => string): string {
    return inspectAs(this.config.type === "adam" ? "Adam" : "SGD", this.toJSON(), depth, options, inspect);
  }

  /** The learning rate of `epoch` (1-based), after the schedule. */
  learningRate(epoch: number): number {
    return scheduledLr(this.config.lr, this.config.schedule, epoch);
  }

  /** @internal */
  update(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void {
    this.steps++;
    this.apply(k, params, grads, state, n, lr);
  }

  /**
   * @internal Restores buffers and step count (from a checkpoint).
   * @throws {ShapeError} when `state` has the wrong length for `n` parameters.
   */
  restore(state: Float32Array, steps: number, n: number): void {
    if (state.length !== this.stateSize(n)) throw new ShapeError("optimizer state", `${this.stateSize(n)} values`, `${state.length}`);
    check("steps", steps, RULES.countOrZero);
    this.#state = state.slice();
    this.steps = steps;
  }
}

/** What every optimizer takes: a learning rate (with its default), weight decay and a schedule, checked. */
function commonOptions(options: { lr?: number; weightDecay?: number; schedule?: Schedule }, defaultLr: number):
  { lr: number; weightDecay: number; schedule?: Schedule } {
  const lr = checkOr("lr", options.lr, RULES.positive, defaultLr);
  return {
    lr,
    weightDecay: checkOr("weightDecay", options.weightDecay, RULES.nonNegative, 0),
    ...(options.schedule !== undefined && { schedule: checkSchedule(options.schedule, lr)! }),
  };
}

/** Options of `new SGD(…)`; each is checked, and unknown keys are refused. */
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
    const o = checkKeys("SGD", options, ["lr", "momentum", "weightDecay", "schedule"]);
    this.config = { type: "sgd", ...commonOptions(o, 0.1), momentum: checkOr("momentum", o.momentum, RULES.fraction, 0) };
  }

  /** @internal */
  stateSize(n: number): number {
    return this.config.momentum > 0 ? n : 0;
  }

  /** @internal */
  protected apply(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void {
    k.sgdUpdate(params, grads, state, n, lr, this.config.momentum, this.config.weightDecay);
  }
}

/** Options of `new Adam(…)`; each is checked, and unknown keys are refused. */
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
    const o = checkKeys("Adam", options, ["lr", "beta1", "beta2", "eps", "weightDecay", "schedule"]);
    this.config = {
      type: "adam", ...commonOptions(o, 0.001),
      beta1: checkOr("beta1", o.beta1, RULES.fraction, 0.9),
      beta2: checkOr("beta2", o.beta2, RULES.fraction, 0.999),
      eps: checkOr("eps", o.eps, RULES.positive, 1e-8),
    };
  }

  /** @internal */
  stateSize(n: number): number {
    return 2 * n;
  }

  /** @internal */
  protected apply(k: Kernels, params: Ptr, grads: Ptr, state: Ptr, n: number, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.config;
    k.adamUpdate(params, grads, state, state + n * 4, n, lr, beta1, beta2, eps, weightDecay,
      1 - power(beta1, this.steps), 1 - power(beta2, this.steps));
  }
}

/**
 * @internal βᵗ by squaring: O(log t) multiplications, the same bits in every engine (Math.pow is not), and a
 * function of t alone, so a run resumed at step t computes exactly what an uninterrupted one does.
 */
export function power(base: number, t: number): number {
  let result = 1, square = base;
  for (let k = t; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result *= square;
    // Once the square underflows, a later set bit of t multiplies the result by 0: it is 0 already.
    if (square === 0) return 0;
    square *= square;
  }
  return result;
}

/** Rebuilds an optimizer from its config (checkpoints). */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  const { type, ...options } = (config ?? {}) as OptimizerConfig;
  if (type === "sgd") return new SGD(options);
  if (type === "adam") return new Adam(options);
  throw new OptionError("optimizer.type", '"sgd" or "adam"', type);
}
