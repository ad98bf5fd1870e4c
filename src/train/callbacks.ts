import type { Callback, Logs, TrainEvent } from "./events.js";
import { OptionError } from "../errors.js";
import { RULES, check, checkKeys, checkOr, oneOf, rule } from "../validate.js";

/** Options of `progressLogger`. */
export interface ProgressOptions {
  /** Where text goes, e.g. `(s) => process.stderr.write(s)`. */
  write: (text: string) => void;
  /** Width of the bar in characters, at most. Default 30. */
  width?: number;
  /** Redraw at most this often, in ms. Default 100. */
  intervalMs?: number;
  /**
   * The terminal's width, or a function asked at every redraw (terminals are resized), e.g.
   * `() => process.stderr.columns`. The bar shrinks and figures are left out so that a redrawn line never wraps
   * (a wrapped line cannot be redrawn in place); a finished epoch's figures are broken over lines that fit.
   * Default: no limit.
   */
  columns?: number | (() => number | undefined);
  /** What the validation figures are called: "val" prints "val loss". Default "val". */
  validationName?: string;
}

const COLUMNS = rule<number | (() => number | undefined)>("an integer ≥ 1 or a function",
  (v) => typeof v === "function" || RULES.count.test(v));
const NAME = rule<string>("a non-empty string", (v) => typeof v === "string" && v.length > 0);

/**
 * The figures of an epoch as the progress logger prints them: "train loss 0.5000 acc 0.8000", then
 * "<validationName> loss … acc …" and the time, one string per group.
 */
export function epochFigures(logs: Logs, validationName = "val"): string[] {
  const parts = [`train loss ${logs.loss.toFixed(4)} acc ${logs.accuracy.toFixed(4)}`];
  if (logs.valLoss !== undefined && logs.valAccuracy !== undefined) {
    parts.push(`${validationName} loss ${logs.valLoss.toFixed(4)} acc ${logs.valAccuracy.toFixed(4)}`);
  }
  parts.push(`${Math.round(logs.ms)} ms`);
  return parts;
}

/**
 * A callback that draws a progress bar within each epoch (redrawn in place with "\r", never wider than
 * `columns`) and ends each epoch with a line of its figures.
 * @throws {OptionError} for an unknown option, a `write` that is not a function, or a width, interval or
 * columns out of range.
 * @example
 * await fit(model, train, { callbacks: [progressLogger({ write: (s) => process.stderr.write(s), columns: () => process.stderr.columns })] });
 */
export function progressLogger(options: ProgressOptions): Callback {
  const o = checkKeys("progressLogger", options, ["write", "width", "intervalMs", "columns", "validationName"]);
  const write = check("write", o.write, RULES.function) as ProgressOptions["write"];
  const width = checkOr("width", o.width, RULES.count, 30), intervalMs = checkOr("intervalMs", o.intervalMs, RULES.nonNegative, 100);
  const columnsOption = o.columns === undefined ? undefined : check("columns", o.columns, COLUMNS);
  const validationName = checkOr("validationName", o.validationName, NAME, "val");
  // One column is kept free: writing the last one leaves some terminals waiting to wrap.
  const room = (): number => {
    const c = typeof columnsOption === "function" ? columnsOption() : columnsOption;
    return c !== undefined && Number.isFinite(c) && c >= 2 ? Math.floor(c) - 1 : Infinity;
  };
  let lastDraw = -Infinity;
  return ({ phase, epoch, epochs, batch, batches, logs }) => {
    if (phase !== "batch" && phase !== "epoch") return;
    const now = performance.now();
    if (phase === "batch" && batch < batches && now - lastDraw < intervalMs) return;
    lastDraw = now;
    const max = room();
    const head = `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`;
    if (phase === "epoch") {
      write(`\r\x1b[K${wrapParts([head, ...epochFigures(logs, validationName)], max)}\n`);
      return;
    }
    const count = `${String(batch).padStart(String(batches).length)}/${batches}`;
    const figures = [`loss ${logs.loss.toFixed(4)}`, `acc ${logs.accuracy.toFixed(4)}`];
    // The bar gives way first, then the figures from the right; a bar under 4 characters says nothing.
    let line = "";
    for (let keep = figures.length; keep >= 0; keep--) {
      const tail = [count, ...figures.slice(0, keep)].join("  ");
      const barWidth = Math.min(width, max - head.length - tail.length - 2);
      if (barWidth >= 4 || keep === 0) {
        const filled = Math.round((batch / batches) * Math.max(0, barWidth));
        line = barWidth >= 4 ? `${head} ${"█".repeat(filled)}${"░".repeat(barWidth - filled)} ${tail}` : `${head} ${tail}`;
        break;
      }
    }
    write(`\r${line.slice(0, max)}\x1b[K`);
  };
}

// Parts joined by two spaces, broken into lines of at most `max` characters (continuations indented).
function wrapParts(parts: readonly string[], max: number): string {
  const lines: string[] = [];
  let line = "";
  for (const part of parts) {
    if (line && line.length + 2 + part.length > max) { lines.push(line); line = `  ${part}`; }
    else line = line ? `${line}  ${part}` : part;
  }
  lines.push(line);
  return lines.join("\n");
}

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /**
   * The figure to watch. Default "valLoss". "valLoss" and "valAccuracy" need validation data (fit's `validationData`
   * or `validationSplit`): without it fit throws an OptionError before the first epoch, rather than stop on
   * a figure nobody chose.
   */
  monitor?: "loss" | "accuracy" | "valLoss" | "valAccuracy";
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
 * @throws {OptionError} for an unknown monitor, a patience that is not an integer ≥ 0, or minDelta < 0; and from
 * fit, before the first epoch, when the monitor is "valLoss" or "valAccuracy" and fit has no validation data.
 * @example
 * await fit(model, train, { validationData: test, callbacks: [earlyStopping({ patience: 2 })] });
 */
export function earlyStopping(options?: EarlyStoppingOptions): Callback & { bestEpoch(): number | undefined } {
  const o = checkKeys("earlyStopping", options, ["monitor", "patience", "minDelta", "restoreBestWeights"]);
  const monitor = checkOr("monitor", o.monitor, oneOf(["loss", "accuracy", "valLoss", "valAccuracy"] as const), "valLoss");
  const patience = checkOr("patience", o.patience, RULES.countOrZero, 3);
  const minDelta = checkOr("minDelta", o.minDelta, RULES.nonNegative, 0);
  const restoreBestWeights = checkOr("restoreBestWeights", o.restoreBestWeights, RULES.boolean, true);
  const higherIsBetter = monitor === "accuracy" || monitor === "valAccuracy";
  let best = Infinity, bestEpoch: number | undefined, bestParams: Float32Array | undefined, waited = 0;
  const callback = ({ phase, epoch, logs, model, stopped, validates }: TrainEvent): "stop" | undefined => {
    if (phase === "trainBegin" && validates === false && (monitor === "valLoss" || monitor === "valAccuracy")) {
      throw new OptionError("monitor", '"loss" or "accuracy" when fit has no validationData or validationSplit', monitor,
        `earlyStopping would have nothing to watch. Pass validationData or validationSplit to fit, or monitor "loss".`);
    }
    // Training ended here, by another callback or after the last epoch: the best weights go back. Not after an
    // abort, which keeps what was trained.
    if (phase === "trainEnd" && stopped !== "aborted" && restoreBestWeights && bestParams) model.setParameters(bestParams);
    if (phase !== "epoch") return undefined;
    const raw = logs[monitor];
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
