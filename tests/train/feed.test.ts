// What the feed accepts: soft targets for cross-entropy must be probability rows (non-negative, each summing to 1
// within 1e-3), in a Dataset and in trainOnBatch alike; other losses take any finite targets.
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { fit } from "../../src/train/fit.js";
import { evaluate } from "../../src/train/evaluate.js";
import { Trainer } from "../../src/train/trainer.js";
import { TARGET_SUM_TOLERANCE } from "../../src/train/losses.js";
import { Dataset } from "../../src/data/dataset.js";
import { ShapeError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { rejection, thrown } from "../helpers/errors.js";

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime({ backend: "js" });
});

const features = blobs(40, 6, 3, 2, false);
const HINT = 'Pass integer labels, or soft labels: each row divided by its sum. Targets that are not probabilities need a regression loss ("l2", "l1" or "huber").';

/** Target rows: each example's class at 0.8, the others sharing 0.2, with `change` applied to row 5. */
function targets(change: (row: Float32Array) => void = () => {}): Float32Array {
  const t = new Float32Array(40 * 3).fill(0.1);
  features.y.forEach((y, i) => { t[i * 3 + y] = 0.8; });
  change(t.subarray(15, 18));
  return t;
}
const dataset = (t: Float32Array) => Dataset.fromArrays(features.x, t, { features: 6, classes: 3 });
const model = () => new SoftmaxRegression({ inputs: 6, classes: 3 });

describe("soft targets for the cross-entropy loss", () => {
  it("states its tolerance: 1e-3 on each row's sum", () => {
    expect(TARGET_SUM_TOLERANCE).toBe(1e-3);
  });

  it("trains on rows that sum to 1 within the tolerance", async () => {
    const history = await fit(model(), dataset(targets((row) => { row[0]! += 0.0009; })), { epochs: 1, runtime });
    expect(history.epochs[0]!.loss).toBeGreaterThan(0);
  });

  it("refuses a Dataset whose row sums to more than 1, naming the row and the sum, before any step", async () => {
    const m = model(), before = m.getParameters();
    const error = await rejection(fit(m, dataset(targets((row) => { row.fill(0.4); })), { epochs: 1, runtime }));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe(`Invalid target row 5: expected non-negative values summing to 1 (within 0.001) for the cross-entropy loss, ` +
      `got values summing to 1.2. ${HINT}`);
    expect(m.getParameters()).toEqual(before);
  });

  it("refuses a Dataset with a negative target, naming its class", async () => {
    const error = await rejection(fit(model(), dataset(targets((row) => { row.set([1.5, -0.5, 0]); })), { epochs: 1, runtime }));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(/^Invalid target row 5: expected non-negative values summing to 1 \(within 0\.001\) for the cross-entropy loss, got -0\.5 at class 1\. /);
  });

  it("refuses such a Dataset in evaluate and in a Trainer's evaluate too", () => {
    const bad = dataset(targets((row) => { row.fill(0.5); }));
    expect(thrown(() => evaluate(model(), bad, { runtime }))).toBeInstanceOf(ShapeError);
    using trainer = new Trainer(model(), { runtime });
    expect(() => trainer.evaluate(bad)).toThrow(/^Invalid target row 5: /);
  });

  it("takes the same targets as regression targets for the l2 loss", async () => {
    const history = await fit(model(), dataset(targets((row) => { row.set([3, -2, 0.5]); })), { epochs: 1, loss: "l2", runtime });
    expect(Number.isFinite(history.epochs[0]!.loss)).toBe(true);
  });

  it("refuses trainOnBatch target rows that are not probabilities, and takes ones that are", () => {
    using trainer = new Trainer(model(), { batchSize: 4, runtime });
    const x = features.x.subarray(0, 4 * 6);
    const good = new Float32Array(4 * 3).fill(1 / 3);
    expect(Number.isFinite(trainer.trainOnBatch(x, good).loss)).toBe(true);
    const scaled = good.map((v) => v * 2);
    const error = thrown(() => trainer.trainOnBatch(x, scaled));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(/^Invalid trainOnBatch target row 0: expected non-negative values summing to 1 \(within 0\.001\) for the cross-entropy loss, got values summing to 2\. /);
    const nan = good.slice();
    nan[7] = NaN;
    expect(() => trainer.trainOnBatch(x, nan)).toThrow(/^Invalid trainOnBatch target row 2: .*, got NaN at class 1\./);
  });
});
