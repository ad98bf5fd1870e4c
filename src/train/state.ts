// What lives in kernel memory while a model trains, and the step over it: the parameters (the model's live
// block), their gradients, the optimizer's state, and one batch's activations, deltas, labels and targets, sized
// by the largest batch seen so far (never by a batchSize larger than the data).
import type { Ptr } from "../kernels/contract.js";
import { Scope } from "../runtime/memory.js";
import { forwardRoom, forward } from "../model/inference.js";
import type { ForwardRoom, KernelSpace } from "../model/inference.js";
import { backward, gradientRoom } from "../model/backward.js";
import type { GradientRoom } from "../model/backward.js";
import type { DenseNetwork } from "../model/network.js";
import type { Optimizer } from "../optim/optimizer.js";
import { DivergenceError, ShapeError } from "../errors.js";
import { RULES, check } from "../validate.js";
import type { Loss } from "./losses.js";
import type { BatchSlots } from "./feed.js";

/** What `Trainer.snapshot()` gives and `Trainer.restore()` takes: copies of everything a step changes. */
export interface TrainerSnapshot {
  /** The model's parameters, in its block layout. */
  readonly parameters: Float32Array;
  /** The optimizer's buffers (momentum, Adam's moments; empty for plain SGD). */
  readonly optimizerState: Float32Array;
  /** The optimizer's `steps`. */
  readonly steps: number;
}

/** One batch's room: the forward pass's, the backward pass's, labels and target rows. */
interface BatchRoom extends ForwardRoom, GradientRoom, BatchSlots {}

/** @internal A model, its optimizer and loss in one runtime's kernel memory: holds both until `close()`. */
export class TrainerState {
  readonly #space: KernelSpace;
  readonly #model: DenseNetwork;
  readonly #optimizer: Optimizer;
  readonly #loss: Loss;
  readonly #scope: Scope;
  readonly #params: Ptr;
  readonly #grads: Ptr;
  readonly #state: Ptr;
  readonly #stateSize: number;
  #batchScope: Scope;
  #batch: BatchRoom | undefined;

  /** @throws {OptionError} when another Trainer holds the model or the optimizer. */
  constructor(space: KernelSpace, model: DenseNetwork, optimizer: Optimizer, loss: Loss) {
    this.#space = space;
    this.#model = model;
    this.#optimizer = optimizer;
    this.#loss = loss;
    const n = model.size, arena = space.arena;
    this.#stateSize = optimizer.stateSize(n);
    this.#scope = new Scope(arena);
    this.#batchScope = new Scope(arena);
    try {
      this.#params = this.#scope.f32(n);
      this.#grads = this.#scope.f32(n);
      this.#state = this.#scope.f32(this.#stateSize);
      model.hold(this, arena, this.#params);
      try {
        optimizer.hold(this, n, () => this.#view(this.#state, this.#stateSize));
      } catch (error) {
        model.release(this);
        throw error;
      }
    } catch (error) {
      this.#scope.close();
      throw error;
    }
  }

  /** Where the live parameter block is. */
  get params(): Ptr {
    return this.#params;
  }

  /**
   * The batch slots, with room for at least `rows` rows. A larger batch replaces the room (its offsets change, and
   * memory may grow, which detaches views: every view is re-derived from the current buffer when used).
   */
  reserve(rows: number): BatchSlots {
    if (this.#batch && this.#batch.rows >= rows) return this.#batch;
    this.#batchScope.close();
    this.#batchScope = new Scope(this.#space.arena);
    const scope = this.#batchScope, layers = this.#model.layers, C = this.#model.classes;
    const room = forwardRoom(scope, layers, rows);
    this.#batch = {
      ...room, ...gradientRoom(scope, layers, rows),
      input: room.acts[0]!, stage: room.stage, labels: scope.i32(rows), targets: scope.f32(rows * C), weights: scope.f32(rows),
    };
    return this.#batch;
  }

  /**
   * forward → loss and dLogits → backward (gradients are overwritten, so no zeroGrad) → optimizer update, on the
   * `rows` rows in the batch slots, their weights in the slots when `weighted`. Returns the batch's loss and
   * correct count from before the update.
   * @throws {DivergenceError} when the loss is NaN or infinite (nothing is updated then); `epoch` and `batch` name it.
   */
  step(rows: number, withTargets: boolean, weighted: boolean, lr: number, epoch: number, batch: number): { loss: number; correct: number } {
    const k = this.#space.kernels, layout = this.#model.layout, C = this.#model.classes, b = this.#batch!;
    const logits = b.acts[b.acts.length - 1]!;
    forward(k, layout, this.#params, b.acts, b.chunks, rows);
    const correct = k.countCorrect(logits, b.labels, rows, C);
    const loss = this.#loss.forwardBackward(k, b.deltas[b.deltas.length - 1]!, logits, b.labels, withTargets ? b.targets : 0, rows, C,
      weighted ? b.weights : 0);
    if (!Number.isFinite(loss)) throw new DivergenceError(epoch, batch, loss);
    backward(k, layout, this.#params, this.#grads, b.acts, b, rows);
    this.#optimizer.update(k, this.#params, this.#grads, this.#state, this.#model.size, lr);
    return { loss, correct };
  }

  /** Copies of everything a step changes, into `into`'s arrays when given (checked: this model's and optimizer's lengths). */
  snapshot(into?: TrainerSnapshot): TrainerSnapshot {
    const n = this.#model.size, params = this.#view(this.#params, n), state = this.#view(this.#state, this.#stateSize);
    if (into === undefined) return { parameters: params.slice(), optimizerState: state.slice(), steps: this.#optimizer.steps };
    const { parameters, optimizerState } = this.#checked(into, "Pass a snapshot this Trainer took, or none.");
    parameters.set(params);
    optimizerState.set(state);
    return { parameters, optimizerState, steps: this.#optimizer.steps };
  }

  /** @throws {ShapeError} when the snapshot's lengths are not this model's and optimizer's. */
  restore(snapshot: TrainerSnapshot): void {
    const { parameters, optimizerState, steps } = this.#checked(snapshot, "Restore a snapshot taken from a Trainer of this model.",
      "Restore a snapshot taken from a Trainer of this model with the same kind of optimizer.");
    check("snapshot.steps", steps, RULES.countOrZero);
    this.#view(this.#params, this.#model.size).set(parameters);
    this.#view(this.#state, this.#stateSize).set(optimizerState);
    this.#optimizer.steps = steps;
  }

  /** `snapshot`, its arrays checked to be this model's and optimizer's lengths; the hints say what to pass instead. */
  #checked(snapshot: TrainerSnapshot, hint: string, stateHint = hint): TrainerSnapshot {
    const { parameters, optimizerState } = snapshot ?? ({} as TrainerSnapshot);
    const n = this.#model.size;
    if (!(parameters instanceof Float32Array) || parameters.length !== n) {
      throw new ShapeError("snapshot.parameters", `a Float32Array of ${n} values`, describeLength(parameters), hint);
    }
    if (!(optimizerState instanceof Float32Array) || optimizerState.length !== this.#stateSize) {
      throw new ShapeError("snapshot.optimizerState", `a Float32Array of ${this.#stateSize} values`, describeLength(optimizerState),
        stateHint);
    }
    return snapshot;
  }

  /** Hands the parameters and optimizer state back to their owners and frees the kernel memory. */
  close(): void {
    this.#optimizer.release(this);
    this.#model.release(this);
    this.#batchScope.close();
    this.#scope.close();
    this.#batch = undefined;
  }

  // Views are re-derived on every access: the memory may grow (and detach old views) when data or a batch arrives.
  #view(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(this.#space.arena.memory.buffer, ptr, length);
  }
}

function describeLength(values: unknown): string {
  return ArrayBuffer.isView(values) ? `${values.constructor.name}(${(values as Float32Array).length})` : values === undefined ? "nothing" : typeof values;
}
