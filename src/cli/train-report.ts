// What `train` prints and draws: the epoch table or JSON, the per-epoch lines, and the pictures.
import type { LoadedFashionMNIST } from "../data/fashion-mnist/node/load.js";
import type { DenseNetwork } from "../model/network.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Runtime } from "../runtime/runtime.js";
import type { earlyStopping } from "../train/callbacks.js";
import type { Callback, History } from "../train/events.js";
import { learningCurvesSVG, imageGridSVG } from "../plot/svg.js";
import { describeModel, json, roundMs, seconds, writeOutput } from "./output.js";
import type { Output } from "./output.js";
import { epochFigures } from "../train/callbacks.js";
import type { TrainValues } from "./train-flags.js";
import type { Plan } from "./train-plan.js";

interface EpochRow {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** On the test set, or with --validation-split on the held-out data (then named valLoss, valAccuracy in JSON). */
  testLoss: number | null;
  testAccuracy: number | null;
  /** The learning rate of the epoch, after the schedule. */
  lr: number | null;
  ms: number;
}

/** How the run went, as the report needs it. */
export interface RunResult {
  history: History;
  midEpoch: boolean;
  stopper?: ReturnType<typeof earlyStopping>;
  /** Whether the epoch table went to stdout epoch by epoch (so the report leaves it out). */
  streamed: boolean;
  /** With --validation-split: the test set's figures, with the weights the run kept. */
  test?: { loss: number; accuracy: number };
  saved?: { file: string; epoch: number };
  pictures: { plot?: string; grid?: string };
}

/** The report on stdout: the epoch table and totals, or with --json one JSON document. */
export function report(o: TrainValues, plan: Plan, data: LoadedFashionMNIST, result: RunResult): string {
  const { history, stopper, saved, pictures } = result, { model, optimizer } = plan;
  const stopped = history.stopped === "aborted" ? "interrupted" : history.stopped === "callback" ? "early-stopping" : "completed";
  const lastEpoch = history.epochs.at(-1)?.epoch ?? plan.initialEpoch;
  // Early stopping puts back the best epoch's weights when it stops and at the last epoch; not after Ctrl-C.
  const keptEpoch = stopper && stopped !== "interrupted" ? stopper.bestEpoch() ?? lastEpoch : lastEpoch;
  const rows = history.epochs.map((e): EpochRow => ({
    epoch: e.epoch, trainLoss: e.loss, trainAccuracy: e.accuracy, testLoss: e.valLoss ?? null, testAccuracy: e.valAccuracy ?? null,
    lr: e.lr ?? null, ms: e.ms,
  }));
  const keptRow = rows.find((r) => r.epoch === keptEpoch);
  const split = o.validationSplit !== undefined, name = validationName(o);
  const kept = split ? { testAccuracy: result.test?.accuracy ?? null, testLoss: result.test?.loss ?? null } : keptRow;
  // This invocation's epochs only: a resumed run's earlier epochs were timed by an earlier process.
  const trainMs = rows.reduce((sum, r) => sum + (r.epoch > plan.initialEpoch ? r.ms : 0), 0);

  if (o.json) {
    return json({
      backend: history.backend,
      threads: history.threads,
      model: model.config,
      optimizer: optimizer.config,
      loss: plan.loss,
      data: { source: data.source, train: data.train.length, test: data.test.length },
      options: {
        epochs: o.epochs, batchSize: plan.batchSize, lr: optimizer.config.lr, seed: plan.seed,
        ...(split && { validationSplit: o.validationSplit, stratify: o.stratify }),
      },
      epochs: rows.map(({ epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, lr, ms }) => ({
        epoch, trainLoss, trainAccuracy, ...(split ? { valLoss: testLoss, valAccuracy: testAccuracy } : { testLoss, testAccuracy }), lr, ms: roundMs(ms),
      })),
      totals: { ms: roundMs(history.ms), trainMs: roundMs(trainMs), testAccuracy: kept?.testAccuracy ?? null, testLoss: kept?.testLoss ?? null },
      stopped,
      ...(stopper && { bestEpoch: stopper.bestEpoch() ?? null }),
      ...(plan.resumedFrom && { resumedFrom: plan.resumedFrom }),
      ...(saved && { saved }),
      ...pictures,
    });
  }
  let text = rows.length && !result.streamed ? tableHeader(name) + rows.map(tableRow).join("") : "";
  if (split && keptRow?.testAccuracy != null) text += `${name} accuracy: ${keptRow.testAccuracy.toFixed(4)}\n`;
  text += `test accuracy: ${kept?.testAccuracy == null ? "n/a" : kept.testAccuracy.toFixed(4)}`;
  text += stopper && keptEpoch !== lastEpoch ? ` (the weights of epoch ${keptEpoch}, the lowest ${name} loss)\n` : "\n";
  if (stopped === "early-stopping") {
    text += `stopped early after epoch ${lastEpoch}: the ${name} loss did not improve for ${o.patience! + 1} epoch${o.patience ? "s" : ""}\n`;
  }
  if (stopped === "interrupted") {
    text += result.midEpoch
      ? `interrupted during epoch ${lastEpoch + 1}${o.save === undefined ? "" : "; its partial updates are not saved"}\n`
      : `interrupted after epoch ${lastEpoch}\n`;
  }
  text += `total time: ${seconds(history.ms)} (training ${seconds(trainMs)}, testing and overhead ${seconds(history.ms - trainMs)})\n`;
  if (saved) text += `saved ${saved.file} (epoch ${saved.epoch}${lastEpoch < o.epochs ? `; continue with --resume ${saved.file}` : ""})\n`;
  if (pictures.plot) text += `learning curves: ${pictures.plot}\n`;
  if (pictures.grid) text += `image grid: ${pictures.grid}\n`;
  return text;
}

export async function drawPictures(o: TrainValues, out: Output, history: History, model: DenseNetwork, data: LoadedFashionMNIST,
  optimizer: Optimizer, runtime: Runtime): Promise<{ plot?: string; grid?: string }> {
  const written: { plot?: string; grid?: string } = {};
  if (o.plot !== undefined) {
    if (history.epochs.length === 0) {
      out.progress(`--plot ${o.plot} not written: no epoch finished\n`);
    } else {
      const title = `${describeModel(model.config)}, ${optimizer.config.type} lr ${optimizer.config.lr}`;
      await writeOutput(o.plot, learningCurvesSVG(history.epochs, { title, validationName: validationName(o) }), "--plot");
      written.plot = o.plot;
    }
  }
  if (o.grid !== undefined) {
    const test = data.test, count = Math.min(18, test.length);
    const predictions = model.predict(test.x.subarray(0, count * test.features), { runtime });
    await writeOutput(o.grid, imageGridSVG({
      images: test.x, imageShape: test.imageShape ?? [1, test.features], labels: test.y, predictions,
      ...(test.classNames && { classNames: test.classNames }), count,
    }), "--grid");
    written.grid = o.grid;
  }
  return written;
}


/** What the CLI calls the figures evaluated after every epoch: "val" with --validation-split, else "test". */
export function validationName(o: TrainValues): string {
  return o.validationSplit === undefined ? "test" : "val";
}

// With --json and no terminal, stderr gets the figures as the bar's last line prints them, without the bar.
export function epochLines(write: (text: string) => void, name: string): Callback {
  return ({ phase, epoch, epochs, logs }) => {
    if (phase !== "epoch") return;
    write(`${[`epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`, ...epochFigures(logs, name)].join("  ")}\n`);
  };
}

/** Without a terminal: the epoch table on stdout, a row as each epoch ends (a resumed run's earlier ones first). */
export function epochTableStream(write: (text: string) => void, name: string): Callback {
  let started = false;
  return ({ phase, history }) => {
    if (phase !== "epoch") return;
    const rows = started ? history.slice(-1) : history;
    write((started ? "" : tableHeader(name)) + rows.map((e) => tableRow(toRow(e))).join(""));
    started = true;
  };
}

function toRow(e: History["epochs"][number]): EpochRow {
  return { epoch: e.epoch, trainLoss: e.loss, trainAccuracy: e.accuracy, testLoss: e.valLoss ?? null, testAccuracy: e.valAccuracy ?? null, lr: e.lr ?? null, ms: e.ms };
}

// Fixed widths, so that rows printed one by one line up with the header printed before them.
const WIDTHS = [5, 10, 9, 9, 8, 6];

function tableHeader(name: string): string {
  const cells = ["epoch", "train loss", "train acc", `${name} loss`, `${name} acc`, "ms"];
  return line(cells) + line(WIDTHS.map((w) => "-".repeat(w)));
}

function tableRow(r: EpochRow): string {
  const f4 = (x: number | null) => (x === null ? "-" : x.toFixed(4));
  return line([String(r.epoch), f4(r.trainLoss), f4(r.trainAccuracy), f4(r.testLoss), f4(r.testAccuracy), String(Math.round(r.ms))]);
}

function line(cells: readonly string[]): string {
  return cells.map((cell, i) => cell.padStart(WIDTHS[i]!)).join("  ") + "\n";
}
