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

/** What `evaluate` returns: the examples counted, their mean loss and accuracy. */
export interface Evaluation {
  n: number;
  loss: number;
  accuracy: number;
}

/** Options of `evaluate(model, data, …)`; unknown keys are refused. */
export interface EvaluateOptions {
  /** Examples per forward pass (changes no result). Default 256. */
  batchSize?: number;
  /** Default "cross-entropy" (against soft targets when the data has them). */
  loss?: LossSpec;
  /** Where the kernels run. Default: the runtime `init()` set up. */
  runtime?: Runtime;
}

/**
 * @internal The mean loss and accuracy of the parameters at `params` in `space`'s memory on `data`,
 * fed by `feed`, `batchSize` rows per forward pass.
 */
export function evaluateOn(space: KernelSpace, model: DenseNetwork, params: Ptr, feed: Feed, data: Dataset,
                           loss: Loss, batchSize: number): Evaluation {
  // The plain mean, whatever the weights: evaluation reports how the model does on the data as it is.
  const { withTargets } = feed.prepare(data, { shuffle: false, seed: 0, epoch: 0 });
  const k = space.kernels, C = model.classes, B = Math.min(batchSize, data.length);
  const scope = new Scope(space.arena);
  try {
    const room = forwardRoom(scope, model.layers, B), logits = room.acts[room.acts.length - 1]!, scratch = scope.f32(B * C);
    const slots = { input: room.acts[0]!, stage: room.stage, labels: scope.i32(B), targets: withTargets ? scope.f32(B * C) : 0, weights: 0 };
    let lossSum = 0, correct = 0;
    for (const [start, end] of batchRanges(data.length, batchSize)) {
      const rows = feed.load(data, start, end, slots);
      forward(k, model.layout, params, room.acts, rows);
      correct += k.countCorrect(logits, slots.labels, rows, C);
      // The loss kernels write their gradient too: into the scratch, which nothing reads.
      lossSum += loss.forwardBackward(k, scratch, logits, slots.labels, slots.targets, rows, C) * rows;
    }
    return { n: data.length, loss: lossSum / data.length, accuracy: correct / data.length };
  } finally {
    scope.close();
  }
}

/**
 * Mean loss (cross-entropy unless `loss` says otherwise) and accuracy of `model` on `data`, without changing
 * it. Runs forward only: kernel memory holds the parameters and one batch, never gradients, and the data is
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
  const o = checkKeys("evaluate", options, ["batchSize", "loss", "runtime"]);
  check("model", model, MODEL);
  const batchSize = checkOr("batchSize", o.batchSize, RULES.batchSize, 256);
  const loss = resolveLoss(o.loss);
  const runtime = runtimeOf(o.runtime);
  checkDataset("data", data);
  const feed = new Feed(runtime, model, loss, 0);
  try {
    return evaluateOn(runtime, model, model.parametersIn(runtime.arena), feed, data, loss, batchSize);
  } finally {
    feed.close();
  }
}
