// fit: a loop over a Trainer's public methods (trainEpoch, evaluate, snapshot, restore, close), plus callbacks and
// the divergence rules. Nothing here touches kernel memory.
import type { Dataset } from "../data/dataset.js";
import type { DenseNetwork } from "../model/network.js";
import { DivergenceError, OptionError } from "../errors.js";
import { DIVERGENCE_FACTOR, START_LOSS_FACTOR } from "./divergence.js";
import { RULES, check, checkKeys, checkOr, integerIn, rule } from "../validate.js";
import { TRAINER_OPTIONS, Trainer } from "./trainer.js";
import type { EpochOptions, TrainerOptions, TrainerSnapshot } from "./trainer.js";
import { checkDataset } from "./feed.js";
import { stratifiedSplit } from "../data/split.js";
import { notify } from "./events.js";
import type { BatchCallback, Callback, EpochLogs, History, Logs, TrainEvent } from "./events.js";

/** Options of `fit`: the Trainer's, an epoch's, and the run's length and validation. Unknown keys are refused. */
export interface FitOptions extends TrainerOptions, Omit<EpochOptions, "epoch" | "callbacks" | "release"> {
  /** Told at the start, after every batch and epoch, and at the end; returning "stop" ends training there. */
  callbacks?: Callback[];
  /** The epoch to end at (1-based, inclusive). Default 10. */
  epochs?: number;
  /** Epochs already done (to resume a checkpointed run): training starts at epoch initialEpoch + 1. Default 0. */
  initialEpoch?: number;
  /** Evaluated after every epoch (valLoss, valAccuracy). */
  validationData?: Dataset;
  /** Instead of validationData: hold out this fraction of the data (its last examples, as Keras does). */
  validationSplit?: number;
  /**
   * With validationSplit: hold out that share of each class instead, the examples drawn from `seed` (as
   * `stratifiedSplit` does), so a rare class is in both sets. Default false.
   */
  stratify?: boolean;
  /** Epochs of an earlier run to start the History with (when resuming). */
  history?: EpochLogs[];
}

const FIT_OPTIONS = [
  ...TRAINER_OPTIONS, "shuffle", "seed", "callbacks", "signal", "sampler", "epochs", "initialEpoch", "validationData", "validationSplit",
  "stratify", "history",
] as const;
const HISTORY = rule<EpochLogs[]>("an array of epoch logs", (v) => Array.isArray(v));
const NO_LOGS: Logs = { loss: NaN, accuracy: NaN, ms: 0 };

/**
 * Trains `model` on `data` for `epochs` epochs of minibatch SGD, evaluating `validationData` after each: d2l's
 * loop, on one Trainer (so each data set is copied into kernel memory once). Defaults: 10 epochs, batch 256,
 * SGD lr 0.1, shuffled, seed 0.
 * @throws {OptionError} for an unknown or invalid option (each is named with its rule and value).
 * @throws {ShapeError} when the data's features or classes do not match the model.
 * @throws {OptionError} when resuming (initialEpoch > 0) with `epochs` past the end of a cosine schedule, whose
 *   remaining epochs would all run at minLr.
 * @throws {DivergenceError} when a batch's loss becomes NaN or infinite, or an epoch's mean loss exceeds
 *   10 × the run's first epoch's or 100 × the loss of the fit's first
 *   batch (measured before its update); the model and optimizer are then restored to the end of the last good
 *   epoch (or to their state before `fit`), and `restoredEpoch` says which.
 * @throws {WasmError} before `init()` when no `runtime` is given.
 * @throws {ClosedError} when the runtime is closed, before or during the run: fit stops at the next batch, and the
 *   model keeps the weights of the last step that finished.
 * @example
 * const history = await fit(model, train, { epochs: 10, batchSize: 256, optimizer: new SGD({ lr: 0.1 }), validationData: test });
 */
export async function fit(model: DenseNetwork, data: Dataset, options?: FitOptions): Promise<History> {
  const o = checkKeys("fit", options, FIT_OPTIONS);
  checkDataset("data", data);
  const epochs = checkOr("epochs", o.epochs, RULES.count, 10);
  const initialEpoch = checkOr("initialEpoch", o.initialEpoch, integerIn(0, epochs - 1, `an integer in [0, epochs = ${epochs})`), 0);
  const shuffle = checkOr("shuffle", o.shuffle, RULES.boolean, true);
  const seed = checkOr("seed", o.seed, RULES.seed, 0);
  const callbacks = checkOr("callbacks", o.callbacks, RULES.functions, []) as Callback[];
  const signal = o.signal === undefined ? undefined : check("signal", o.signal, RULES.signal);
  const earlier = checkOr("history", o.history, HISTORY, []);
  const stratify = checkOr("stratify", o.stratify, RULES.boolean, false);
  const [train, validation] = splitValidation(data, o.validationData, o.validationSplit, stratify, seed);
  const started = performance.now();
  const trainer = new Trainer(model, {
    ...(o.optimizer !== undefined && { optimizer: o.optimizer }), ...(o.loss !== undefined && { loss: o.loss }),
    ...(o.batchSize !== undefined && { batchSize: o.batchSize }), ...(o.runtime !== undefined && { runtime: o.runtime }),
    ...(o.residentBytes !== undefined && { residentBytes: o.residentBytes }),
    ...(o.classWeight !== undefined && { classWeight: o.classWeight }),
  });
  const history: History = { epochs: [...earlier], backend: trainer.runtime.backend, threads: trainer.runtime.threads, stopped: "completed", ms: 0 };
  const run = { seed, batchSize: trainer.batchSize, shuffle, loss: trainer.loss };
  const batches = Math.ceil(train.length / trainer.batchSize);
  const event = (phase: TrainEvent["phase"], epoch: number, batch: number, logs: Logs): TrainEvent =>
    ({ phase, epoch, epochs, batch, batches, logs, model, optimizer: trainer.optimizer, run, history: history.epochs,
      validates: validation !== undefined });
  // trainEpoch tells what it knows of its epoch; the callbacks get it with this run's length, options and history.
  const onBatch: BatchCallback[] = callbacks.length === 0 ? [] :
    [async (e) => ((await notify(callbacks, event("batch", e.epoch, e.batch, e.logs))) ? "stop" : undefined)];
  // The state each epoch started from, to put back when one diverges.
  let good: { epoch: number; snapshot: TrainerSnapshot } | undefined;
  const diverged = (error: DivergenceError): DivergenceError => {
    trainer.restore(good!.snapshot);
    error.restoredEpoch = good!.epoch;
    return error;
  };
  let start: number | undefined;
  const firstBatch: BatchCallback[] = [({ logs }) => { start ??= logs.loss; }, ...onBatch];
  try {
    checkSchedule(trainer, initialEpoch, epochs);
    good = { epoch: initialEpoch, snapshot: trainer.snapshot() };
    if (await notify(callbacks, event("trainBegin", initialEpoch, 0, history.epochs.at(-1) ?? NO_LOGS))) history.stopped = "callback";
    for (let epoch = initialEpoch + 1; epoch <= epochs && history.stopped === "completed"; epoch++) {
      let result;
      try {
        const batchCallbacks = epoch === initialEpoch + 1 ? firstBatch : onBatch;
        result = await trainer.trainEpoch(train, {
          epoch, shuffle, seed, callbacks: batchCallbacks, ...(signal && { signal }), ...(o.sampler !== undefined && { sampler: o.sampler }),
        });
      } catch (error) {
        throw error instanceof DivergenceError ? diverged(error) : error;
      }
      // A partly trained epoch is not an epoch: History holds whole epochs only.
      if (result.stopped) { history.stopped = result.stopped; break; }
      // A loss that only grows large stays finite (softmax regression at lr 1e6 reaches 10⁶ with fair accuracy, in
      // its first epoch already, so the first epoch alone is no reference).
      const first = history.epochs[0]?.loss;
      if (start! > 0 && result.loss > START_LOSS_FACTOR * start!) {
        throw diverged(new DivergenceError(epoch, 0, result.loss, "blow-up", START_LOSS_FACTOR * start!, START_LOSS_FACTOR));
      }
      if (first !== undefined && first > 0 && result.loss > DIVERGENCE_FACTOR * first) {
        throw diverged(new DivergenceError(epoch, 0, result.loss, "growth", DIVERGENCE_FACTOR * first, DIVERGENCE_FACTOR));
      }
      const { batches: _, ...logs } = result as EpochLogs & { batches: number };
      if (validation) {
        const v = trainer.evaluate(validation);
        logs.valLoss = v.loss;
        logs.valAccuracy = v.accuracy;
      }
      history.epochs.push(logs);
      if (await notify(callbacks, event("epoch", epoch, batches, logs))) history.stopped = "callback";
      else if (signal?.aborted) history.stopped = "aborted";
      // Into the last one's arrays: a copy each epoch would allocate (and leave to collect) parameters and optimizer state.
      good = { epoch, snapshot: trainer.snapshot(good.snapshot) };
    }
    const last = history.epochs.at(-1);
    await notify(callbacks, { ...event("trainEnd", last?.epoch ?? initialEpoch, 0, last ?? NO_LOGS), stopped: history.stopped });
  } finally {
    trainer.close();
  }
  history.ms = performance.now() - started;
  return history;
}

// A cosine schedule ends at minLr after its `epochs`: a resumed run past that end would train at minLr only
// (at 0 by default, changing nothing), so it is refused. A fresh fit may run past it, a tail at minLr it asked for.
function checkSchedule(trainer: Trainer, initialEpoch: number, epochs: number): void {
  const schedule = trainer.optimizer.config.schedule;
  if (schedule?.type !== "cosine" || initialEpoch === 0 || epochs <= schedule.epochs) return;
  throw new OptionError("epochs", `at most ${schedule.epochs} (where the cosine schedule ends) when resuming after epoch ${initialEpoch}`,
    epochs, `The schedule spans the first run's ${schedule.epochs} epochs; start a new run, or train with a schedule of at least ` +
      `${epochs} epochs.`);
}

function splitValidation(data: Dataset, validationData: unknown, validationSplit: unknown, stratify: boolean, seed: number):
  [Dataset, Dataset | undefined] {
  if (validationSplit === undefined) {
    if (stratify) throw new OptionError("stratify", "to come with validationSplit", stratify, "Pass validationSplit: 0.2 (say) with it.");
    return [data, validationData === undefined ? undefined : checkDataset("validationData", validationData)];
  }
  if (validationData !== undefined) {
    throw new OptionError("validationSplit", "to be left out when validationData is given", validationSplit);
  }
  const fraction = check("validationSplit", validationSplit, RULES.openFraction);
  if (stratify) {
    const { train, validation } = stratifiedSplit(data, { validation: fraction, seed });
    return [train, validation];
  }
  const held = Math.floor(data.length * fraction);
  if (held < 1 || held >= data.length) {
    throw new OptionError("validationSplit", `a fraction leaving at least one example on each side of ${data.length}`, validationSplit);
  }
  const cut = data.length - held;
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  return [data.subset(range(0, cut)), data.subset(range(cut, data.length))];
}
