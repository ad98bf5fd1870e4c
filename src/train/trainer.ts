// The Trainer owns what lives in kernel memory while a model trains: parameters, gradients, optimizer state,
// activations for one batch, and every data set it has seen within its budget (copied in once, so batches are
// gathered inside the kernels; larger ones are streamed, a batch at a time). Everything else (fit, evaluate,
// custom loops) is built from its public methods.
import type { Ptr } from "../kernels/contract.js";
import type { Runtime } from "../runtime/runtime.js";
import { runtimeOf } from "../runtime/runtime.js";
import { Scope } from "../runtime/memory.js";
import { Dataset, U8_SCALE } from "../data/dataset.js";
import { batchCount, batchRanges, epochOrder } from "../data/batches.js";
import { DenseNetwork, checkFits, rowsOf } from "../model/network.js";
import type { Inputs } from "../model/network.js";
import { backward, forward, room, staging, writeRows } from "../model/passes.js";
import type { Buffers, Staging } from "../model/passes.js";
import { Optimizer, SGD } from "../optim/optimizer.js";
import { DivergenceError, OptionError, ShapeError, WasmSoftmaxError } from "../errors.js";
import { RULES, check, checkKeys, checkOr, integerIn, rule } from "../validate.js";
import { resolveLoss } from "./losses.js";
import type { Loss, LossConfig, LossSpec } from "./losses.js";
import type { Callback, EpochResult, RunOptions } from "./events.js";
import { notify } from "./events.js";
import { INSPECT, inspectAs } from "../util/inspect.js";

/** Options of `new Trainer(model, …)`; each is checked, and unknown keys are refused. */
export interface TrainerOptions {
  /** Default `new SGD({ lr: 0.1 })`, as in d2l. */
  optimizer?: Optimizer;
  /** Default "cross-entropy" (against soft targets when the data has them). */
  loss?: LossSpec;
  /** Examples per optimizer step (the last batch of an epoch may be shorter). Default 256. */
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
  /** Told after every batch (phase "batch"); returning "stop" ends the epoch there. */
  callbacks?: Callback[];
  /** Checked before every batch: the epoch ends early when it fires. */
  signal?: AbortSignal;
}

/** Integer labels (one per row), or target rows of `classes` values (soft labels, regression targets). */
export type Targets = ArrayLike<number>;

/** A data set copied into kernel memory: rows, labels, target rows when the loss uses them, and an order. */
interface Resident {
  streamed?: undefined;
  x: Ptr;
  y: Ptr;
  targets: Ptr | undefined;
  withTargets: boolean;
  order: Ptr;
}

/** A data set over the budget: it stays in JS, and each batch is gathered from it into the staging buffer. */
interface Streamed {
  streamed: true;
  withTargets: boolean;
  order: Int32Array;
}

export const TRAINER_OPTIONS = ["optimizer", "loss", "batchSize", "runtime", "residentBytes"] as const;
const EPOCH_OPTIONS = ["epoch", "shuffle", "seed", "callbacks", "signal"] as const;
const YIELD_MS = 50;

// setImmediate (Node, Bun) returns after pending I/O without setTimeout's ≥ 1 ms clamp; elsewhere a macrotask.
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));

export const DATASET = rule<Dataset>("a Dataset (from loadFashionMNIST or Dataset.fromArrays)", (v) => v instanceof Dataset);
const MODEL = rule<DenseNetwork>("a model such as new SoftmaxRegression({ inputs: 784, classes: 10 })", (v) => v instanceof DenseNetwork);
const OPTIMIZER = rule<Optimizer>("an optimizer such as new SGD({ lr: 0.1 })", (v) => v instanceof Optimizer);

/**
 * Trains one model with one optimizer and loss on one runtime. The model's parameters, their gradients, the
 * optimizer's state and each data set passed in stay in kernel memory until `close()`, so any number of
 * `trainEpoch` / `evaluate` calls copy each data set once. The model's parameters stay readable and writable
 * (`getParameters`, `setParameters`) throughout; `close()` hands them back to the model.
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
  /** @internal Data sets copied into kernel memory so far (each once). */
  uploads = 0;
  #residentUsed = 0;
  #loss: Loss;
  #scope: Scope;
  #params: Ptr;
  #grads: Ptr;
  #state: Ptr;
  #buffers: Buffers;
  #labels: Ptr;
  #targets: Ptr;
  #probs: Ptr;
  #stage: Staging;
  #resident = new Map<Dataset, Resident | Streamed>();
  #closed = false;
  static #forEvaluation = false;

  /**
   * @internal A Trainer over a copy of the model's parameters that holds neither the model nor the optimizer,
   * so `evaluate(model, data)` works while another Trainer trains the model (from a callback, say).
   */
  static forEvaluation(model: DenseNetwork, options?: TrainerOptions): Trainer {
    Trainer.#forEvaluation = true;
    try {
      return new Trainer(model, options);
    } finally {
      Trainer.#forEvaluation = false;
    }
  }

  /**
   * @throws {OptionError} for an unknown or invalid option, or a model or optimizer another Trainer holds.
   * @throws {WasmError} before `init()` when no `runtime` is given, or when kernel memory cannot grow.
   */
  constructor(model: DenseNetwork, options?: TrainerOptions) {
    const o = checkKeys("Trainer", options, TRAINER_OPTIONS);
    this.model = check("model", model, MODEL);
    this.optimizer = o.optimizer === undefined ? new SGD({ lr: 0.1 }) : check("optimizer", o.optimizer, OPTIMIZER);
    this.#loss = resolveLoss(o.loss);
    this.loss = this.#loss.config;
    this.batchSize = checkOr("batchSize", o.batchSize, RULES.count, 256);
    this.runtime = runtimeOf(o.runtime);
    this.residentBytes = checkOr("residentBytes", o.residentBytes, RULES.countOrZero, DEFAULT_RESIDENT_BYTES);
    const arena = this.runtime.arena, n = model.size, B = this.batchSize, C = model.classes;
    this.#scope = new Scope(arena);
    try {
      this.#params = this.#scope.f32(n);
      this.#grads = this.#scope.f32(n);
      const stateSize = this.optimizer.stateSize(n);
      this.#state = this.#scope.f32(stateSize);
      this.#buffers = room(this.#scope, model.layers, B, true);
      this.#labels = this.#scope.i32(B);
      this.#targets = this.#scope.f32(B * C);
      this.#probs = this.#scope.f32(B * C);
      this.#stage = staging(this.#scope, B, model.inputs);
      // Views are re-derived on every access: the memory may grow (and detach old views) when data arrives.
      const params = () => new Float32Array(arena.memory.buffer, this.#params, n);
      if (Trainer.#forEvaluation) {
        params().set(model.getParameters());
        return;
      }
      model.hold(this, params);
      try {
        this.optimizer.hold(this, n, () => new Float32Array(arena.memory.buffer, this.#state, stateSize));
      } catch (error) {
        model.release(this);
        throw error;
      }
    } catch (error) {
      this.#scope.close();
      throw error;
    }
  }

  /**
   * One pass over `data` in batches of `batchSize`: forward → loss → backward → optimizer step. Loss and
   * accuracy are running means over the epoch, as d2l reports them.
   * @throws {OptionError} for an unknown or invalid option, or data that is not a non-empty Dataset.
   * @throws {ShapeError} when the data's features or classes do not match the model.
   * @throws {DivergenceError} when the loss becomes NaN or infinite; the hint says to lower the learning rate.
   * @example
   * const { loss, accuracy } = await trainer.trainEpoch(train, { epoch: 1, seed: 0 });
   */
  async trainEpoch(data: Dataset, options?: EpochOptions): Promise<EpochResult> {
    const o = checkKeys("trainEpoch", options, EPOCH_OPTIONS);
    const epoch = checkOr("epoch", o.epoch, RULES.count, 1);
    const shuffle = checkOr("shuffle", o.shuffle, RULES.boolean, true);
    const seed = checkOr("seed", o.seed, RULES.seed, 0);
    const callbacks = checkOr("callbacks", o.callbacks, RULES.functions, []) as Callback[];
    const signal = o.signal === undefined ? undefined : check("signal", o.signal, RULES.signal);
    const r = this.#residentOf(data);
    this.#writeOrder(r, epochOrder(data.length, shuffle, seed, epoch));
    const lr = this.optimizer.learningRate(epoch), batches = batchCount(data.length, this.batchSize);
    const run: RunOptions = { seed, batchSize: this.batchSize, shuffle, loss: this.loss };
    let lossSum = 0, correct = 0, seen = 0, batch = 0, ms = 0, lastYield = performance.now();
    let stopped: EpochResult["stopped"];
    for (const [start, end] of batchRanges(data.length, this.batchSize)) {
      if (signal?.aborted) { stopped = "aborted"; break; }
      const t0 = performance.now();
      const rows = this.#loadBatch(data, r, start, end);
      const step = this.#step(rows, r.withTargets, lr, epoch, batch + 1);
      const t1 = performance.now();
      ms += t1 - t0;
      lossSum += step.loss * rows;
      correct += step.correct;
      seen += rows;
      batch++;
      if (callbacks.length > 0) {
        const logs = { loss: lossSum / seen, accuracy: correct / seen, ms };
        const event = { phase: "batch" as const, epoch, epochs: epoch, batch, batches, logs, model: this.model, optimizer: this.optimizer, run, history: [] };
        if (await notify(callbacks, event)) { stopped = "callback"; break; }
      }
      // Let timers, I/O and AbortSignals through on long epochs.
      if (t1 - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const logs = { epoch, loss: seen ? lossSum / seen : NaN, accuracy: seen ? correct / seen : NaN, ms, lr, batches: batch };
    return stopped ? { ...logs, stopped } : logs;
  }

  /**
   * Mean loss and accuracy of the model on `data`, without changing it.
   * @throws {OptionError} for data that is not a non-empty Dataset.
   * @throws {ShapeError} when the data's features or classes do not match the model.
   * @example
   * const { n, loss, accuracy } = trainer.evaluate(test);
   */
  evaluate(data: Dataset): { n: number; loss: number; accuracy: number } {
    const r = this.#residentOf(data), k = this.runtime.kernels, C = this.model.classes;
    this.#writeOrder(r, epochOrder(data.length, false, 0, 0));
    let lossSum = 0, correct = 0;
    for (const [start, end] of batchRanges(data.length, this.batchSize)) {
      const rows = this.#loadBatch(data, r, start, end);
      forward(k, this.model.layout, this.#params, this.#buffers.acts, rows);
      correct += k.countCorrect(this.#logits, this.#labels, rows, C);
      lossSum += this.#lossOf(rows, r.withTargets) * rows;
    }
    return { n: data.length, loss: lossSum / data.length, accuracy: correct / data.length };
  }

  /**
   * One optimizer step on a batch of your own (Keras `train_on_batch`): rows of `x` (Uint8 pixels, scaled to
   * [0, 1], or Float32 features) and their labels or target rows. Returns the batch's loss and accuracy
   * before the step. `epoch` picks the scheduled learning rate (default 1).
   * @throws {ShapeError} for more rows than `batchSize`, rows that are not whole, or labels that do not match.
   * @throws {DivergenceError} when the loss is NaN or infinite.
   * @example
   * for (const [x, y] of myBatches) trainer.trainOnBatch(x, y);
   */
  trainOnBatch(x: Inputs, y: Targets, options?: { epoch?: number }): { loss: number; accuracy: number } {
    const epoch = checkOr("epoch", checkKeys("trainOnBatch", options, ["epoch"]).epoch, RULES.count, 1);
    const rows = this.#writeInputs(x, "trainOnBatch");
    const soft = this.#writeTargets(y, rows);
    const step = this.#step(rows, soft || this.#loss.needsTargets(false), this.optimizer.learningRate(epoch), epoch, this.optimizer.steps + 1);
    return { loss: step.loss, accuracy: step.correct / rows };
  }

  /**
   * Class probabilities for rows of `x` with the current parameters (rows × classes, each row summing to 1).
   * @throws {ShapeError} when the inputs are not whole rows of the model's input width.
   * @example
   * const p = trainer.predictOnBatch(test.x.subarray(0, 784 * 8)); // 8 rows of 10 probabilities
   */
  predictOnBatch(x: Inputs): Float32Array {
    this.#open();
    const rows = rowsOf(x, this.model.inputs), width = this.model.inputs, C = this.model.classes, k = this.runtime.kernels;
    const n = rows.length / width, out = new Float32Array(n * C), acts = this.#buffers.acts;
    for (let start = 0; start < n; start += this.batchSize) {
      const m = Math.min(this.batchSize, n - start);
      writeRows(k, this.runtime.arena, this.#stage, acts[0]!, rows.subarray(start * width, (start + m) * width), m, width);
      forward(k, this.model.layout, this.#params, acts, m);
      k.softmaxRows(this.#probs, this.#logits, m, C);
      out.set(new Float32Array(this.runtime.arena.memory.buffer, this.#probs, m * C), start * C);
    }
    return out;
  }

  /** Hands the parameters and optimizer state back to their owners and frees the kernel memory. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.optimizer.release(this);
    this.model.release(this);
    this.#scope.close();
    this.#resident.clear();
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

  get #logits(): Ptr {
    return this.#buffers.acts[this.#buffers.acts.length - 1]!;
  }

  #open(): void {
    if (this.#closed) throw new WasmSoftmaxError("This Trainer was closed.", "Create a new Trainer for the model.");
    this.runtime.open();
  }

  /** forward → loss and dLogits → backward (gradients are overwritten, so no zeroGrad) → step. */
  #step(rows: number, withTargets: boolean, lr: number, epoch: number, batch: number): { loss: number; correct: number } {
    const k = this.runtime.kernels, layout = this.model.layout;
    forward(k, layout, this.#params, this.#buffers.acts, rows);
    const correct = k.countCorrect(this.#logits, this.#labels, rows, this.model.classes);
    const loss = this.#lossOf(rows, withTargets);
    if (!Number.isFinite(loss)) throw new DivergenceError(epoch, batch, loss);
    backward(k, layout, this.#params, this.#grads, this.#buffers, rows);
    this.optimizer.update(k, this.#params, this.#grads, this.#state, this.model.size, lr);
    return { loss, correct };
  }

  #lossOf(rows: number, withTargets: boolean): number {
    const deltas = this.#buffers.deltas;
    return this.#loss.forwardBackward(this.runtime.kernels, deltas[deltas.length - 1]!, this.#logits, this.#labels,
      withTargets ? this.#targets : 0, rows, this.model.classes);
  }

  #residentOf(data: Dataset): Resident | Streamed {
    this.#open();
    checkData("data", data);
    const known = this.#resident.get(data);
    if (known) return known;
    checkFits(this.model, data);
    const withTargets = this.#loss.needsTargets(data.targets !== undefined);
    const n = data.length, bytes = n * data.features * (data.pixels ? 1 : 4) + 8 * n + (withTargets ? 4 * n * data.classes : 0);
    if (this.#residentUsed + bytes > this.residentBytes) {
      const s: Streamed = { streamed: true, withTargets, order: new Int32Array(0) };
      this.#resident.set(data, s);
      return s;
    }
    const scope = this.#scope, arena = this.runtime.arena;
    // One block for all parts (from Dataset.concat), each copied to where its rows start.
    const x = scope.alloc(n * data.features * (data.pixels ? 1 : 4));
    for (const part of data.parts) {
      const at = x + part.start * data.features * part.x.BYTES_PER_ELEMENT;
      const to = part.x instanceof Uint8Array ? new Uint8Array(arena.memory.buffer, at, part.x.length)
        : new Float32Array(arena.memory.buffer, at, part.x.length);
      to.set(part.x);
    }
    const r: Resident = {
      x,
      y: scope.i32(n, data.y),
      targets: withTargets ? scope.f32(n * data.classes, data.targets ?? oneHot(data.y, data.classes)) : undefined,
      withTargets,
      order: scope.i32(n),
    };
    this.#resident.set(data, r);
    this.#residentUsed += bytes;
    this.uploads++;
    return r;
  }

  #writeOrder(r: Resident | Streamed, order: Int32Array): void {
    if (r.streamed) r.order = order;
    else new Int32Array(this.runtime.arena.memory.buffer, r.order, order.length).set(order);
  }

  /** Gathers rows [start, end) of the current order into acts[0], their labels and (when used) target rows. */
  #loadBatch(data: Dataset, r: Resident | Streamed, start: number, end: number): number {
    if (r.streamed) return this.#streamBatch(data, r, start, end);
    const k = this.runtime.kernels, B = end - start, idx = r.order + start * 4, into = this.#buffers.acts[0]!;
    if (data.pixels) k.gatherScaleU8(into, r.x, idx, B, data.features, U8_SCALE);
    else k.gatherF32(into, r.x, idx, B, data.features);
    k.gatherLabels(this.#labels, r.y, idx, B);
    if (r.targets !== undefined) k.gatherF32(this.#targets, r.targets, idx, B, data.classes);
    return B;
  }

  /**
   * The same batch as #loadBatch, gathered in JS: pixels go through the staging buffer and the same scaling
   * kernel, features, labels and targets are copied as they are, so the bits match the resident path's.
   */
  #streamBatch(data: Dataset, r: Streamed, start: number, end: number): number {
    const k = this.runtime.kernels, buffer = this.runtime.arena.memory.buffer, B = end - start, F = data.features, C = data.classes;
    const into = this.#buffers.acts[0]!, rows = data.pixels
      ? new Uint8Array(buffer, this.#stage.raw, B * F) : new Float32Array(buffer, into, B * F);
    const labels = new Int32Array(buffer, this.#labels, B);
    const targets = r.withTargets ? new Float32Array(buffer, this.#targets, B * C) : undefined;
    if (targets && !data.targets) targets.fill(0);
    for (let b = 0; b < B; b++) {
      const i = r.order[start + b]!;
      rows.set(data.rowValues(i), b * F);
      labels[b] = data.y[i]!;
      if (targets) {
        if (data.targets) targets.set(data.targets.subarray(i * C, (i + 1) * C), b * C);
        else targets[b * C + data.y[i]!] = 1;
      }
    }
    if (data.pixels) k.gatherScaleU8(into, this.#stage.raw, this.#stage.identity, B, F, U8_SCALE);
    return B;
  }

  #writeInputs(input: Inputs, what: string): number {
    this.#open();
    const width = this.model.inputs, x = rowsOf(input, width), rows = x.length / width;
    if (rows < 1 || rows > this.batchSize) {
      throw new ShapeError(`${what} inputs`, `1 to ${this.batchSize} rows of ${width} values (the Trainer's batchSize)`, `${rows} rows`,
        "Split the batch, or create the Trainer with a larger batchSize.");
    }
    writeRows(this.runtime.kernels, this.runtime.arena, this.#stage, this.#buffers.acts[0]!, x, rows, width);
    return rows;
  }

  /** Writes labels (and one-hot or given target rows); true when `y` held target rows. */
  #writeTargets(y: Targets, rows: number): boolean {
    const C = this.model.classes, buffer = this.runtime.arena.memory.buffer;
    const labels = new Int32Array(buffer, this.#labels, rows), targets = new Float32Array(buffer, this.#targets, rows * C);
    if (y instanceof Float32Array && y.length === rows * C) {
      targets.set(y);
      for (let r = 0; r < rows; r++) labels[r] = argmax(y, r * C, C);
      return true;
    }
    if (y == null || y.length !== rows) {
      throw new ShapeError("trainOnBatch labels", `${rows} labels, or ${rows} × ${C} target values`, `${y?.length ?? describeType(y)}`);
    }
    const label = integerIn(0, C - 1, `an integer in [0, ${C})`);
    for (let r = 0; r < rows; r++) labels[r] = check(`labels[${r}]`, y[r], label);
    if (this.#loss.needsTargets(false)) {
      targets.fill(0);
      for (let r = 0; r < rows; r++) targets[r * C + labels[r]!] = 1;
    }
    return false;
  }
}

/** @internal A non-empty Dataset, or an OptionError naming `what`. */
export function checkData(what: string, data: unknown): Dataset {
  check(what, data, DATASET);
  if ((data as Dataset).length === 0) throw new OptionError(what, "at least one example", "an empty Dataset");
  return data as Dataset;
}

function argmax(values: ArrayLike<number>, at: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (values[at + c]! > values[at + best]!) best = c;
  return best;
}

function oneHot(labels: Int32Array, classes: number): Float32Array {
  const rows = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => { rows[i * classes + label] = 1; });
  return rows;
}

function describeType(value: unknown): string {
  return value === null ? "null" : typeof value;
}
