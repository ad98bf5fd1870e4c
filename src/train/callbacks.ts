import type { Callback, TrainEvent } from "./events.js";
import { RULES, check, checkKeys, checkOr, oneOf } from "../validate.js";

/** Options of `progressLogger`. */
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
export function progressLogger(options: ProgressOptions): Callback {
  const o = checkKeys("progressLogger", options, ["write", "width", "intervalMs"]);
  const write = check("write", o.write, RULES.function) as ProgressOptions["write"];
  const width = checkOr("width", o.width, RULES.count, 30), intervalMs = checkOr("intervalMs", o.intervalMs, RULES.nonNegative, 100);
  let lastDraw = -Infinity;
  return ({ phase, epoch, epochs, batch, batches, logs }) => {
    if (phase !== "batch" && phase !== "epoch") return;
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

/** Options of `earlyStopping`. */
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
export function earlyStopping(options?: EarlyStoppingOptions): Callback & { bestEpoch(): number | undefined } {
  const o = checkKeys("earlyStopping", options, ["monitor", "patience", "minDelta", "restoreBestWeights"]);
  const monitor = checkOr("monitor", o.monitor, oneOf(["loss", "acc", "valLoss", "valAcc"] as const), "valLoss");
  const patience = checkOr("patience", o.patience, RULES.countOrZero, 3);
  const minDelta = checkOr("minDelta", o.minDelta, RULES.nonNegative, 0);
  const restoreBestWeights = checkOr("restoreBestWeights", o.restoreBestWeights, RULES.boolean, true);
  const higherIsBetter = monitor === "acc" || monitor === "valAcc";
  let best = Infinity, bestEpoch: number | undefined, bestParams: Float32Array | undefined, waited = 0;
  const callback = ({ phase, epoch, logs, model, stopped }: TrainEvent): "stop" | undefined => {
    // Training ended here, by another callback or after the last epoch: the best weights go back. Not after an
    // abort, which keeps what was trained.
    if (phase === "trainEnd" && stopped !== "aborted" && restoreBestWeights && bestParams) model.setParameters(bestParams);
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
    return waited > patience ? "stop" : undefined;
  };
  return Object.assign(callback, { bestEpoch: () => bestEpoch });
}
