import type { Callback, TrainEvent } from "./train.js";
import { OptionError } from "../errors.js";

export interface ProgressOptions {
  /** Where text goes, e.g. `(s) => process.stderr.write(s)`. */
  write: (text: string) => void;
  /** Width of the bar in characters. Default 30. */
  width?: number;
  /** Redraw at most this often, in ms. Default 100. */
  intervalMs?: number;
}

/**
 * A callback that draws a progress bar within each epoch (redrawn in place with "\r") and ends each epoch's
 * line with its figures.
 * @example
 * await fit(model, train, { callbacks: [progressLogger({ write: (s) => process.stderr.write(s) })] });
 */
export function progressLogger({ write, width = 30, intervalMs = 100 }: ProgressOptions): Callback {
  let lastDraw = -Infinity;
  return ({ phase, epoch, epochs, batch, batches, logs }) => {
    const now = performance.now();
    if (phase === "batch" && batch < batches && now - lastDraw < intervalMs) return;
    lastDraw = now;
    const filled = Math.round((batch / batches) * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const head = `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs} ${bar} ${String(batch).padStart(String(batches).length)}/${batches}`;
    let text = `${head}  loss ${logs.loss.toFixed(4)}  acc ${logs.acc.toFixed(4)}`;
    if (phase === "epoch") {
      if (logs.valAcc !== undefined) text += `  val_loss ${logs.valLoss!.toFixed(4)}  val_acc ${logs.valAcc.toFixed(4)}`;
      text += `  ${Math.round(logs.ms)} ms`;
    }
    write(`\r${text}\x1b[K${phase === "epoch" ? "\n" : ""}`);
  };
}

export interface EarlyStoppingOptions {
  /** The figure to watch. Default "valLoss" (falls back to "loss" without validation data). */
  monitor?: "loss" | "acc" | "valLoss" | "valAcc";
  /** Epochs without improvement before stopping. Default 3. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Put back the parameters of the best epoch when stopping or at the end. Default true. */
  restoreBestWeights?: boolean;
}

/**
 * A callback that stops training when the monitored figure has not improved for `patience` epochs, and
 * restores the best epoch's parameters (Keras's EarlyStopping).
 * @throws {OptionError} for an unknown monitor, a patience that is not an integer ≥ 0, or minDelta < 0.
 * @example
 * await fit(model, train, { validationData: test, callbacks: [earlyStopping({ patience: 2 })] });
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback & { bestEpoch(): number | undefined } {
  const { monitor = "valLoss", patience = 3, minDelta = 0, restoreBestWeights = true } = options;
  if (!["loss", "acc", "valLoss", "valAcc"].includes(monitor)) {
    throw new OptionError("monitor", '"loss", "acc", "valLoss" or "valAcc"', monitor);
  }
  if (!Number.isInteger(patience) || patience < 0) throw new OptionError("patience", "an integer ≥ 0", patience);
  if (typeof minDelta !== "number" || !(minDelta >= 0)) throw new OptionError("minDelta", "a number ≥ 0", minDelta);
  const higherIsBetter = monitor === "acc" || monitor === "valAcc";
  let best = Infinity, bestEpoch: number | undefined, bestParams: Float32Array | undefined, waited = 0;
  const callback = ({ phase, epoch, epochs, logs, model }: TrainEvent): "stop" | undefined => {
    if (phase !== "epoch") return undefined;
    const raw = logs[monitor] ?? (monitor === "valLoss" ? logs.loss : monitor === "valAcc" ? logs.acc : undefined);
    if (raw === undefined) return undefined;
    const score = higherIsBetter ? -raw : raw;
    if (score < best - minDelta) {
      best = score;
      bestEpoch = epoch;
      waited = 0;
      if (restoreBestWeights) bestParams = model.getParameters();
      return undefined;
    }
    waited++;
    const stopping = waited > patience;
    if ((stopping || epoch === epochs) && restoreBestWeights && bestParams) model.setParameters(bestParams);
    return stopping ? "stop" : undefined;
  };
  return Object.assign(callback, { bestEpoch: () => bestEpoch });
}

/**
 * A callback that saves a checkpoint (model, optimizer state and training position) after every epoch, or
 * every `every` epochs, handing the bytes to `write` (in Node: `(bytes) => saveCheckpointFile(path, bytes)`).
 * Resuming from it with `fit(..., { initialEpoch })` gives the same weights as an uninterrupted run.
 * @example
 * await fit(model, train, { optimizer, callbacks: [checkpointEvery({ write: (bytes) => writeFileAtomic("run.wsmx", bytes) })] });
 */
export function checkpointEvery({ write, every = 1 }: { write: (bytes: Uint8Array, epoch: number) => void | Promise<void>; every?: number }): Callback {
  if (typeof write !== "function") throw new OptionError("write", "a function taking the checkpoint bytes", write);
  if (!Number.isInteger(every) || every < 1) throw new OptionError("every", "an integer ≥ 1", every);
  return async ({ phase, epoch, model, optimizer, run, history }) => {
    if (phase !== "epoch" || epoch % every !== 0) return;
    await write(model.save({ optimizer, training: { epoch, ...run, history: [...history] } }), epoch);
  };
}
