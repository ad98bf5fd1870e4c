// What a `train` run will do, decided from the flags alone or from a checkpoint and the flags that agree with it.
import type { Dataset } from "../data/dataset.js";
import { MLP, SoftmaxRegression } from "../model/models.js";
import type { DenseNetwork, ModelConfig } from "../model/network.js";
import { Adam, SGD } from "../optim/optimizer.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import type { Schedule } from "../optim/schedules.js";
import { resolveLoss } from "../train/losses.js";
import type { RunOptions } from "../train/events.js";
import { loadCheckpoint } from "../io/files-node.js";
import { resumeOptions } from "../io/checkpoint.js";
import type { Checkpoint, ResumeOptions } from "../io/checkpoint.js";
import { usageError } from "./args.js";
import { checkModelFits, describeLoss, describeSchedule } from "./output.js";
import { TRAIN_FLAGS, learningRate, lossSpec, schedule } from "./train-flags.js";
import type { Given, TrainValues } from "./train-flags.js";

/** What the flags (and a checkpoint, when resuming) decide before any training happens: fit's options and more. */
export interface Plan extends ResumeOptions {
  train: Dataset;
  model: DenseNetwork;
  resumedFrom?: { file: string; epoch: number };
}

export function runOptions(plan: Plan): RunOptions {
  return { seed: plan.seed, batchSize: plan.batchSize, shuffle: plan.shuffle, loss: plan.loss };
}


export function freshPlan(o: TrainValues, train: Dataset): Plan {
  const loss = resolveLoss(lossSpec(o)).config;
  const { features: inputs, classes } = train;
  const model = o.model === "mlp" || (o.model === undefined && o.hidden)
    ? new MLP({ layers: [inputs, ...(o.hidden ?? [256]), classes], seed: o.seed })
    : new SoftmaxRegression({ inputs, classes, seed: o.seed });
  const common = { lr: learningRate(o), weightDecay: o.weightDecay, ...(o.schedule && { schedule: schedule(o)! }) };
  const optimizer = o.optimizer === "adam" ? new Adam(common) : new SGD({ ...common, momentum: o.momentum });
  return { train, model, optimizer, loss, seed: o.seed, batchSize: o.batchSize, shuffle: true, initialEpoch: 0, history: [] };
}

/** Loads the checkpoint for --resume and checks that the command line agrees with it. */
export async function loadResume(file: string, o: TrainValues, given: Given): Promise<Checkpoint> {
  const usage = (message: string) => usageError("train", message);
  const checkpoint = await loadCheckpoint(file);
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

export function resumedPlan(checkpoint: Checkpoint, file: string, train: Dataset): Plan {
  checkModelFits(file, checkpoint.model, train, "Resume on the data the run was trained on, or start a new run.");
  const resume = resumeOptions(checkpoint);
  return { train, model: checkpoint.model, ...resume, resumedFrom: { file, epoch: resume.initialEpoch } };
}

