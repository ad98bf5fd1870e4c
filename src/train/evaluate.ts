// Loss and accuracy of a model on a data set, through the forward-only inference path: parameters, one batch of
// activations, labels and targets in kernel memory, no gradients.
import type { Ptr } from "../kernels/contract.js";
import { Scope } from "../runtime/memory.js";
import type { Dataset } from "../data/dataset.js";
import { batchRanges } from "../data/batches.js";
import { forward, forwardRoom } from "../model/inference.js";
import type { KernelSpace } from "../model/inference.js";
import { MODEL } from "../model/network.js";
import type { DenseNetwork } from "../model/network.js";
import type { Runtime } from "../runtime/runtime.js";
import { runtimeOf } from "../runtime/runtime.js";
import { RULES, check, checkKeys, checkOr } from "../validate.js";
import { resolveLoss } from "./losses.js";
import type { Loss, LossSpec } from "./losses.js";
import { Feed, checkDataset } from "./feed.js";

/**
 * What `evaluate` returns: the examples counted, their mean loss (weighted by the data's example weights, when it
 * has any), the fraction classified right, and that fraction weighted by the example weights.
 */
export interface Evaluation {
  n: number;
  /** Σ w·loss / Σ w over the examples (every w 1 when the data has no weights, or with `weighted: false`). */
  loss: number;
  /** Examples classified right / n: every example counts once, weighted or not (Keras's `metrics`). */
  accuracy: number;
  /** Σ w·right / Σ w (Keras's `weighted_metrics`); the same value as `accuracy` when every w is 1. */
  weightedAccuracy: number;
}

/** Options of `evaluate(model, data, …)`; unknown keys are refused. */
export interface EvaluateOptions {
  /** Examples per forward pass (changes no result). Default 256. */
  batchSize?: number;
  /** Default "cross-entropy" (against soft targets when the data has them). */
  loss?: LossSpec;
  /** Where the kernels run. Default: the runtime `init()` set up. */
  runtime?: Runtime;
  /** Whether the data's example weights (`Dataset.fromArrays(x, y, { weights })`) weigh the loss. Default true. */
  weighted?: boolean;
}

/**
 * @internal The mean loss and accuracy of the parameters at `params` in `space`'s memory on `data`,
 * fed by `feed`, `batchSize` rows per forward pass; weighted by the data's own example weights when `weighted`.
 */
export function evaluateOn(space: KernelSpace, model: DenseNetwork, params: Ptr, feed: Feed, data: Dataset,
                           loss: Loss, batchSize: number, weighted = true): Evaluation {
  // The data's own weights only, never a Trainer's class weights: those are a choice of how to train, while an
  // example's weight says how much it counts (Keras weighs evaluate and validation by sample_weight, not class_weight).
  // The feed is given no weight slot; the rows come in order, so the weights of rows [start, end) are written here.
  const weights = weighted ? data.weights : undefined;
  const { withTargets } = feed.prepare(data, { shuffle: false, seed: 0, epoch: 0 });
  const k = space.kernels, C = model.classes, B = Math.min(batchSize, data.length);
  const scope = new Scope(space.arena);
  try {
    const room = forwardRoom(scope, model.layers, B), logits = room.acts[room.acts.length - 1]!, scratch = scope.f32(B * C);
    const slots = { input: room.acts[0]!, stage: room.stage, labels: scope.i32(B), targets: withTargets ? scope.f32(B * C) : 0, weights: 0 };
    const w = weights ? scope.f32(B) : 0, predicted = weights ? scope.i32(B) : 0;
    // As an epoch's reported loss: each batch's weighted mean counts by its total weight (its rows when unweighted).
    let lossSum = 0, weightSum = 0, correct = 0, correctWeight = 0;
    for (const [start, end] of batchRanges(data.length, batchSize)) {
      const rows = feed.load(data, start, end, slots);
      forward(k, model.layout, params, room.acts, room.chunks, rows);
      correct += k.countCorrect(logits, slots.labels, rows, C);
      let batchWeight = rows;
      if (weights) {
        const buffer = space.arena.memory.buffer, batch = weights.subarray(start, end);
        new Float32Array(buffer, w, rows).set(batch);
        k.argmaxRows(predicted, logits, rows, C);
        const classes = new Int32Array(buffer, predicted, rows), labels = new Int32Array(buffer, slots.labels, rows);
        batchWeight = 0;
        for (let r = 0; r < rows; r++) {
          batchWeight += batch[r]!;
          if (classes[r] === labels[r]) correctWeight += batch[r]!;
        }
      }
      // The loss kernels write their gradient too: into the scratch, which nothing reads.
      lossSum += loss.forwardBackward(k, scratch, logits, slots.labels, slots.targets, rows, C, w) * batchWeight;
      weightSum += batchWeight;
    }
    // Weights all 0 weigh nothing: loss 0, as a batch of them has in training.
    const mean = (sum: number) => (weightSum > 0 ? sum / weightSum : 0);
    return { n: data.length, loss: mean(lossSum), accuracy: correct / data.length, weightedAccuracy: weights ? mean(correctWeight) : correct / data.length };
  } finally {
    scope.close();
  }
}

/**
 * Mean loss (cross-entropy unless `loss` says otherwise) and accuracy of `model` on `data`, without changing
 * it; the loss is the weighted mean Σ w·loss / Σ w when the data carries example weights (unless `weighted:
 * false`). Runs forward only: kernel memory holds the parameters and one batch, never gradients, and the data is
 * streamed a batch at a time.
 * @throws {OptionError} for an unknown or invalid option, a model that is not one, or data that is not a non-empty Dataset.
 * @throws {ShapeError} when the data's features or classes do not match the model, or when soft targets are not
 *   probability rows for the cross-entropy loss.
 * @throws {WasmError} before `init()` when no `runtime` is given.
 * @throws {ClosedError} when the runtime was closed.
 * @example
 * const { loss, accuracy } = evaluate(model, test);
 */
export function evaluate(model: DenseNetwork, data: Dataset, options?: EvaluateOptions): Evaluation {
  const o = checkKeys("evaluate", options, ["batchSize", "loss", "runtime", "weighted"]);
  check("model", model, MODEL);
  const batchSize = checkOr("batchSize", o.batchSize, RULES.batchSize, 256);
  const weighted = checkOr("weighted", o.weighted, RULES.boolean, true);
  const loss = resolveLoss(o.loss);
  const runtime = runtimeOf(o.runtime);
  checkDataset("data", data);
  const feed = new Feed(runtime, model, loss, 0);
  try {
    return evaluateOn(runtime, model, model.parametersIn(runtime.arena), feed, data, loss, batchSize, weighted);
  } finally {
    feed.close();
  }
}
