// The public face of training: one model, optimizer and loss on one runtime. It validates, then hands the work to
// its pieces: the state in kernel memory and the step (state.ts), the data sets and batches (feed.ts), and the
// forward-only path for evaluation and prediction (evaluate.ts, model/inference.ts). fit and custom loops are
// built from its public methods.
import type { Runtime } from "../runtime/runtime.js";
import { runtimeOf } from "../runtime/runtime.js";
import type { Dataset } from "../data/dataset.js";
import { batchCount, batchRanges } from "../data/batches.js";
import { inferRows } from "../model/inference.js";
import { MODEL } from "../model/network.js";
import type { DenseNetwork, Inputs } from "../model/network.js";
import { rowsOf } from "../model/network.js";
import { Optimizer, SGD } from "../optim/optimizer.js";
import { ClosedError, OptionError } from "../errors.js";
import { RULES, check, checkFewKeys, checkKeys, checkOr, rule } from "../validate.js";
import { resolveLoss } from "./losses.js";
import type { Loss, LossConfig, LossSpec } from "./losses.js";
import type { BatchCallback, EpochResult } from "./events.js";
import { notify } from "./events.js";
import { Feed, checkDataset } from "./feed.js";
import type { Targets } from "../data/dataset.js";
import { TrainerState } from "./state.js";
import { resolveClassWeight } from "./weights.js";
import type { ClassWeight } from "./weights.js";
import { sampledOrder, samplerOf } from "../data/sampler.js";
import type { Sampler } from "../data/sampler.js";
import type { TrainerSnapshot } from "./state.js";
import { evaluateOn } from "./evaluate.js";
import type { Evaluation } from "./evaluate.js";
import { INSPECT, inspectAs } from "../util/inspect.js";

export type { Targets } from "../data/dataset.js";
export type { TrainerSnapshot } from "./state.js";

// Σ w·loss / Σ w over the batches so far; 0 when every weight was 0 (nothing was trained).
const meanLoss = (lossSum: number, weightSum: number): number => (weightSum > 0 ? lossSum / weightSum : 0);

/** Options of `new Trainer(model, …)`; each is checked, and unknown keys are refused. */
export interface TrainerOptions {
  /** Default `new SGD({ lr: 0.1 })`, as in d2l. */
  optimizer?: Optimizer;
  /** Default "cross-entropy" (against soft targets when the data has them). */
  loss?: LossSpec;
  /**
   * Examples per optimizer step (the last batch of an epoch may be shorter), at most 2^31 − 1. Kernel memory is
   * sized by the batches that come, so a batchSize above the data's length trains it as one batch. Default 256.
   */
  batchSize?: number;
  /** Where the kernels run. Default: the runtime `init()` set up. */
  runtime?: Runtime;
  /**
   * Bytes of kernel memory the data sets may take (rows, labels, target rows and an order, all data sets
   * together). A data set that fits in what is left is copied in once; one that does not is streamed: each batch
   * is gathered on the JS side into a fixed staging buffer, with the same results. 0 streams every data set.
   * Default `DEFAULT_RESIDENT_BYTES` (1 GiB).
   */
  residentBytes?: number;
  /**
   * Class weights: each example's loss and gradient is multiplied by its class's weight (times its own weight, when
   * the Dataset has `weights`). An array (one per class), a map `{ class: weight }` (the others weigh 1), or
   * `"balanced"`: n / (k × count of the class) over each data set trained on, k the classes present in it. Each
   * batch's loss is then Σ w·loss / Σ w. Default: every class 1.
   */
  classWeight?: ClassWeight;
}

/** The default `residentBytes`: 1 GiB of the 4 GiB wasm32 addresses, leaving room for models and other runtimes' use. */
export const DEFAULT_RESIDENT_BYTES = 2 ** 30;

/** Options of `Trainer.trainEpoch`. */
export interface EpochOptions {
  /** Which epoch this is (1-based): with the seed it picks the shuffle, and it picks the scheduled rate. Default 1. */
  epoch?: number;
  /** Shuffle the examples. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles. Default 0. */
  seed?: number;
  /** Told after every batch; returning "stop" ends the epoch there. */
  callbacks?: BatchCallback[];
  /** Checked before every batch: the epoch ends early when it fires. */
  signal?: AbortSignal;
  /**
   * Draw the epoch's examples instead of visiting each once: `"balanced"` (every class equally often) or one
   * probability per example; as many draws as examples, with replacement, from (seed, epoch). Default: none.
   */
  sampler?: Sampler;
  /**
   * Release the data set from kernel memory when the epoch ends (see `release`), for data seen once: a stream of
   * chunks then keeps kernel memory flat. Default false: the data set stays for the next epoch.
   */
  release?: boolean;
}

/** Options of `Trainer.trainOnBatch`. */
export interface BatchOptions {
  /** Which epoch's scheduled learning rate to use (1-based). Default 1. */
  epoch?: number;
  /** One weight per row (finite, ≥ 0), times the class weights. Default: every row 1. */
  weights?: ArrayLike<number>;
}

export const TRAINER_OPTIONS = ["optimizer", "loss", "batchSize", "runtime", "residentBytes", "classWeight"] as const;
const EPOCH_OPTIONS = ["epoch", "shuffle", "seed", "callbacks", "signal", "sampler", "release"] as const;
const YIELD_MS = 50;
const BATCH_SIZE_HINT = "A batchSize above the number of examples trains them all as one batch.";

// setImmediate (Node, Bun) returns after pending I/O without setTimeout's ≥ 1 ms clamp; elsewhere a macrotask.
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));

const OPTIMIZER = rule<Optimizer>("an optimizer such as new SGD({ lr: 0.1 })", (v) => v instanceof Optimizer);

/**
 * Trains one model with one optimizer and loss on one runtime. The model's parameters, their gradients, the
 * optimizer's state and each data set passed in stay in kernel memory until `close()`, so any number of
 * `trainEpoch` / `evaluate` calls copy each data set once. The model's parameters stay readable and writable
 * (`getParameters`, `setParameters`) throughout; `close()` hands them back to the model. Kernel memory for a
 * batch is sized by the batches that come: `runtime.bytesInUse` shows what the Trainer holds.
 * @example
 * using trainer = new Trainer(model, { optimizer: new SGD({ lr: 0.1 }), batchSize: 256 });
 * for (let epoch = 1; epoch <= 10; epoch++) {
 *   const { loss, accuracy } = await trainer.trainEpoch(train, { epoch });
 *   console.log(epoch, loss, accuracy, trainer.evaluate(test).accuracy);
 * }
 */
export class Trainer {
  readonly model: DenseNetwork;
  readonly optimizer: Optimizer;
  /** The loss, with its defaults filled in. */
  readonly loss: LossConfig;
  readonly batchSize: number;
  readonly runtime: Runtime;
  /** Bytes of kernel memory the data sets may take; larger ones are streamed. */
  readonly residentBytes: number;
  #loss: Loss;
  #state: TrainerState;
  #feed: Feed;
  #closed = false;
  // The data sets an epoch is training on right now (between its awaits), which release() must not pull away.
  #busy = new Set<Dataset>();

  /**
   * @throws {OptionError} for an unknown or invalid option (a classWeight of the wrong length, negative, NaN or
   *   all 0, say), or a model or optimizer another Trainer holds.
   * @throws {WasmError} before `init()` when no `runtime` is given, or when kernel memory cannot grow.
   * @throws {ClosedError} when the runtime was closed.
   */
  constructor(model: DenseNetwork, options?: TrainerOptions) {
    const o = checkKeys("Trainer", options, TRAINER_OPTIONS);
    this.model = check("model", model, MODEL);
    this.optimizer = o.optimizer === undefined ? new SGD({ lr: 0.1 }) : check("optimizer", o.optimizer, OPTIMIZER);
    this.#loss = resolveLoss(o.loss);
    this.loss = this.#loss.config;
    this.batchSize = checkOr("batchSize", o.batchSize, RULES.batchSize, 256, BATCH_SIZE_HINT);
    this.runtime = runtimeOf(o.runtime);
    this.residentBytes = checkOr("residentBytes", o.residentBytes, RULES.countOrZero, DEFAULT_RESIDENT_BYTES);
    const classWeight = resolveClassWeight(o.classWeight, model.classes);
    this.#state = new TrainerState(this.runtime, model, this.optimizer, this.#loss);
    this.#feed = new Feed(this.runtime, model, this.#loss, this.residentBytes, classWeight);
  }

  /**
   * One pass over `data` in batches of `batchSize`: forward → loss → backward → optimizer step. Loss and
   * accuracy are running means over the epoch, as d2l reports them.
   * @throws {OptionError} for an unknown or invalid option, data that is not a non-empty Dataset, or a sampler
   *   that is neither "balanced" nor probabilities (not all 0), or "balanced" over data missing a class.
   * @throws {ShapeError} when the data's features or classes do not match the model, its soft targets are not
   *   probability rows (for the cross-entropy loss), or sampler probabilities are not one per example.
   * @throws {DivergenceError} when the loss becomes NaN or infinite; the hint says to lower the learning rate.
   * @throws {ClosedError} when the Trainer or its runtime was closed, checked before every batch: the model keeps
   *   the weights of the last step that finished.
   * @example
   * const { loss, accuracy } = await trainer.trainEpoch(train, { epoch: 1, seed: 0 });
   */
  async trainEpoch(data: Dataset, options?: EpochOptions): Promise<EpochResult> {
    const o = checkKeys("trainEpoch", options, EPOCH_OPTIONS);
    const epoch = checkOr("epoch", o.epoch, RULES.count, 1);
    const shuffle = checkOr("shuffle", o.shuffle, RULES.boolean, true);
    const seed = checkOr("seed", o.seed, RULES.seed, 0);
    const callbacks = checkOr("callbacks", o.callbacks, RULES.functions, []) as BatchCallback[];
    const signal = o.signal === undefined ? undefined : check("signal", o.signal, RULES.signal);
    const release = checkOr("release", o.release, RULES.boolean, false);
    this.#open();
    const order = o.sampler === undefined ? undefined : sampledOrder(samplerOf(o.sampler, checkDataset("data", data)), seed, epoch);
    const { withTargets, weighted } = this.#feed.prepare(data, { shuffle, seed, epoch, ...(order && { order }) });
    this.model.learnFrom(data);
    this.#busy.add(data);
    try {
      const slots = this.#state.reserve(Math.min(this.batchSize, data.length));
      const lr = this.optimizer.learningRate(epoch), batches = batchCount(data.length, this.batchSize);
      // The reported loss is the epoch's weighted mean: each batch's mean counts by its total weight (its rows when unweighted).
      let lossSum = 0, weightSum = 0, correct = 0, seen = 0, batch = 0, ms = 0, lastYield = performance.now();
      let stopped: EpochResult["stopped"];
      for (const [start, end] of batchRanges(data.length, this.batchSize)) {
        if (signal?.aborted) { stopped = "aborted"; break; }
        // Callbacks and timers run between batches, so the Trainer or its runtime may have been closed since.
        this.#open();
        const t0 = performance.now();
        const rows = this.#feed.load(data, start, end, slots);
        const step = this.#state.step(rows, withTargets, weighted, lr, epoch, batch + 1);
        const t1 = performance.now();
        ms += t1 - t0;
        const weight = weighted ? this.#feed.weightSum(slots, rows) : rows;
        lossSum += weight === 0 ? 0 : step.loss * weight;
        weightSum += weight;
        correct += step.correct;
        seen += rows;
        batch++;
        if (callbacks.length > 0) {
          const logs = { loss: meanLoss(lossSum, weightSum), accuracy: correct / seen, ms };
          const event = { phase: "batch" as const, epoch, batch, batches, logs, model: this.model, optimizer: this.optimizer };
          if (await notify(callbacks, event)) { stopped = "callback"; break; }
        }
        // Let timers, I/O and AbortSignals through on long epochs.
        if (t1 - lastYield > YIELD_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const logs = { epoch, loss: seen ? meanLoss(lossSum, weightSum) : NaN, accuracy: seen ? correct / seen : NaN, ms, lr, batches: batch };
      return stopped ? { ...logs, stopped } : logs;
    } finally {
      this.#busy.delete(data);
      if (release && !this.#closed) this.#feed.release(data);
    }
  }

  /**
   * Frees the kernel memory `data` took (its rows, labels, targets and weights), for data that will not come
   * again; training on it later takes it in again. Data sets a Trainer has not seen are ignored.
   * @throws {OptionError} while an epoch is training on `data` (from a callback, say): release it after
   *   `trainEpoch` resolves, or pass `{ release: true }` to it.
   * @throws {ClosedError} when the Trainer or its runtime was closed.
   * @example
   * for await (const chunk of chunks) { await trainer.trainEpoch(chunk); trainer.release(chunk); }
   */
  release(data: Dataset): void {
    this.#open();
    if (this.#busy.has(data)) {
      throw new OptionError("data", "a data set no epoch is training on", "one an epoch is training on",
        "Release it after trainEpoch resolves, or pass { release: true } to trainEpoch.");
    }
    this.#feed.release(data);
  }

  /**
   * Mean loss and accuracy of the model on `data`, without changing it: forward only, over the live parameters.
   * @throws {OptionError} for data that is not a non-empty Dataset.
   * @throws {ShapeError} when the data's features or classes do not match the model, or its soft targets are not
   *   probability rows (for the cross-entropy loss).
   * @throws {ClosedError} when the Trainer or its runtime was closed.
   * @example
   * const { n, loss, accuracy } = trainer.evaluate(test);
   */
  evaluate(data: Dataset): Evaluation {
    this.#open();
    return evaluateOn(this.runtime, this.model, this.#state.params, this.#feed, data, this.#loss, this.batchSize);
  }

  /**
   * One optimizer step on a batch of your own (Keras `train_on_batch`): rows of `x` (Uint8 pixels, scaled to
   * [0, 1], or Float32 features) and their labels or target rows. Returns the batch's loss and accuracy
   * before the step. `epoch` picks the scheduled learning rate (default 1).
   * @throws {ShapeError} for more rows than `batchSize`, rows that are not whole, labels or weights that do not
   *   match, or target rows that are not probabilities (for the cross-entropy loss: non-negative, each summing to 1
   *   within 1e-3).
   * @throws {OptionError} for a weight that is negative, NaN or infinite.
   * @throws {DivergenceError} when the loss is NaN or infinite.
   * @throws {ClosedError} when the Trainer or its runtime was closed.
   * @example
   * for (const [x, y] of myBatches) trainer.trainOnBatch(x, y);
   */
  trainOnBatch(x: Inputs, y: Targets, options?: BatchOptions): { loss: number; accuracy: number } {
    const o = checkFewKeys("trainOnBatch", options, ["epoch", "weights"]);
    const epoch = checkOr("epoch", o.epoch, RULES.count, 1);
    this.#open();
    const { values, rows } = this.#feed.inputRows(x, this.batchSize, "trainOnBatch");
    const slots = this.#state.reserve(rows);
    const soft = this.#feed.writeBatch(values, rows, y, slots);
    this.model.learnFrom({ fromPixels: values instanceof Uint8Array });
    const weighted = this.#feed.writeWeights(o.weights, rows, slots);
    const step = this.#state.step(rows, soft || this.#loss.needsTargets(false), weighted, this.optimizer.learningRate(epoch), epoch,
      this.optimizer.steps + 1);
    return { loss: step.loss, accuracy: step.correct / rows };
  }

  /**
   * Class probabilities for rows of `x` with the current parameters (rows × classes, each row summing to 1),
   * computed forward only, `batchSize` rows at a time.
   * @throws {ShapeError} when the inputs are not whole rows of the model's input width.
   * @throws {ClosedError} when the Trainer or its runtime was closed.
   * @example
   * const p = trainer.predictOnBatch(test.x.subarray(0, 784 * 8)); // 8 rows of 10 probabilities
   */
  predictOnBatch(x: Inputs): Float32Array {
    this.#open();
    return inferRows(this.runtime, this.model, this.#state.params, rowsOf(x, this.model), this.batchSize, "proba") as Float32Array;
  }

  /**
   * Copies of the parameters, the optimizer's state and its step count, for `restore`: `fit` puts back the last
   * good epoch with them when a later one diverges. Given `into` (an earlier snapshot of this Trainer), it copies
   * into that one's arrays instead of allocating new ones, so a loop that keeps the last epoch's allocates nothing.
   * @throws {ShapeError} when `into` is not a snapshot of this model and kind of optimizer.
   * @throws {ClosedError} when the Trainer or its runtime was closed.
   * @example
   * let good = trainer.snapshot();
   * try { await trainer.trainEpoch(train, { epoch }); good = trainer.snapshot(good); } catch { trainer.restore(good); }
   */
  snapshot(into?: TrainerSnapshot): TrainerSnapshot {
    this.#open();
    return this.#state.snapshot(into);
  }

  /**
   * Puts a snapshot from `snapshot()` back: the parameters, the optimizer's state and its step count.
   * @throws {ShapeError} when the snapshot was taken from a Trainer of another model or kind of optimizer.
   * @throws {OptionError} when its `steps` is not an integer ≥ 0.
   * @throws {ClosedError} when the Trainer or its runtime was closed.
   * @example
   * trainer.restore(good);
   */
  restore(snapshot: TrainerSnapshot): void {
    this.#open();
    this.#state.restore(snapshot);
  }

  /** Hands the parameters and optimizer state back to their owners and frees the kernel memory. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#state.close();
    this.#feed.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The model, optimizer, loss, batch size and backend, as plain data. */
  toJSON(): {
    model: ReturnType<DenseNetwork["toJSON"]>; optimizer: ReturnType<Optimizer["toJSON"]>;
    loss: LossConfig; batchSize: number; backend: Runtime["backend"]; closed: boolean;
  } {
    return { ...this.#fields(), model: this.model.toJSON(), optimizer: this.optimizer.toJSON() };
  }

  /** @internal console.log(trainer) in Node: the model and optimizer as they print themselves. */
  [INSPECT](depth: number, options: { depth?: number | null }, inspect?: (value: unknown, options: object) => string): string {
    return inspectAs("Trainer", this.#fields(), depth, options, inspect);
  }

  #fields() {
    const { model, optimizer, loss, batchSize } = this;
    return { model, optimizer, loss, batchSize, backend: this.runtime.backend, closed: this.#closed };
  }

  #open(): void {
    if (this.#closed) throw new ClosedError("Trainer", "Create a new Trainer for the model.");
    this.runtime.open();
  }
}
