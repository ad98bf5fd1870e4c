// `wasm-softmax train`: builds (or resumes) a model from the flags, fits it, and prints, saves and draws the run.
import { init } from "../wasm/init.js";
import type { LoadedFashionMNIST } from "../data/fashion-mnist-node.js";
import type { Dataset } from "../data/dataset.js";
import { MLP, SoftmaxRegression } from "../model/models.js";
import type { DenseNetwork, ModelConfig } from "../model/network.js";
import { Adam, SGD } from "../optim/optimizer.js";
import type { Optimizer, OptimizerConfig } from "../optim/optimizer.js";
import type { Schedule } from "../optim/schedules.js";
import { resolveLoss } from "../train/losses.js";
import type { LossConfig, LossSpec } from "../train/losses.js";
import { fit } from "../train/train.js";
import type { Callback, EpochLogs, History } from "../train/train.js";
import { checkpointEvery, earlyStopping, progressLogger } from "../train/callbacks.js";
import { loadCheckpointFile } from "../io/checkpoint-node.js";
import type { Checkpoint } from "../io/checkpoint.js";
import { learningCurvesSVG, imageGridSVG } from "../plot/svg.js";
import {
  BACKEND_FLAG, DATA_FLAG, JSON_FLAG, choiceFlag, command, decimal, integerFlag, invalid, numberFlag, pathFlag,
  usageError, widthsFlag,
} from "./args.js";
import type { Flag, Values } from "./args.js";
import {
  EXIT_INTERRUPTED, checkModelFits, describeLoss, describeModel, describeOptimizer, describeSchedule, describeSource, json, loadData,
  roundMs, seconds, writeOutput,
} from "./output.js";
import type { Output } from "./output.js";
import { formatTable } from "./table.js";

// ---------------------------------------------------------------------------------------------------------------
// Flags

/** --schedule as typed; a cosine schedule spans --epochs, filled in once the run's length is known. */
type ScheduleFlag = { type: "step"; stepSize: number; gamma: number } | { type: "cosine"; minLr: number };

const SCHEDULE_FLAG: Flag<ScheduleFlag | undefined> = {
  name: "--schedule", arg: "SPEC", default: undefined, defaultText: "none, a constant rate",
  help: "learning-rate schedule: step:STEP:GAMMA multiplies the rate by GAMMA every STEP epochs; cosine[:MINLR] " +
    "anneals it to MINLR (default 0) over --epochs",
  rule: '"step:STEP:GAMMA" (STEP an integer ≥ 1, GAMMA in (0, 1]), "cosine" or "cosine:MINLR" (MINLR ≥ 0)',
  parse(raw) {
    const [type, ...args] = raw.split(":");
    if (type === "step" && args.length === 2) {
      const stepSize = decimal(args[0]!), gamma = decimal(args[1]!);
      if (Number.isSafeInteger(stepSize) && stepSize >= 1 && gamma > 0 && gamma <= 1) return { type, stepSize, gamma };
    }
    if (type === "cosine" && args.length <= 1) {
      const minLr = args.length ? decimal(args[0]!) : 0;
      if (minLr >= 0) return { type, minLr };
    }
    throw invalid(this.name, this.rule, raw);
  },
};

type LossFlag = { type: "cross-entropy" } | { type: "l2" } | { type: "l1" } | { type: "huber"; delta: number };

const LOSS_FLAG: Flag<LossFlag | undefined> = {
  name: "--loss", arg: "NAME", default: undefined, defaultText: "cross-entropy",
  help: "loss to minimise: cross-entropy (softmax first), or l2, l1, huber[:DELTA] against one-hot targets",
  rule: 'one of "cross-entropy", "l2", "l1", "huber" or "huber:DELTA" (DELTA > 0)',
  parse(raw) {
    if (raw === "cross-entropy" || raw === "l2" || raw === "l1") return { type: raw };
    if (raw === "huber") return { type: "huber", delta: 1 };
    if (raw.startsWith("huber:")) {
      const delta = decimal(raw.slice(6));
      if (delta > 0) return { type: "huber", delta };
    }
    throw invalid(this.name, this.rule, raw);
  },
};

const TRAIN_FLAGS = {
  model: choiceFlag("--model", ["softmax", "mlp"], {
    help: "softmax regression, or a multilayer perceptron with ReLU", defaultText: "softmax; mlp when --hidden is given",
  }),
  hidden: widthsFlag("--hidden", { help: "hidden layer widths of the mlp, from the input side", defaultText: "256, as in d2l" }),
  epochs: integerFlag("--epochs", { help: "passes over the training set", default: 10, min: 1 }),
  batchSize: integerFlag("--batch-size", { help: "examples per optimizer step", default: 256, min: 1 }),
  optimizer: choiceFlag("--optimizer", ["sgd", "adam"], { help: "minibatch SGD or Adam", defaultText: "sgd" }),
  lr: numberFlag("--lr", {
    help: "learning rate", default: undefined, defaultText: "0.1 for sgd, 0.001 for adam", rule: "a finite number > 0", ok: (x) => x > 0,
  }),
  momentum: numberFlag("--momentum", { help: "momentum of sgd", default: 0, rule: "a number in [0, 1)", ok: (x) => x >= 0 && x < 1 }),
  weightDecay: numberFlag("--weight-decay", {
    help: "L2 penalty added to the gradients", default: 0, rule: "a finite number ≥ 0", ok: (x) => x >= 0,
  }),
  schedule: SCHEDULE_FLAG,
  loss: LOSS_FLAG,
  labelSmoothing: numberFlag("--label-smoothing", {
    help: "cross-entropy against soft labels: X spread over all classes", default: 0, rule: "a number in [0, 1)",
    ok: (x) => x >= 0 && x < 1,
  }),
  patience: integerFlag("--patience", {
    help: "stop once the test loss has not improved for N epochs, and keep the best epoch's weights",
    default: undefined, defaultText: "off", min: 0,
  }),
  seed: integerFlag("--seed", {
    help: "seed of the initial weights and the shuffles", default: 0, min: 0, max: 0xffffffff,
    rule: "an integer in [0, 2^32)",
  }),
  save: pathFlag("--save", {
    help: "checkpoint (model, optimizer, training position) written atomically after every epoch and at the end",
    defaultText: "none",
  }),
  resume: pathFlag("--resume", {
    help: "continue the run saved in FILE up to --epochs, with its model, optimizer, seed and batch size " +
      "(the checkpoint's loss is kept too)",
    defaultText: "none",
  }),
  plot: pathFlag("--plot", { arg: "FILE.svg", help: "write the learning curves as SVG", extension: ".svg", defaultText: "none" }),
  grid: pathFlag("--grid", {
    arg: "FILE.svg", help: "write the first 18 test images with true and predicted labels as SVG", extension: ".svg", defaultText: "none",
  }),
  backend: BACKEND_FLAG,
  data: DATA_FLAG,
  json: JSON_FLAG,
};

type TrainValues = Values<typeof TRAIN_FLAGS>;
type Given = ReadonlySet<keyof typeof TRAIN_FLAGS>;

export const TRAIN = command({
  name: "train",
  summary: "train on Fashion-MNIST; print loss and accuracy per epoch",
  flags: TRAIN_FLAGS,
  examples: [
    "train",
    "train --epochs 3 --backend js",
    "train --model mlp --hidden 256 --optimizer adam --patience 3 --save mlp.wsmx",
    "train --resume mlp.wsmx --epochs 20 --save mlp.wsmx",
    "train --schedule cosine --loss huber:0.5 --plot curves.svg --grid grid.svg",
    "train --data ./fashion-mnist --json > run.json",
  ],
  run: train,
});

// ---------------------------------------------------------------------------------------------------------------
// The run

/** What the flags (and a checkpoint, when resuming) decide before any training happens. */
interface Plan {
  train: Dataset;
  model: DenseNetwork;
  optimizer: Optimizer;
  loss: LossConfig;
  seed: number;
  batchSize: number;
  shuffle: boolean;
  initialEpoch: number;
  history: EpochLogs[];
  resumedFrom?: { file: string; epoch: number };
}

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

async function train(o: TrainValues, out: Output, given: Given): Promise<number> {
  checkCombinations(o, given);
  const loss = resolveLoss(lossSpec(o)).config;
  const resume = o.resume === undefined ? undefined : await loadResume(o.resume, o, given);
  const { backend } = await init(o.backend === undefined ? {} : { backend: o.backend });
  const data = await loadData(o.data, out);
  const plan = resume ? resumedPlan(resume, o.resume!, data.train, loss) : freshPlan(o, data.train, loss);
  const { model, optimizer, loss: usedLoss } = plan;
  out.info(`backend: ${backend}  data: ${describeSource(data)} (${data.train.length} train, ${data.test.length} test)\n` +
    `model: ${describeModel(model.config)}  optimizer: ${describeOptimizer(optimizer.config)}  loss: ${describeLoss(usedLoss)}\n` +
    `${model.summary()}\n` +
    (plan.resumedFrom ? `resuming ${plan.resumedFrom.file} after epoch ${plan.initialEpoch}, up to epoch ${o.epochs}\n` : ""), o.json);

  const result = await runFit(o, out, plan, data.test);
  const { history, stopper } = result;
  const stopped = history.stopped === "aborted" ? "interrupted" : history.stopped === "callback" ? "early-stopping" : "completed";
  const lastEpoch = history.epochs[history.epochs.length - 1]?.epoch ?? plan.initialEpoch;
  // Early stopping puts back the best epoch's weights when it stops and at the last epoch; not after Ctrl-C.
  const keptEpoch = stopper && stopped !== "interrupted" ? stopper.bestEpoch() ?? lastEpoch : lastEpoch;

  let saved: { file: string; epoch: number } | undefined;
  if (o.save !== undefined) {
    const bytes = stopped === "interrupted"
      ? result.boundary!
      : model.save({ optimizer, training: { epoch: lastEpoch, ...runOptions(plan), history: history.epochs } });
    await writeOutput(o.save, bytes, "--save");
    saved = { file: o.save, epoch: lastEpoch };
  }
  const pictures = await drawPictures(o, out, history, model, data, optimizer);

  const rows = history.epochs.map((e): EpochRow => ({
    epoch: e.epoch, trainLoss: e.loss, trainAcc: e.acc, testLoss: e.valLoss ?? null, testAcc: e.valAcc ?? null,
    lr: e.lr ?? null, ms: e.ms,
  }));
  const kept = rows.find((r) => r.epoch === keptEpoch);
  // This invocation's epochs only: a resumed run's earlier epochs were timed by an earlier process.
  const trainMs = rows.reduce((sum, r) => sum + (r.epoch > plan.initialEpoch ? r.ms : 0), 0);
  const code = stopped === "interrupted" ? EXIT_INTERRUPTED : 0;

  if (o.json) {
    out.io.stdout(json({
      backend: history.backend,
      model: model.config,
      optimizer: optimizer.config,
      loss: usedLoss,
      data: { source: data.source, train: data.train.length, test: data.test.length },
      options: { epochs: o.epochs, batchSize: plan.batchSize, lr: optimizer.config.lr, seed: plan.seed },
      epochs: rows.map((r) => ({ ...r, ms: roundMs(r.ms) })),
      totals: { ms: roundMs(history.ms), trainMs: roundMs(trainMs), testAcc: kept?.testAcc ?? null, testLoss: kept?.testLoss ?? null },
      stopped,
      ...(stopper && { bestEpoch: stopper.bestEpoch() ?? null }),
      ...(plan.resumedFrom && { resumedFrom: plan.resumedFrom }),
      ...(saved && { saved }),
      ...pictures,
    }));
    return code;
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
  out.io.stdout(text);
  return code;
}

function runOptions(plan: Plan): { seed: number; batchSize: number; shuffle: boolean; loss: LossConfig } {
  return { seed: plan.seed, batchSize: plan.batchSize, shuffle: plan.shuffle, loss: plan.loss };
}

/**
 * Fits with the callbacks the flags ask for: progress, --save after every epoch, --patience; Ctrl-C (io.signal)
 * stops it after the current batch. `boundary` is the checkpoint of the last whole epoch, which is what --save
 * keeps when the run is interrupted mid-epoch; `midEpoch` says whether it was.
 */
async function runFit(o: TrainValues, out: Output, plan: Plan, test: Dataset):
  Promise<{ history: History; midEpoch: boolean; boundary?: Uint8Array; stopper?: ReturnType<typeof earlyStopping> }> {
  const { io } = out, { model, optimizer } = plan;
  let midEpoch = false;
  const callbacks: Callback[] = [
    ({ phase }) => { midEpoch = phase === "batch"; },
    io.isTTY ? progressLogger({ write: out.progress }) : epochLines(out.progress),
  ];
  let boundary: Uint8Array | undefined;
  if (o.save !== undefined) {
    const file = o.save;
    boundary = model.save({ optimizer, training: { epoch: plan.initialEpoch, ...runOptions(plan), history: [...plan.history] } });
    callbacks.push(checkpointEvery({ write: async (bytes) => { boundary = bytes; await writeOutput(file, bytes, "--save"); } }));
  }
  // After checkpointEvery, so the epoch checkpoints hold the weights as trained, and only the final one the best.
  const stopper = o.patience === undefined ? undefined : earlyStopping({ monitor: "valLoss", patience: o.patience, restoreBestWeights: true });
  if (stopper) callbacks.push(stopper);

  const onAbort = () => {
    out.endLine();
    out.progress("interrupted: stopping after the current batch (Ctrl-C again quits at once)\n");
  };
  io.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const history = await fit(model, plan.train, {
      epochs: o.epochs, initialEpoch: plan.initialEpoch, batchSize: plan.batchSize, optimizer, loss: plan.loss,
      validationData: test, seed: plan.seed, shuffle: plan.shuffle, callbacks, history: plan.history,
      ...(io.signal && { signal: io.signal }),
    });
    return { history, midEpoch, ...(boundary && { boundary }), ...(stopper && { stopper }) };
  } finally {
    io.signal?.removeEventListener("abort", onAbort);
    out.endLine();
  }
}

// Rules between flags; each flag's own value was checked when it was parsed.
function checkCombinations(o: TrainValues, given: Given): void {
  const usage = (message: string) => usageError("train", message);
  if (o.hidden && o.model === "softmax") {
    throw usage("--hidden needs --model mlp: softmax regression has no hidden layers.");
  }
  if (given.has("momentum") && o.optimizer === "adam") {
    throw usage("--momentum applies to --optimizer sgd only: Adam's momentum is its beta1 (0.9).");
  }
  if (given.has("labelSmoothing") && o.loss && o.loss.type !== "cross-entropy") {
    throw usage(`--label-smoothing applies to --loss cross-entropy only, not "${o.loss.type}".`);
  }
  if (o.schedule?.type === "cosine" && o.resume === undefined && o.schedule.minLr > learningRate(o)) {
    throw usage(`Invalid --schedule: expected MINLR ≤ the learning rate (${learningRate(o)}), got "cosine:${o.schedule.minLr}".`);
  }
}

function learningRate(o: TrainValues): number {
  return o.lr ?? (o.optimizer === "adam" ? 0.001 : 0.1);
}

function schedule(o: TrainValues): Schedule | undefined {
  if (!o.schedule) return undefined;
  return o.schedule.type === "step" ? o.schedule : { type: "cosine", epochs: o.epochs, minLr: o.schedule.minLr };
}

function lossSpec(o: TrainValues): LossSpec {
  const loss = o.loss ?? { type: "cross-entropy" };
  return loss.type === "cross-entropy" ? { type: "cross-entropy", labelSmoothing: o.labelSmoothing } : loss;
}

function freshPlan(o: TrainValues, train: Dataset, loss: LossConfig): Plan {
  const { features: inputs, classes } = train;
  const model = o.model === "mlp" || (o.model === undefined && o.hidden)
    ? new MLP({ layers: [inputs, ...(o.hidden ?? [256]), classes], seed: o.seed })
    : new SoftmaxRegression({ inputs, classes, seed: o.seed });
  const common = { lr: learningRate(o), weightDecay: o.weightDecay, ...(o.schedule && { schedule: schedule(o)! }) };
  const optimizer = o.optimizer === "adam" ? new Adam(common) : new SGD({ ...common, momentum: o.momentum });
  return { train, model, optimizer, loss, seed: o.seed, batchSize: o.batchSize, shuffle: true, initialEpoch: 0, history: [] };
}

/** Loads the checkpoint for --resume and checks that the command line agrees with it. */
async function loadResume(file: string, o: TrainValues, given: Given): Promise<Checkpoint> {
  const usage = (message: string) => usageError("train", message);
  const checkpoint = await loadCheckpointFile(file);
  const { training, optimizer } = checkpoint;
  if (!training || !optimizer) {
    throw usage(`Cannot resume from ${file}: it holds a model but no ${training ? "optimizer" : "training position"}, ` +
      `so it was not written by \`train --save\`. Evaluate it with \`eval --model ${file}\`, or start a new run.`);
  }
  const conflicts = resumeConflicts(o, given, checkpoint.model.config, optimizer.config, training);
  if (conflicts.length) {
    throw usage(`--resume ${file} conflicts with ${conflicts.join(", ")}. A resumed run keeps the saved model, ` +
      "optimizer, seed and batch size: leave those flags out, or start a new run without --resume.");
  }
  if (training.epoch >= o.epochs) {
    throw usage(`Cannot resume from ${file}: it has already trained ${training.epoch} epoch${training.epoch === 1 ? "" : "s"}, ` +
      `and --epochs is ${o.epochs}${given.has("epochs") ? "" : " (the default)"}. ` +
      `Pass --epochs greater than ${training.epoch} to train further.`);
  }
  return checkpoint;
}

function resumeConflicts(o: TrainValues, given: Given, model: ModelConfig, optimizer: OptimizerConfig,
  training: NonNullable<Checkpoint["training"]>): string[] {
  const conflicts: string[] = [];
  const check = (key: keyof typeof TRAIN_FLAGS, same: boolean, typed: string, saved: string) => {
    if (given.has(key) && !same) conflicts.push(`${TRAIN_FLAGS[key].name} ${typed} (the checkpoint has ${saved})`);
  };
  const kind = model.type === "mlp" ? "mlp" : "softmax";
  const hidden = model.type === "mlp" ? model.layers.slice(1, -1).join(",") : "";
  check("model", o.model === kind, String(o.model), kind);
  check("hidden", (o.hidden ?? []).join(",") === hidden, (o.hidden ?? []).join(","), hidden || "no hidden layers");
  check("batchSize", o.batchSize === training.batchSize, String(o.batchSize), String(training.batchSize));
  check("seed", o.seed === training.seed, String(o.seed), String(training.seed));
  check("optimizer", o.optimizer === optimizer.type, String(o.optimizer), optimizer.type);
  check("lr", o.lr === optimizer.lr, String(o.lr), String(optimizer.lr));
  const momentum = optimizer.type === "sgd" ? optimizer.momentum : 0;
  check("momentum", o.momentum === momentum, String(o.momentum), optimizer.type === "sgd" ? String(momentum) : "adam, without momentum");
  check("weightDecay", o.weightDecay === optimizer.weightDecay, String(o.weightDecay), String(optimizer.weightDecay));
  const wantedLoss = resolveLoss(lossSpec(o)).config, savedLoss = training.loss;
  if ((given.has("loss") || given.has("labelSmoothing")) && savedLoss && JSON.stringify(wantedLoss) !== JSON.stringify(savedLoss)) {
    conflicts.push(`--loss ${describeLoss(wantedLoss)} (the checkpoint has ${describeLoss(savedLoss)})`);
  }
  const wanted = schedule(o), savedSchedule = optimizer.schedule;
  check("schedule", sameSchedule(wanted, savedSchedule), wanted ? describeSchedule(wanted) : "none",
    savedSchedule ? describeSchedule(savedSchedule) : "none");
  return conflicts;
}

function sameSchedule(a: Schedule | undefined, b: Schedule | undefined): boolean {
  const key = (s: Schedule | undefined) => !s ? "" : s.type === "step" ? `step:${s.stepSize}:${s.gamma}` : `cosine:${s.minLr ?? 0}:${s.epochs}`;
  return key(a) === key(b);
}

function resumedPlan(checkpoint: Checkpoint, file: string, train: Dataset, loss: LossConfig): Plan {
  const { model, optimizer, training } = checkpoint as Required<Checkpoint>;
  checkModelFits(file, model, train, "Resume on the data the run was trained on, or start a new run.");
  return {
    train, model, optimizer, loss: training.loss ?? loss, seed: training.seed, batchSize: training.batchSize, shuffle: training.shuffle,
    initialEpoch: training.epoch, history: training.history ?? [], resumedFrom: { file, epoch: training.epoch },
  };
}

async function drawPictures(o: TrainValues, out: Output, history: History, model: DenseNetwork, data: LoadedFashionMNIST,
  optimizer: Optimizer): Promise<{ plot?: string; grid?: string }> {
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
    const predictions = model.predict(test.x.subarray(0, count * test.features));
    await writeOutput(o.grid, imageGridSVG({
      images: test.x, imageShape: test.imageShape ?? [1, test.features], labels: test.y, predictions,
      ...(test.classNames && { classNames: test.classNames }), count,
    }), "--grid");
    written.grid = o.grid;
  }
  return written;
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

// Without a terminal a redrawn bar is noise in a log: one line per finished epoch instead.
function epochLines(write: (text: string) => void): Callback {
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
