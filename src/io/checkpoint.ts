// Models and training runs in and out of checkpoint bytes (the format is in ./format.ts), and the pieces that
// continue a run from one: resumeOptions and the checkpointEvery callback.
import { DenseNetwork } from "../model/network.js";
import { createModel } from "../model/models.js";
import type { Optimizer } from "../optim/optimizer.js";
import { createOptimizer } from "../optim/optimizer.js";
import type { Callback, EpochLogs } from "../train/events.js";
import type { LossConfig } from "../train/losses.js";
import { resolveLoss } from "../train/losses.js";
import { FormatError, OptionError, WasmSoftmaxError } from "../errors.js";
import { RULES, check, checkFewKeys, checkOr, integerIn, oneOf, rule } from "../validate.js";
import { CORRUPT_HINT, packCheckpoint } from "./format.js";
import { readModelBytes } from "./model-bytes.js";
import type { DecodeCheckpointOptions } from "./model-bytes.js";
import type { TrainingState } from "./format.js";
import type { WeightsDtype } from "./weights.js";

/** A model, with the optimizer and training position when it was saved during a run. */
export interface Checkpoint {
  model: DenseNetwork;
  optimizer?: Optimizer;
  training?: TrainingState;
}

const MODEL = rule<DenseNetwork>("a model such as new SoftmaxRegression({ inputs: 784, classes: 10 })", (v) => v instanceof DenseNetwork);

/**
 * Serialises a model, and optionally its optimizer and training position, into checkpoint bytes.
 * @throws {OptionError} for an unknown key or a `model` that is not a wasm-softmax model.
 * @example
 * const bytes = encodeCheckpoint({ model, optimizer, training: { epoch: 3, seed: 0, batchSize: 256, shuffle: true } });
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const { model, optimizer, training } = checkFewKeys("encodeCheckpoint", checkpoint, ["model", "optimizer", "training"]);
  check("model", model, MODEL);
  return packCheckpoint({
    model: model.config,
    parameters: model.getParameters(),
    ...(optimizer && {
      optimizer: { config: optimizer.config, steps: optimizer.steps, state: optimizer.state ?? new Float32Array(optimizer.stateSize(model.size)) },
    }),
    ...(training && { training }),
  });
}

/** Options of `encodeModel`. */
export interface EncodeModelOptions {
  /**
   * How to store the parameters: "f32" (default, exact), "f16" (half the bytes; IEEE half precision, rounded to
   * nearest even) or "int8" (about a quarter: each weight row as int8 with one f32 scale, biases f32).
   */
  dtype?: WeightsDtype;
}

const DTYPE = oneOf<WeightsDtype>(["f32", "f16", "int8"]);

/**
 * A model's config (with its class names, input description and metadata) and parameters as bytes, for
 * `decodeModel`; `{ dtype: "f16" | "int8" }` stores the parameters in half or a quarter of the bytes.
 * @throws {OptionError} when `model` is not a wasm-softmax model, for an unknown option or dtype, or for "f16"
 *   when a parameter is beyond f16's ±65504.
 * @example
 * const bytes = encodeModel(model, { dtype: "int8" }); // later: decodeModel(bytes)
 */
export function encodeModel(model: DenseNetwork, options?: EncodeModelOptions): Uint8Array {
  const dtype = checkOr("dtype", checkFewKeys("encodeModel", options, ["dtype"]).dtype, DTYPE, "f32");
  check("model", model, MODEL);
  return packCheckpoint({ model: model.config, parameters: model.getParameters(), dtype });
}

export type { DecodeCheckpointOptions } from "./model-bytes.js";

/** Options of `loadModel` and `loadCheckpoint`. */
export type LoadOptions = Omit<DecodeCheckpointOptions, "source">;

/**
 * Reads checkpoint bytes back into a model, and the optimizer and training position when they were saved.
 * Everything is checked before anything is built (the checksum, the lengths against the payload and the model
 * size cap, finite weights, every field of the training and optimizer state), so a bad file never loads
 * partially. The second argument is the source name, or options.
 * @throws {FormatError} for a wrong magic, unknown version, malformed header, wrong lengths, a CRC mismatch,
 *   non-finite weights (unless `allowNonFinite`), or a config that does not describe a valid model, optimizer or
 *   training position.
 * @throws {OptionError} for bytes that are not a Uint8Array, or an unknown or invalid option.
 * @example
 * const { model, optimizer, training } = decodeCheckpoint(bytes, { source: "run.wsmx" });
 */
export function decodeCheckpoint(bytes: Uint8Array, options: string | DecodeCheckpointOptions = {}): Checkpoint {
  const { header, parameters, state, source } = readModelBytes(bytes, options, "decodeCheckpoint");
  const fail = (expected: string, actual: string, hint = CORRUPT_HINT): never => {
    throw new FormatError(source, expected, actual, hint);
  };
  try {
    if (header.optimizer !== undefined) checkOptimizerEntry(header.optimizer);
    if (header.training !== undefined) checkTraining(renameAccuracy(header.training));
    const model = createModel(header.model);
    if (model.size !== header.parameters) fail(`${model.size} parameters for this model`, `${header.parameters}`);
    model.setParameters(parameters);
    let optimizer: Optimizer | undefined;
    if (header.optimizer) {
      optimizer = createOptimizer(header.optimizer.config);
      optimizer.restore(state, header.optimizer.steps, model.size);
    }
    return { model, ...(optimizer && { optimizer }), ...(header.training && { training: header.training }) };
  } catch (error) {
    if (error instanceof FormatError || !(error instanceof WasmSoftmaxError)) throw error;
    throw new FormatError(source, "a valid model, optimizer and training position", error.message.replace(/\.$/, ""), CORRUPT_HINT);
  }
}

const OBJECT = rule<Record<string, unknown>>("an object", (v) => typeof v === "object" && v !== null && !Array.isArray(v));
const NUMBER = rule<number>("a number", (v) => typeof v === "number");

function checkOptimizerEntry(entry: unknown): void {
  const e = check("optimizer", entry, OBJECT);
  check("optimizer.config", e.config, OBJECT);
  check("optimizer.steps", e.steps, RULES.countOrZero);
}

// Checkpoints written before 0.2.0 name the history's accuracies `acc` and `valAcc`: read under today's names.
function renameAccuracy(training: unknown): unknown {
  const history = (training as { history?: unknown } | null)?.history;
  if (!Array.isArray(history)) return training;
  for (const entry of history) {
    if (typeof entry !== "object" || entry === null) continue;
    const e = entry as Record<string, unknown>;
    for (const [old, name] of [["acc", "accuracy"], ["valAcc", "valAccuracy"]] as const) {
      if (old in e && !(name in e)) { e[name] = e[old]; delete e[old]; }
    }
  }
  return training;
}

// A training position goes straight into fit's options when resuming: checked here, a damaged one is a
// FormatError about the file rather than an OptionError about options the caller never wrote.
function checkTraining(training: unknown): void {
  const t = check("training", training, OBJECT);
  const epoch = check("training.epoch", t.epoch, RULES.countOrZero);
  check("training.seed", t.seed, RULES.seed);
  check("training.batchSize", t.batchSize, RULES.batchSize);
  check("training.shuffle", t.shuffle, RULES.boolean);
  if (t.loss !== undefined) resolveLoss(t.loss as LossConfig);
  if (t.history === undefined) return;
  const history = check("training.history", t.history, rule<unknown[]>("an array of epoch logs", Array.isArray));
  let last = 0;
  history.forEach((entry, i) => {
    const at = `training.history[${i}]`;
    const h = check(at, entry, OBJECT);
    last = check(`${at}.epoch`, h.epoch, integerIn(last + 1, epoch, `an epoch in [${last + 1}, ${epoch}] (after the one before, up to training.epoch)`));
    for (const key of ["loss", "accuracy", "ms"]) check(`${at}.${key}`, h[key], NUMBER);
    for (const key of ["valLoss", "valAccuracy", "lr"]) if (h[key] !== undefined) check(`${at}.${key}`, h[key], NUMBER);
  });
}

/**
 * Reads a model saved with `encodeModel` or `encodeCheckpoint`.
 * @throws {FormatError} as `decodeCheckpoint`.
 * @throws {OptionError} as `decodeCheckpoint`.
 * @example
 * const model = decodeModel(bytes);
 */
export function decodeModel(bytes: Uint8Array, options?: string | DecodeCheckpointOptions): DenseNetwork {
  return decodeCheckpoint(bytes, options).model;
}

/** The fit options that continue a checkpointed run exactly where it stopped. */
export interface ResumeOptions {
  optimizer: Optimizer;
  initialEpoch: number;
  seed: number;
  batchSize: number;
  shuffle: boolean;
  loss: LossConfig;
  history: EpochLogs[];
}

/**
 * The options that make `fit` continue a checkpointed run: its optimizer (with state), the epoch reached (so
 * shuffles and scheduled rates carry on), seed, batch size, shuffle flag, loss and history. Add `epochs` (and
 * data, callbacks) and the weights come out bit-identical to an uninterrupted run.
 * @throws {OptionError} when the checkpoint holds no optimizer or training position (it was saved with
 *   `encodeModel`, not during a run).
 * @example
 * const { model, ...saved } = decodeCheckpoint(bytes);
 * await fit(model, train, { ...resumeOptions({ model, ...saved }), epochs: 10 });
 */
export function resumeOptions(checkpoint: Checkpoint): ResumeOptions {
  const { optimizer, training } = checkpoint ?? {};
  if (!optimizer || !training) {
    throw new OptionError("checkpoint", "one saved during training (with its optimizer and training position)",
      !optimizer ? "one without an optimizer" : "one without a training position",
      "Save runs with checkpointEvery() or `wasm-softmax train --save`, or pass the options to fit() yourself.");
  }
  return {
    optimizer, initialEpoch: training.epoch, seed: training.seed, batchSize: training.batchSize, shuffle: training.shuffle,
    loss: training.loss ?? { type: "cross-entropy", labelSmoothing: 0 }, history: [...(training.history ?? [])],
  };
}

/**
 * A callback that saves a checkpoint (model, optimizer state and training position) after every epoch, or
 * every `every` epochs, handing the bytes to `write` (in Node: `(bytes) => saveCheckpoint(bytes, path)`).
 * Resuming from it with `fit(model, data, { ...resumeOptions(decodeCheckpoint(bytes)), epochs })` gives the
 * same weights as an uninterrupted run.
 * @throws {OptionError} for an unknown key, a `write` that is not a function, or `every` not an integer ≥ 1.
 * @example
 * await fit(model, train, { optimizer, callbacks: [checkpointEvery({ write: (bytes) => saveCheckpoint(bytes, "run.wsmx") })] });
 */
export function checkpointEvery(options: { write: (bytes: Uint8Array, epoch: number) => void | Promise<void>; every?: number }): Callback {
  const o = checkFewKeys("checkpointEvery", options, ["write", "every"]);
  const write = check("write", o.write, rule<typeof o.write>("a function taking the checkpoint bytes", (v) => typeof v === "function"));
  const every = checkOr("every", o.every, RULES.count, 1);
  return async ({ phase, epoch, model, optimizer, run, history }) => {
    if (phase !== "epoch" || epoch % every !== 0) return;
    await write(encodeCheckpoint({ model, optimizer, training: { epoch, ...run, history: [...history] } }), epoch);
  };
}
