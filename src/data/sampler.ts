// Resampling instead of weighing: each epoch draws its examples with replacement, with probabilities per example,
// from (seed, epoch) alone, so a resumed run draws what an uninterrupted one does.
import { OptionError } from "../errors.js";
import { Rng } from "../util/random.js";
import { checkWeights } from "../validate.js";
import { STREAM_SAMPLE } from "./batches.js";
import type { Dataset } from "./dataset.js";

/**
 * How an epoch picks its examples: `"balanced"` draws every class equally often (each example with probability
 * 1 / (k × count of its class), k the number of classes), or one probability per example (any scale: they are
 * normalised). An epoch draws as many examples as the data set has, with replacement.
 */
export type Sampler = "balanced" | ArrayLike<number>;

const HINT = 'Pass "balanced" or one probability ≥ 0 per example (not all 0).';

/**
 * @internal The running sums of the sampler's probabilities over `data` (the last one their total).
 * @throws {OptionError} for a sampler that is neither, probabilities that are all 0, or "balanced" over a data set
 *   missing a class.
 * @throws {ShapeError} for probabilities of another count than the examples.
 */
export function samplerOf(spec: unknown, data: Dataset): Float64Array {
  let p: ArrayLike<number>;
  if (spec === "balanced") {
    const counts = new Float64Array(data.classes);
    for (const y of data.y) counts[y]!++;
    const missing = counts.findIndex((n) => n === 0);
    if (missing >= 0) {
      const name = data.classNames ? ` (${data.classNames[missing]})` : "";
      throw new OptionError("sampler", `"balanced" over data with examples of each of its ${data.classes} classes`, spec,
        `Class ${missing}${name} has none, so it cannot be drawn as often as the others: train with classWeight: "balanced" instead, ` +
        "or give per-example probabilities.");
    }
    p = Float64Array.from(data.y, (y) => 1 / counts[y]!);
  } else if (typeof spec === "object" && spec !== null && typeof (spec as ArrayLike<number>).length === "number") {
    p = checkWeights("sampler", spec, data.length);
  } else {
    throw new OptionError("sampler", '"balanced" or an array of per-example probabilities', spec, HINT);
  }
  const cumulative = new Float64Array(data.length);
  let sum = 0;
  for (let i = 0; i < data.length; i++) cumulative[i] = sum += p[i]!;
  if (!(sum > 0)) throw new OptionError("sampler", "probabilities that are not all 0", spec, HINT);
  return cumulative;
}

/** @internal The examples epoch `epoch` visits: `cumulative.length` draws with replacement. */
export function sampledOrder(cumulative: Float64Array, seed: number, epoch: number): Int32Array {
  const n = cumulative.length, total = cumulative[n - 1]!, rng = new Rng(seed, STREAM_SAMPLE + epoch), order = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    // The first example whose running sum exceeds a uniform point in [0, total); zero-probability ones never are.
    const u = rng.uniform() * total;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    order[k] = lo;
  }
  return order;
}
