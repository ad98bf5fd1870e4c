// What `train` prints and draws: the epoch table or JSON, the per-epoch lines, and the pictures.
import type { LoadedFashionMNIST } from "../data/fashion-mnist-node.js";
import type { DenseNetwork } from "../model/network.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Runtime } from "../runtime/runtime.js";
import type { earlyStopping } from "../train/callbacks.js";
import type { Callback, History } from "../train/events.js";
import { learningCurvesSVG, imageGridSVG } from "../plot/svg.js";
import { describeModel, json, roundMs, seconds, writeOutput } from "./output.js";
import type { Output } from "./output.js";
import { formatTable } from "./table.js";
import type { TrainValues } from "./train-flags.js";
import type { Plan } from "./train-plan.js";

interface EpochRow {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number | null;
  testAcc: number | null;
  /** The learning rate of the epoch, after the schedule. */
  lr: number | null;
  ms: number;
}

/** How the run went, as the report needs it. */
export interface RunResult {
  history: History;
  midEpoch: boolean;
  stopper?: ReturnType<typeof earlyStopping>;
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
    epoch: e.epoch, trainLoss: e.loss, trainAcc: e.acc, testLoss: e.valLoss ?? null, testAcc: e.valAcc ?? null,
    lr: e.lr ?? null, ms: e.ms,
  }));
  const kept = rows.find((r) => r.epoch === keptEpoch);
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
      options: { epochs: o.epochs, batchSize: plan.batchSize, lr: optimizer.config.lr, seed: plan.seed },
      epochs: rows.map((r) => ({ ...r, ms: roundMs(r.ms) })),
      totals: { ms: roundMs(history.ms), trainMs: roundMs(trainMs), testAcc: kept?.testAcc ?? null, testLoss: kept?.testLoss ?? null },
      stopped,
      ...(stopper && { bestEpoch: stopper.bestEpoch() ?? null }),
      ...(plan.resumedFrom && { resumedFrom: plan.resumedFrom }),
      ...(saved && { saved }),
      ...pictures,
    });
  }
  let text = rows.length ? epochTable(rows) : "";
  text += `test accuracy: ${kept?.testAcc == null ? "n/a" : kept.testAcc.toFixed(4)}`;
  text += stopper && keptEpoch !== lastEpoch ? ` (the weights of epoch ${keptEpoch}, the lowest test loss)\n` : "\n";
  if (stopped === "early-stopping") {
    text += `stopped early after epoch ${lastEpoch}: the test loss did not improve for ${o.patience! + 1} epoch${o.patience ? "s" : ""}\n`;
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
      await writeOutput(o.plot, learningCurvesSVG(history.epochs, { title }), "--plot");
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


// Without a terminal a redrawn bar is noise in a log: one line per finished epoch instead.
export function epochLines(write: (text: string) => void): Callback {
  return ({ phase, epoch, epochs, logs }) => {
    if (phase !== "epoch") return;
    let line = `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}  loss ${logs.loss.toFixed(4)}  acc ${logs.acc.toFixed(4)}`;
    if (logs.valAcc !== undefined) line += `  test_loss ${logs.valLoss!.toFixed(4)}  test_acc ${logs.valAcc.toFixed(4)}`;
    write(`${line}  ${Math.round(logs.ms)} ms\n`);
  };
}

function epochTable(rows: readonly EpochRow[]): string {
  const f4 = (x: number | null) => (x === null ? "-" : x.toFixed(4));
  return formatTable(
    [{ header: "epoch" }, { header: "train loss" }, { header: "train acc" }, { header: "test loss" }, { header: "test acc" }, { header: "ms" }],
    rows.map((r) => [String(r.epoch), f4(r.trainLoss), f4(r.trainAcc), f4(r.testLoss), f4(r.testAcc), String(Math.round(r.ms))]),
  );
}
