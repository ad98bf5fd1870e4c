// The flags of `wasm-softmax train`, their defaults, and the rules between them. Values are checked by the
// library's own rules (src/validate.ts, the optimizer's schedule check), so the CLI never restates them.
import type { Schedule } from "../optim/schedules.js";
import { checkSchedule } from "../optim/schedules.js";
import type { LossSpec } from "../train/losses.js";
import { HUBER_DELTA, LABEL_SMOOTHING, RULES } from "../validate.js";
import { OptionError } from "../errors.js";
import {
  BACKEND_FLAG, DATA_FLAG, THREADS_FLAG, JSON_FLAG, choiceFlag, decimal, integerFlag, invalid, numberFlag, pathFlag, switchFlag, usageError, widthsFlag,
} from "./args.js";
import type { Flag, Values } from "./args.js";

/** --schedule as typed; a cosine schedule spans --epochs, filled in once the run's length is known. */
type ScheduleFlag = { type: "step"; stepSize: number; gamma: number } | { type: "cosine"; minLr: number };

const SCHEDULE_FLAG: Flag<ScheduleFlag | undefined> = {
  name: "--schedule", arg: "SPEC", default: undefined, defaultText: "none, a constant rate",
  help: "learning-rate schedule: step:STEP:GAMMA multiplies the rate by GAMMA every STEP epochs; cosine[:MINLR] " +
    "anneals it to MINLR (default 0) over --epochs",
  rule: '"step:STEP:GAMMA" (STEP an integer ≥ 1, GAMMA in (0, 1]), "cosine" or "cosine:MINLR" (MINLR ≥ 0)',
  parse(raw) {
    const [type, ...args] = raw.split(":");
    try {
      // The cosine schedule's length is --epochs and its bound the learning rate: both checked once known.
      if (type === "step" && args.length === 2) return checkSchedule({ type, stepSize: decimal(args[0]!), gamma: decimal(args[1]!) }, Infinity) as ScheduleFlag;
      if (type === "cosine" && args.length <= 1) {
        const { minLr = 0 } = checkSchedule({ type, epochs: 1, minLr: args.length ? decimal(args[0]!) : 0 }, Infinity) as { minLr?: number };
        return { type, minLr };
      }
    } catch (error) {
      if (!(error instanceof OptionError)) throw error;
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
      if (HUBER_DELTA.test(delta)) return { type: "huber", delta };
    }
    throw invalid(this.name, this.rule, raw);
  },
};

export const TRAIN_FLAGS = {
  model: choiceFlag("--model", ["softmax", "mlp"], {
    help: "softmax regression, or a multilayer perceptron with ReLU", defaultText: "softmax; mlp when --hidden is given",
  }),
  hidden: widthsFlag("--hidden", { help: "hidden layer widths of the mlp, from the input side", defaultText: "256, as in d2l" }),
  epochs: integerFlag("--epochs", { help: "passes over the training set", default: 10, rule: RULES.count }),
  batchSize: integerFlag("--batch-size", { help: "examples per optimizer step", default: 256, rule: RULES.batchSize }),
  optimizer: choiceFlag("--optimizer", ["sgd", "adam"], { help: "minibatch SGD or Adam", defaultText: "sgd" }),
  lr: numberFlag("--lr", {
    help: "learning rate", default: undefined, defaultText: "0.1 for sgd, 0.001 for adam", rule: RULES.positive,
  }),
  momentum: numberFlag("--momentum", { help: "momentum of sgd", default: 0, rule: RULES.fraction }),
  weightDecay: numberFlag("--weight-decay", {
    help: "L2 penalty added to the gradients", default: 0, rule: RULES.nonNegative,
  }),
  schedule: SCHEDULE_FLAG,
  loss: LOSS_FLAG,
  labelSmoothing: numberFlag("--label-smoothing", {
    help: "cross-entropy against soft labels: X spread over all classes", default: 0, rule: LABEL_SMOOTHING,
  }),
  validationSplit: numberFlag("--validation-split", {
    help: "hold out the last fraction X of the training set and report (and early-stop on) its loss after every " +
      "epoch; the test set is then evaluated once, at the end",
    default: undefined, defaultText: "none, the test set is evaluated after every epoch", rule: RULES.openFraction,
  }),
  stratify: switchFlag("--stratify",
    "with --validation-split: hold out that fraction of each class instead of the last examples, drawn from --seed"),
  patience: integerFlag("--patience", {
    help: "stop once the validation loss (the test loss without --validation-split) has not improved for N epochs, " +
      "and keep the best epoch's weights",
    default: undefined, defaultText: "off", rule: RULES.countOrZero,
  }),
  seed: integerFlag("--seed", {
    help: "seed of the initial weights and the shuffles", default: 0, rule: RULES.seed,
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
  threads: THREADS_FLAG,
  data: DATA_FLAG,
  json: JSON_FLAG,
};

export type TrainValues = Values<typeof TRAIN_FLAGS>;
export type Given = ReadonlySet<keyof typeof TRAIN_FLAGS>;

// Rules between flags; each flag's own value was checked when it was parsed.
export function checkCombinations(o: TrainValues, given: Given): void {
  const usage = (message: string) => usageError("train", message);
  if (o.hidden && o.model === "softmax") {
    throw usage("--hidden needs --model mlp: softmax regression has no hidden layers.");
  }
  if (given.has("momentum") && o.optimizer === "adam") {
    throw usage("--momentum applies to --optimizer sgd only: Adam's momentum is its beta1 (0.9).");
  }
  if (o.stratify && o.validationSplit === undefined) {
    throw usage("--stratify needs --validation-split: it says how the held-out fraction is drawn (--validation-split 0.1, say).");
  }
  if (given.has("labelSmoothing") && o.loss && o.loss.type !== "cross-entropy") {
    throw usage(`--label-smoothing applies to --loss cross-entropy only, not "${o.loss.type}".`);
  }
  if (o.schedule?.type === "cosine" && o.resume === undefined && o.schedule.minLr > learningRate(o)) {
    throw usage(`Invalid --schedule: expected MINLR ≤ the learning rate (${learningRate(o)}), got "cosine:${o.schedule.minLr}".`);
  }
}

export function learningRate(o: TrainValues): number {
  return o.lr ?? (o.optimizer === "adam" ? 0.001 : 0.1);
}

export function schedule(o: TrainValues): Schedule | undefined {
  if (!o.schedule) return undefined;
  return o.schedule.type === "step" ? o.schedule : { type: "cosine", epochs: o.epochs, minLr: o.schedule.minLr };
}

export function lossSpec(o: TrainValues): LossSpec {
  const loss = o.loss ?? { type: "cross-entropy" };
  return loss.type === "cross-entropy" ? { type: "cross-entropy", labelSmoothing: o.labelSmoothing } : loss;
}

