import type { Callback } from "./train.js";

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
