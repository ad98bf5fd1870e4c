import { Dataset } from "../data/dataset.js";
import { batchCount, batchRanges, epochOrder } from "../data/batches.js";
import type { DenseNetwork } from "../model/network.js";
import { Optimizer, SGD } from "../optim/optimizer.js";
import { DivergenceError, OptionError } from "../errors.js";
import { Session } from "./session.js";
import { resolveLoss } from "./losses.js";
import type { Loss, LossConfig, LossSpec } from "./losses.js";

/** Running means over the batches seen so far, or the figures of a whole epoch. */
export interface Logs {
  /** Mean cross-entropy over the examples seen. */
  loss: number;
  /** Fraction of the examples seen classified correctly. */
  acc: number;
  valLoss?: number;
  valAcc?: number;
  /** Milliseconds of training (validation excluded). */
  ms: number;
  /** Learning rate used in this epoch. */
  lr?: number;
}

/** What a callback is told; returning "stop" (or a promise of it) ends training after this batch or epoch. */
export interface TrainEvent {
  phase: "batch" | "epoch";
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** 1-based; equals `batches` at the end of an epoch. */
  batch: number;
  batches: number;
  logs: Logs;
  /** The model being trained; its parameters are live (getParameters / setParameters work mid-fit). */
  model: DenseNetwork;
  /** The optimizer; at epoch ends its `state` and `steps` are current. */
  optimizer: Optimizer;
  /** The fit options that decide the rest of the run, for checkpoints. */
  run: { seed: number; batchSize: number; shuffle: boolean; loss: LossConfig };
  /** Whole epochs so far, this one included at its end. */
  history: EpochLogs[];
}
export type Callback = (event: TrainEvent) => void | "stop" | Promise<void | "stop">;

export interface EpochOptions {
  batchSize?: number;
  /** Default "cross-entropy" (with soft targets when the data has them). */
  loss?: LossSpec;
  optimizer?: Optimizer;
  /** Shuffle the examples each epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles. Default 0. */
  seed?: number;
  /** Which epoch this is (1-based): with the seed, it picks the shuffle. Default 1. */
  epoch?: number;
  callbacks?: Callback[];
  signal?: AbortSignal;
}

export interface FitOptions extends Omit<EpochOptions, "epoch"> {
  /** The epoch to end at (1-based, inclusive). Default 10. */
  epochs?: number;
  /** Epochs already done (to resume a checkpointed run): training starts at epoch initialEpoch + 1. Default 0. */
  initialEpoch?: number;
  /** Evaluated after every epoch (valLoss, valAcc). */
  validationData?: Dataset;
  /** Instead of validationData: hold out this fraction of `train` (its last examples, as Keras does). */
  validationSplit?: number;
  /** Epochs of an earlier run to start the History with (when resuming). */
  history?: EpochLogs[];
}

export interface EpochLogs extends Logs {
  epoch: number;
}

/** The result of `fit`: one entry per finished epoch, and why training ended. */
export interface History {
  epochs: EpochLogs[];
  backend: string;
  /** "completed", "callback" (a callback returned "stop") or "aborted" (the signal fired). */
  stopped: "completed" | "callback" | "aborted";
  /** Wall time of the whole fit, validation included. */
  ms: number;
}

const YIELD_MS = 50;

// setImmediate (Node, Bun) returns after pending I/O without setTimeout's ≥ 1 ms clamp; elsewhere a macrotask.
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * Trains `model` on `data` for `epochs` epochs of minibatch SGD, evaluating `validationData` after each:
 * d2l's loop, made of the same epoch and evaluation steps as `trainEpoch` and `evaluate`, in one session so
 * the data is copied into kernel memory once. Defaults: 10 epochs, batch 256, SGD lr 0.1, shuffled.
 * @throws {OptionError} for a bad option (each is named with its rule and value).
 * @throws {ShapeError} when the data's features or classes do not match the model.
 * @throws {DivergenceError} when the loss becomes NaN or infinite; the hint says to lower the learning rate.
 * @example
 * const history = await fit(model, train, { epochs: 10, batchSize: 256, optimizer: new SGD({ lr: 0.1 }), validationData: test });
 */
export async function fit(model: DenseNetwork, data: Dataset, options: FitOptions = {}): Promise<History> {
  const o = checkOptions(options, data);
  const { epochs, initialEpoch } = o;
  const [train, validation] = splitValidation(data, options);
  const started = performance.now();
  const session = new Session(model, o.batchSize, validation ? [train, validation] : [train], o.loss, o.optimizer);
  const history: History = { epochs: [...(options.history ?? [])], backend: session.k.backend, stopped: "completed", ms: 0 };
  const run = runState(o);
  try {
    for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
      const result = await runEpoch(session, train, { ...o, epoch, epochs, run, history: history.epochs });
      // A partly trained epoch is not an epoch: History holds whole epochs only.
      if (result.stopped) { history.stopped = result.stopped; break; }
      const logs: EpochLogs = { epoch, ...result.logs };
      if (validation) {
        const v = runEvaluate(session, validation);
        logs.valLoss = v.loss;
        logs.valAcc = v.acc;
      }
      history.epochs.push(logs);
      session.syncOptimizer();
      const event: TrainEvent = {
        phase: "epoch", epoch, epochs, batch: result.batches, batches: result.batches, logs,
        model, optimizer: o.optimizer, run, history: history.epochs,
      };
      if (await notify(o.callbacks, event)) { history.stopped = "callback"; break; }
      if (o.signal?.aborted) { history.stopped = "aborted"; break; }
    }
  } finally {
    session.close();
  }
  history.ms = performance.now() - started;
  return history;
}

function splitValidation(data: Dataset, options: FitOptions): [Dataset, Dataset | undefined] {
  const { validationData, validationSplit } = options;
  if (validationSplit === undefined) {
    if (validationData !== undefined) checkData("validationData", validationData);
    return [data, validationData];
  }
  if (validationData !== undefined) {
    throw new OptionError("validationSplit", "to be left out when validationData is given", validationSplit);
  }
  if (typeof validationSplit !== "number" || !(validationSplit > 0 && validationSplit < 1)) {
    throw new OptionError("validationSplit", "a number in (0, 1)", validationSplit);
  }
  const held = Math.floor(data.length * validationSplit);
  if (held < 1 || held >= data.length) {
    throw new OptionError("validationSplit", `a fraction leaving at least one example on each side of ${data.length}`, validationSplit);
  }
  const cut = data.length - held;
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  return [data.subset(range(0, cut)), data.subset(range(cut, data.length))];
}

/**
 * One pass over `train`; loss and accuracy are running means over the epoch, as d2l reports them.
 * @throws {OptionError}, {ShapeError}, {DivergenceError} as `fit` does.
 * @example
 * const { loss, acc } = await trainEpoch(model, train, { optimizer: new SGD({ lr: 0.1 }), epoch: 1 });
 */
export async function trainEpoch(model: DenseNetwork, train: Dataset, options: EpochOptions = {}): Promise<Logs> {
  const o = checkOptions(options, train);
  const epoch = options.epoch ?? 1;
  if (!Number.isInteger(epoch) || epoch < 1) throw new OptionError("epoch", "an integer ≥ 1", epoch);
  const session = new Session(model, o.batchSize, [train], o.loss, o.optimizer);
  try {
    return (await runEpoch(session, train, { ...o, epoch, epochs: epoch, run: runState(o), history: [] })).logs;
  } finally {
    session.close();
  }
}

/** What decides the rest of a run, for events and checkpoints. */
function runState(o: Checked): TrainEvent["run"] {
  return { seed: o.seed, batchSize: o.batchSize, shuffle: o.shuffle, loss: o.loss.config };
}

/**
 * Mean loss (cross-entropy unless `loss` says otherwise) and accuracy of `model` on `data`, without changing it.
 * @throws {ShapeError} when the data's features or classes do not match the model.
 * @example
 * const { loss, acc } = evaluate(model, test);
 */
export function evaluate(model: DenseNetwork, data: Dataset, options: { batchSize?: number; loss?: LossSpec } = {}): { loss: number; acc: number } {
  const batchSize = checkBatchSize(options.batchSize ?? 256);
  checkData("data", data);
  const session = new Session(model, batchSize, [data], resolveLoss(options.loss));
  try {
    return runEvaluate(session, data);
  } finally {
    session.close();
  }
}

type Checked = Required<Pick<FitOptions, "epochs" | "initialEpoch" | "batchSize" | "optimizer" | "shuffle" | "seed" | "callbacks">> &
  Pick<FitOptions, "signal"> & { loss: Loss };

async function runEpoch(s: Session, data: Dataset, o: Checked & { epoch: number; run: TrainEvent["run"]; history: EpochLogs[] }):
  Promise<{ logs: Logs; batches: number; stopped?: "callback" | "aborted" }> {
  const { k, model } = s;
  const B = o.batchSize, C = model.classes, n = model.size;
  s.setOrder(data, epochOrder(data.length, o.shuffle, o.seed, o.epoch));
  const lr = o.optimizer.learningRate(o.epoch);
  const batches = batchCount(data.length, B);
  let lossSum = 0, correct = 0, seen = 0, batch = 0, ms = 0;
  let lastYield = performance.now();
  let stopped: "callback" | "aborted" | undefined;
  for (const [start, end] of batchRanges(data.length, B)) {
    if (o.signal?.aborted) { stopped = "aborted"; break; }
    const t0 = performance.now();
    const rows = s.loadBatch(data, start, end);
    // forward → loss and dLogits → backward (gradients are overwritten, so no zeroGrad) → step.
    model.forward(k, s.params, s.acts, rows);
    correct += k.countCorrect(s.logits, s.labels, rows, C);
    const loss = s.lossForwardBackward(data, rows);
    if (!Number.isFinite(loss)) throw new DivergenceError(o.epoch, batch + 1, loss);
    model.backward(k, s.params, s.grads, s.acts, s.deltas, rows);
    o.optimizer.update(k, s.params, s.grads, s.state, n, lr);
    const t1 = performance.now();
    ms += t1 - t0;
    lossSum += loss * rows;
    seen += rows;
    batch++;
    if (o.callbacks.length > 0) {
      const logs = { loss: lossSum / seen, acc: correct / seen, ms };
      const event: TrainEvent = {
        phase: "batch", epoch: o.epoch, epochs: o.epochs, batch, batches, logs,
        model, optimizer: o.optimizer, run: o.run, history: o.history,
      };
      if (await notify(o.callbacks, event)) {
        stopped = "callback";
        break;
      }
    }
    // Let timers, I/O and AbortSignals through on long epochs.
    if (t1 - lastYield > YIELD_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  return { logs: { loss: seen ? lossSum / seen : NaN, acc: seen ? correct / seen : NaN, ms, lr }, batches: batch, ...(stopped && { stopped }) };
}

function runEvaluate(s: Session, data: Dataset): { loss: number; acc: number } {
  const { k, model } = s, C = model.classes;
  s.setOrder(data, epochOrder(data.length, false, 0, 0));
  let lossSum = 0, correct = 0;
  for (const [start, end] of batchRanges(data.length, s.batchSize)) {
    const rows = s.loadBatch(data, start, end);
    model.forward(k, s.params, s.acts, rows);
    correct += k.countCorrect(s.logits, s.labels, rows, C);
    lossSum += s.lossForwardBackward(data, rows) * rows;
  }
  return { loss: lossSum / data.length, acc: correct / data.length };
}

async function notify(callbacks: Callback[], event: TrainEvent): Promise<boolean> {
  let stop = false;
  for (const callback of callbacks) if ((await callback(event)) === "stop") stop = true;
  return stop;
}

function checkOptions(options: FitOptions & { epoch?: number }, train: Dataset): Checked & { epochs: number } {
  if (options === null || typeof options !== "object") throw new OptionError("options", "an object", options);
  checkData("train data", train);
  const epochs = options.epochs ?? 10;
  if (!Number.isInteger(epochs) || epochs < 1) throw new OptionError("epochs", "an integer ≥ 1", epochs);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
    throw new OptionError("initialEpoch", `an integer in [0, epochs = ${epochs})`, initialEpoch);
  }
  if (options.history !== undefined && !Array.isArray(options.history)) throw new OptionError("history", "an array of epoch logs", options.history);
  const optimizer = options.optimizer ?? new SGD({ lr: 0.1 });
  if (!(optimizer instanceof Optimizer)) {
    throw new OptionError("optimizer", "an optimizer such as new SGD({ lr: 0.1 })", optimizer);
  }
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== "boolean") throw new OptionError("shuffle", "true or false", shuffle);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new OptionError("seed", "an integer in [0, 2^32)", seed);
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks) || callbacks.some((c) => typeof c !== "function")) {
    throw new OptionError("callbacks", "an array of functions", callbacks);
  }
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== "object" || typeof signal.aborted !== "boolean")) {
    throw new OptionError("signal", "an AbortSignal", signal);
  }
  const loss = resolveLoss(options.loss);
  return { epochs, initialEpoch, batchSize: checkBatchSize(options.batchSize ?? 256), optimizer, shuffle, seed, callbacks, signal, loss };
}

function checkBatchSize(batchSize: unknown): number {
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1) throw new OptionError("batchSize", "an integer ≥ 1", batchSize);
  return batchSize as number;
}

function checkData(what: string, data: unknown): asserts data is Dataset {
  if (!(data instanceof Dataset)) {
    throw new OptionError(what, "a Dataset (from loadFashionMNIST or Dataset.fromArrays)", data);
  }
  if (data.length === 0) throw new OptionError(what, "at least one example", "an empty Dataset");
}
