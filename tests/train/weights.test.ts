// Weighing examples in training: classWeight, Dataset weights and trainOnBatch weights all reach the weighted
// losses, with the unweighted bits when every weight is 1 and the same bits across wasm builds and thread counts;
// a seeded sampler as the alternative; and every bad input refused with a typed error and a hint.
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { Trainer } from "../../src/train/trainer.js";
import type { TrainerOptions, EpochOptions } from "../../src/train/trainer.js";
import { classificationReport } from "../../src/train/metrics.js";
import { Dataset } from "../../src/data/dataset.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { optionError, rejection, thrown } from "../helpers/errors.js";

const runtimes: Record<string, Runtime> = {};
beforeAll(async () => {
  runtimes.simd = await createRuntime({ backend: "wasm-simd", threads: 1 });
  for (const threads of [2, 3]) runtimes[`threads${threads}`] = await createRuntime({ backend: "wasm-simd", threads });
});
afterAll(() => { for (const rt of Object.values(runtimes)) rt.close(); });

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
const data = blobs(240, 24, 3, 11);
const labelsOf = (d: Dataset) => Array.from(d.y);

/** Trains an MLP 24-16-3 for two epochs; returns its weights' bits and the epochs' losses. */
async function train(d: Dataset, options: TrainerOptions = {}, epoch: EpochOptions = {}, runtime = runtimes.simd!) {
  const model = new MLP({ layers: [24, 16, 3], seed: 5 });
  using trainer = new Trainer(model, { optimizer: new Adam({ lr: 0.01 }), batchSize: 32, runtime, ...options });
  const losses = [];
  for (let e = 1; e <= 2; e++) losses.push((await trainer.trainEpoch(d, { epoch: e, seed: 4, ...epoch })).loss);
  return { weights: bits(model.getParameters()), losses, model };
}

describe("class and example weights in training", () => {
  it("trains to the unweighted bits when every weight is 1, however it is given", async () => {
    const plain = await train(data);
    expect(await train(data, { classWeight: [1, 1, 1] })).toEqual(plain);
    expect(await train(data, { classWeight: { 1: 1 } })).toEqual(plain);
    expect(await train(Dataset.fromArrays(data.x, data.y, { features: 24, classes: 3, weights: new Float32Array(240).fill(1) }))).toEqual(plain);
  });

  it("gives class weights and the same weights per example the same bits, and 'balanced' its n / (k × count)", async () => {
    const perExample = Dataset.fromArrays(data.x, data.y, { features: 24, classes: 3, weights: labelsOf(data).map((y) => [3, 1, 0.5][y]!) });
    const byClass = await train(data, { classWeight: [3, 1, 0.5] });
    expect(await train(perExample)).toEqual(byClass);
    expect(byClass.weights).not.toBe((await train(data)).weights);
    const counts = [0, 1, 2].map((c) => labelsOf(data).filter((y) => y === c).length);
    expect(await train(data, { classWeight: "balanced" })).toEqual(await train(data, { classWeight: counts.map((n) => 240 / (3 * n)) }));
    // Dataset weights and class weights multiply.
    const both = await train(Dataset.fromArrays(data.x, data.y, { features: 24, classes: 3, weights: labelsOf(data).map((y) => [3, 1, 1][y]!) }),
      { classWeight: [1, 1, 0.5] });
    expect(both).toEqual(byClass);
  });

  it("trains weighted data to the same bits on 1, 2 and 3 threads, resident or streamed", async () => {
    const expected = await train(data, { classWeight: "balanced" });
    for (const name of ["threads2", "threads3"]) expect((await train(data, { classWeight: "balanced" }, {}, runtimes[name])).weights, name).toBe(expected.weights);
    expect(await train(data, { classWeight: "balanced", residentBytes: 0 })).toEqual(expected);
  });

  it("reports an epoch's loss as Σ w·loss / Σ w over its examples", async () => {
    const model = new SoftmaxRegression({ inputs: 24, classes: 3, seed: 1, weightStd: 0.5 });
    using trainer = new Trainer(model, { optimizer: new SGD({ lr: 0.1 }), batchSize: 240, classWeight: [4, 1, 2], runtime: runtimes.simd });
    const p = trainer.predictOnBatch(data.x);
    let total = 0, weights = 0;
    labelsOf(data).forEach((y, i) => {
      const w = [4, 1, 2][y]!;
      total += w * -Math.log(p[i * 3 + y]!);
      weights += w;
    });
    const { loss } = await trainer.trainEpoch(data, { shuffle: false });
    expect(loss).toBeCloseTo(total / weights, 5);
  });

  it("weighs trainOnBatch rows by their weights times the class weights, as trainEpoch weighs a Dataset's", async () => {
    const rows = data.subset(Array.from({ length: 32 }, (_, i) => i));
    const w = Array.from({ length: 32 }, (_, i) => (i % 4) / 2);
    const viaEpoch = await train(Dataset.fromArrays(rows.x, rows.y, { features: 24, classes: 3, weights: w }), { classWeight: [1, 2, 3] }, { shuffle: false });
    const model = new MLP({ layers: [24, 16, 3], seed: 5 });
    using trainer = new Trainer(model, { optimizer: new Adam({ lr: 0.01 }), batchSize: 32, classWeight: [1, 2, 3], runtime: runtimes.simd });
    for (let e = 1; e <= 2; e++) trainer.trainOnBatch(rows.x, rows.y, { epoch: e, weights: w });
    expect(bits(model.getParameters())).toBe(viaEpoch.weights);
  });

  it("lifts a rare class's recall with classWeight 'balanced'", async () => {
    // Class 2 cut to 1 example in 12 of the others': plain training mostly ignores it.
    const keep = labelsOf(data).flatMap((y, i) => (y !== 2 || i % 12 === 0 ? [i] : []));
    const rare = data.subset(keep), test = blobs(600, 24, 3, 11).subset(Array.from({ length: 300 }, (_, i) => 300 + i));
    const recall = async (options: TrainerOptions) => {
      const model = new SoftmaxRegression({ inputs: 24, classes: 3, seed: 0 });
      await fit(model, rare, { epochs: 5, batchSize: 16, optimizer: new SGD({ lr: 0.05 }), runtime: runtimes.simd, ...options });
      return classificationReport(model, test, { runtime: runtimes.simd }).classes[2]!.recall;
    };
    const plain = await recall({}), balanced = await recall({ classWeight: "balanced" });
    expect(balanced).toBeGreaterThan(plain);
  });
});

describe("bad weights", () => {
  const model = () => new SoftmaxRegression({ inputs: 24, classes: 3 });
  const classWeight = (spec: unknown) => optionError(() => new Trainer(model(), { classWeight: spec as never, runtime: runtimes.simd }));

  it.each([
    [[1, 2], "classWeight", "an array of 3 weights, one per class"],
    [[1, -1, 1], "classWeight[1]", "a finite number ≥ 0"],
    [[1, NaN, 1], "classWeight[1]", "a finite number ≥ 0"],
    [[0, 0, 0], "classWeight", "at least one weight above 0"],
    [{ 3: 1 }, "classWeight", "class indices in [0, 3)"],
    [{ 0: Infinity }, "classWeight[0][0]", "a finite number ≥ 0"],
    ["even", "classWeight", 'an array of weights, a map { class: weight }, or "balanced"'],
  ])("refuses classWeight %j with an OptionError naming %s", (spec, option, rule) => {
    const error = classWeight(spec);
    expect(error.option).toBe(option);
    expect(error.rule).toBe(rule);
    expect(error.hint ?? error.message).toMatch(/weight/);
  });

  it("refuses Dataset weights of the wrong count with a ShapeError, and a negative, NaN or infinite one naming it", () => {
    const count = thrown(() => Dataset.fromArrays(data.x, data.y, { features: 24, classes: 3, weights: [1, 2] }));
    expect(count).toBeInstanceOf(ShapeError);
    expect(count.message).toBe("Invalid weights: expected 240 weights, one per example, got 2. Give one weight per example.");
    for (const bad of [-0.5, NaN, Infinity]) {
      const w = new Array(240).fill(1);
      w[7] = bad;
      expect(optionError(() => Dataset.fromArrays(data.x, data.y, { features: 24, classes: 3, weights: w })).option).toBe("weights[7]");
    }
  });

  it("carries weights through subset and concat (1 for parts without)", () => {
    const w = Float32Array.from({ length: 240 }, (_, i) => i / 10);
    const weighted = Dataset.fromArrays(data.x, data.y, { features: 24, classes: 3, weights: w });
    expect(Array.from(weighted.subset([5, 2]).weights!)).toEqual([w[5], w[2]]);
    const joined = Dataset.concat([weighted.subset([3]), data.subset([0, 1])]);
    expect(Array.from(joined.weights!)).toEqual([w[3], 1, 1]);
    expect(Dataset.concat([data.subset([0]), data.subset([1])]).weights).toBeUndefined();
  });

  it("refuses trainOnBatch weights that do not fit the batch", () => {
    using trainer = new Trainer(model(), { batchSize: 8, runtime: runtimes.simd });
    const x = data.x.subarray(0, 48), y = data.y.subarray(0, 2);
    expect(thrown(() => trainer.trainOnBatch(x, y, { weights: [1] }))).toBeInstanceOf(ShapeError);
    expect(optionError(() => trainer.trainOnBatch(x, y, { weights: [1, -2] })).option).toBe("weights[1]");
  });
});

describe("the sampler", () => {
  it("draws every class about equally often with 'balanced', the same draws for the same seed", async () => {
    const keep = labelsOf(data).flatMap((y, i) => (y !== 2 || i % 10 === 0 ? [i] : []));
    const rare = data.subset(keep);
    const { sampledOrder, samplerOf } = await import("../../src/data/sampler.js");
    const order = sampledOrder(samplerOf("balanced", rare), 7, 1);
    expect(order.length).toBe(rare.length);
    const counts = [0, 1, 2].map((c) => Array.from(order).filter((i) => rare.y[i] === c).length);
    for (const n of counts) expect(Math.abs(n - rare.length / 3)).toBeLessThan(rare.length / 6);
    expect(Array.from(sampledOrder(samplerOf("balanced", rare), 7, 1))).toEqual(Array.from(order));
    expect(Array.from(sampledOrder(samplerOf("balanced", rare), 7, 2))).not.toEqual(Array.from(order));
    // Probabilities: an example of probability 0 is never drawn.
    const p = Array.from({ length: rare.length }, (_, i) => (i % 2 ? 1 : 0));
    expect(Array.from(sampledOrder(samplerOf(p, rare), 3, 1)).every((i) => i % 2 === 1)).toBe(true);
  });

  it("trains on the draws: the same bits for the same seed, on every thread count", async () => {
    const a = await train(data, {}, { sampler: "balanced" });
    expect(await train(data, {}, { sampler: "balanced" }, runtimes.threads2)).toEqual(a);
    expect(a.weights).not.toBe((await train(data)).weights);
    const model = new SoftmaxRegression({ inputs: 24, classes: 3 });
    const history = await fit(model, data, { epochs: 2, sampler: "balanced", runtime: runtimes.simd });
    expect(history.epochs).toHaveLength(2);
  });

  it("refuses 'balanced' over data missing a class, probabilities all 0 or of the wrong count, and anything else", async () => {
    const twoClasses = data.subset(labelsOf(data).flatMap((y, i) => (y === 2 ? [] : [i])));
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 24, classes: 3 }), { runtime: runtimes.simd });
    const missing = await rejection(trainer.trainEpoch(twoClasses, { sampler: "balanced" }));
    expect(missing).toBeInstanceOf(OptionError);
    expect(missing.message).toMatch(/^Invalid sampler: expected "balanced" over data with examples of each of its 3 classes, got "balanced"\. Class 2 has none/);
    expect(missing.message).toContain('classWeight: "balanced"');
    const zeros = await rejection(trainer.trainEpoch(data, { sampler: new Array(240).fill(0) }));
    expect((zeros as OptionError).rule).toBe("probabilities that are not all 0");
    expect(await rejection(trainer.trainEpoch(data, { sampler: [1, 2] }))).toBeInstanceOf(ShapeError);
    expect(((await rejection(trainer.trainEpoch(data, { sampler: "even" as never }))) as OptionError).option).toBe("sampler");
  });
});

describe("fit's stratified validationSplit", () => {
  it("trains and validates as on stratifiedSplit's two sets from the same seed, and refuses stratify without validationSplit", async () => {
    const { stratifiedSplit } = await import("../../src/data/split.js");
    const run = async (d: Dataset, options: object) => {
      const model = new SoftmaxRegression({ inputs: 24, classes: 3 });
      const history = await fit(model, d, { epochs: 2, seed: 2, runtime: runtimes.simd, ...options });
      return { weights: bits(model.getParameters()), logs: history.epochs.map(({ ms: _, ...logs }) => logs) };
    };
    const { train: kept, validation } = stratifiedSplit(data, { validation: 0.25, seed: 2 });
    expect(await run(data, { validationSplit: 0.25, stratify: true })).toEqual(await run(kept, { validationData: validation }));
    const model = new SoftmaxRegression({ inputs: 24, classes: 3 });
    const error = await rejection(fit(model, data, { stratify: true, runtime: runtimes.simd }));
    expect((error as OptionError).option).toBe("stratify");
  });
});
