// `wasm-softmax train`: builds (or resumes) a model from the flags, fits it, and prints, saves and draws the run.
import type { Dataset } from "../data/dataset.js";
import { fit } from "../train/fit.js";
import { evaluate } from "../train/evaluate.js";
import type { Callback, History } from "../train/events.js";
import { earlyStopping, progressLogger } from "../train/callbacks.js";
import { checkpointEvery, encodeCheckpoint } from "../io/checkpoint.js";
import type { Runtime } from "../runtime/runtime.js";
import { DivergenceError } from "../errors.js";
import { command, usageError } from "./args.js";
import {
  CliError, EXIT_INTERRUPTED, cliRuntime, describeLoss, describeRuntime, describeModel, describeOptimizer, describeSource, loadData, writeOutput,
} from "./output.js";
import type { Output } from "./output.js";
import { TRAIN_FLAGS, checkCombinations } from "./train-flags.js";
import type { Given, TrainValues } from "./train-flags.js";
import { freshPlan, loadResume, resumedPlan, runOptions } from "./train-plan.js";
import type { Plan } from "./train-plan.js";
import { drawPictures, epochLines, epochTableStream, report, validationName } from "./train-report.js";

export const TRAIN = command({
  name: "train",
  summary: "train on Fashion-MNIST; print loss and accuracy per epoch",
  flags: TRAIN_FLAGS,
  examples: [
    "train",
    "train --epochs 3 --backend js",
    "train --model mlp --validation-split 0.1 --patience 3 --save mlp.wsmx",
    "train --validation-split 0.2 --stratify --seed 1",
    "train --resume mlp.wsmx --epochs 20 --save mlp.wsmx",
    "train --schedule cosine --loss huber:0.5 --plot curves.svg --grid grid.svg",
    "train --data ./fashion-mnist --json > run.json",
  ],
  run: train,
});

async function train(o: TrainValues, out: Output, given: Given): Promise<number> {
  checkCombinations(o, given);
  const resume = o.resume === undefined ? undefined : await loadResume(o.resume, o, given);
  const cosine = resume?.optimizer?.config.schedule;
  if (cosine?.type === "cosine" && o.epochs > cosine.epochs) {
    // Past its end a cosine schedule stays at its minimum rate (0 by default): more epochs would change little or nothing.
    throw usageError("train", `Cannot resume from ${o.resume} up to --epochs ${o.epochs}: its cosine schedule spans the first ` +
      `run's ${cosine.epochs} epochs and ends there at lr ${cosine.minLr ?? 0}. Start a new run, or one with a longer schedule ` +
      `(--schedule cosine --epochs ${o.epochs}).`);
  }
  using runtime = await cliRuntime(o);
  const data = await loadData(o.data, out);
  const plan = resume ? resumedPlan(resume, o.resume!, data.train) : freshPlan(o, data.train);
  checkSplit(o, data.train.length);
  const { model, optimizer } = plan;
  out.info(`backend: ${describeRuntime(runtime)}  data: ${describeSource(data)} (${data.train.length} train, ${data.test.length} test)\n` +
    `model: ${describeModel(model.config)}  optimizer: ${describeOptimizer(optimizer.config)}  loss: ${describeLoss(plan.loss)}\n` +
    `${model.summary()}\n` +
    (plan.resumedFrom ? `resuming ${plan.resumedFrom.file} after epoch ${plan.initialEpoch}, up to epoch ${o.epochs}\n` : ""), o.json);

  const result = await runFit(o, out, plan, data.test, runtime);
  const { history } = result;
  const lastEpoch = history.epochs.at(-1)?.epoch ?? plan.initialEpoch;
  let saved: { file: string; epoch: number } | undefined;
  if (o.save !== undefined) {
    const bytes = history.stopped === "aborted"
      ? result.boundary!
      : encodeCheckpoint({ model, optimizer, training: { epoch: lastEpoch, ...runOptions(plan), history: history.epochs } });
    await writeOutput(o.save, bytes, "--save");
    saved = { file: o.save, epoch: lastEpoch };
  }
  const pictures = await drawPictures(o, out, history, model, data, optimizer, runtime);
  out.io.stdout(report(o, plan, data, { ...result, ...(saved && { saved }), pictures }));
  return history.stopped === "aborted" ? EXIT_INTERRUPTED : 0;
}

// fit would refuse it too, in the API's words; here it is the flag's, with the data's size.
function checkSplit(o: TrainValues, examples: number): void {
  if (o.validationSplit === undefined) return;
  const held = Math.floor(examples * o.validationSplit);
  if (held < 1 || held >= examples) {
    throw usageError("train", `Invalid --validation-split: expected a fraction that holds out at least one of the ${examples} ` +
      `training examples and keeps at least one, got "${o.validationSplit}".`);
  }
}

/**
 * Fits with the callbacks the flags ask for: progress, --save after every epoch, --patience; Ctrl-C (io.signal)
 * stops it after the current batch. `boundary` is the checkpoint of the last whole epoch, which is what --save
 * keeps when the run is interrupted mid-epoch; `midEpoch` says whether it was.
 */
async function runFit(o: TrainValues, out: Output, plan: Plan, test: Dataset, runtime: Runtime):
  Promise<{ history: History; midEpoch: boolean; boundary?: Uint8Array; stopper?: ReturnType<typeof earlyStopping>;
    streamed: boolean; test?: { loss: number; accuracy: number } }> {
  const { io } = out, { model, optimizer } = plan;
  let midEpoch = false;
  const name = validationName(o);
  // One report per epoch: on a terminal the bar (stderr) and the table at the end (stdout); elsewhere the
  // table's rows as the epochs finish, or with --json (stdout is the document) plain lines on stderr.
  const streamed = !io.isTTY && !o.json;
  const callbacks: Callback[] = [
    ({ phase }) => { if (phase === "batch" || phase === "epoch") midEpoch = phase === "batch"; },
    io.isTTY ? progressLogger({ write: out.progress, validationName: name, ...(io.columns && { columns: io.columns }) })
      : streamed ? epochTableStream(io.stdout, name) : epochLines(out.progress, name),
  ];
  let boundary: Uint8Array | undefined;
  if (o.save !== undefined) {
    const file = o.save;
    boundary = encodeCheckpoint({ model, optimizer, training: { epoch: plan.initialEpoch, ...runOptions(plan), history: [...plan.history] } });
    callbacks.push(checkpointEvery({ write: async (bytes) => { boundary = bytes; await writeOutput(file, bytes, "--save"); } }));
  }
  // After checkpointEvery, so the epoch checkpoints hold the weights as trained, and only the final one the best.
  const stopper = o.patience === undefined ? undefined : earlyStopping({ monitor: "valLoss", patience: o.patience, restoreBestWeights: true });
  if (stopper) callbacks.push(stopper);
  if (stopper && o.validationSplit === undefined) {
    out.progress("warning: --patience picks the epoch with the lowest test loss, so the test accuracy printed is " +
      "biased upwards; pass --validation-split 0.1 to pick it on held-out training data instead\n");
  }

  const onAbort = () => {
    out.endLine();
    out.progress("interrupted: stopping after the current batch (Ctrl-C again quits at once)\n");
  };
  io.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const { train, model: _, resumedFrom: __, ...options } = plan;
    const validation = o.validationSplit === undefined ? { validationData: test }
      : { validationSplit: o.validationSplit, ...(o.stratify && { stratify: true }) };
    const history = await fit(model, train, {
      ...options, ...validation, epochs: o.epochs, callbacks, runtime, ...(io.signal && { signal: io.signal }),
    });
    // Held-out validation picked the weights; the test set, untouched so far, scores them once.
    const scored = o.validationSplit === undefined || history.stopped === "aborted" && history.epochs.length === 0
      ? undefined : evaluate(model, test, { runtime, loss: plan.loss, batchSize: plan.batchSize });
    return { history, midEpoch, streamed, ...(boundary && { boundary }), ...(stopper && { stopper }),
      ...(scored && { test: { loss: scored.loss, accuracy: scored.accuracy } }) };
  } catch (error) {
    // fit put the last good epoch back; --save keeps it (the start of the run when the first epoch diverged).
    if (error instanceof DivergenceError && o.save !== undefined && boundary) {
      await writeOutput(o.save, boundary, "--save");
      const epoch = error.restoredEpoch ?? plan.initialEpoch;
      const state = epoch === 0 ? "the untrained model" : `epoch ${epoch}`;
      throw new CliError(`${error.message} --save ${o.save} holds the last good state (${state}).`);
    }
    throw error;
  } finally {
    io.signal?.removeEventListener("abort", onAbort);
    out.endLine();
  }
}
