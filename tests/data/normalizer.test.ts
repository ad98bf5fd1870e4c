// The normaliser kept with a model: fitted against a float64 oracle, constant features shifted but not scaled,
// applied in training (resident or streamed, fit or trainOnBatch) and in predict with the same bits, and kept
// in the model file.
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/runtime/runtime.js";
import { Normalizer } from "../../src/data/normalizer.js";
import { Dataset, U8_SCALE } from "../../src/data/dataset.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { Trainer } from "../../src/train/trainer.js";
import { fit } from "../../src/train/fit.js";
import { SGD } from "../../src/optim/optimizer.js";
import { decodeModel, encodeModel } from "../../src/io/checkpoint.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { optionError, thrown } from "../helpers/errors.js";
import { randomF32 } from "../../bench/shared/random.js";

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

beforeAll(async () => { await init(); });

// Column statistics in float64, written independently of the Normalizer.
function columns(x: ArrayLike<number>, F: number): number[][] {
  return Array.from({ length: F }, (_, f) => Array.from({ length: x.length / F }, (_, i) => x[i * F + f]!));
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / v.length);

describe("Normalizer.fit", () => {
  const x = randomF32(50 * 4, 8, -3, 7);
  x.forEach((_, i) => { if (i % 4 === 2) x[i] = 1.5; }); // feature 2 is constant
  const data = Dataset.fromArrays(x, Int32Array.from({ length: 50 }, (_, i) => i % 2), { features: 4, classes: 2 });

  it("gives each feature's mean and population standard deviation as f32 values (standard, the default)", () => {
    const n = Normalizer.fit(data), cols = columns(x, 4);
    expect(n.kind).toBe("standard");
    expect(Array.from(n.offset)).toEqual(cols.map((c) => Math.fround(mean(c))));
    cols.forEach((c, f) => expect(n.spread[f]).toBeCloseTo(Math.fround(std(c)), 5));
  });

  it("gives each feature's minimum and range (minmax), mapping the training data into [0, 1]", () => {
    const n = Normalizer.fit(data, { kind: "minmax" }), cols = columns(x, 4);
    expect(Array.from(n.offset)).toEqual(cols.map((c) => Math.min(...c)));
    const out = x.slice();
    n.applyInPlace(out);
    for (const [f, c] of columns(out, 4).entries()) {
      if (f === 2) continue;
      expect(Math.min(...c)).toBe(0);
      expect(Math.max(...c)).toBe(1);
    }
  });

  it("shifts a constant feature without scaling it (divides by 1, as scikit-learn does) and lists it", () => {
    for (const kind of ["standard", "minmax"] as const) {
      const n = Normalizer.fit(data, { kind });
      expect(n.spread[2]).toBe(0);
      expect(n.constantFeatures).toEqual([2]);
      const row = Float32Array.of(0, 0, 4, 0);
      n.applyInPlace(row);
      expect(row[2]).toBe(2.5);
    }
  });

  it("fits Uint8 pixels on the values training sees, u8 × U8_SCALE", () => {
    const pixels = blobs(40, 5, 2, 3, true), n = Normalizer.fit(pixels, { kind: "minmax" });
    expect(Array.from(n.offset)).toEqual(columns(pixels.x, 5).map((c) => Math.fround(Math.min(...c) * U8_SCALE)));
  });

  it("computes (x − offset) / spread with each step rounded to f32", () => {
    const n = Normalizer.fit(data), row = x.slice(0, 4), want = Float32Array.from(row, (v, f) => {
      const d = n.spread[f] === 0 ? 1 : n.spread[f]!;
      return Math.fround(Math.fround(v - n.offset[f]!) / d);
    });
    n.applyInPlace(row);
    expect(sameBits(row, want)).toBe(true);
  });

  it("refuses NaN or infinite values, an empty data set, an unknown kind or option", () => {
    const bad = x.slice();
    bad[9] = NaN;
    expect(thrown(() => Dataset.fromArrays(bad, data.y, { features: 4, classes: 2 }))).toBeInstanceOf(ShapeError);
    const kept = Dataset.fromArrays(bad, data.y, { features: 4, classes: 2, allowNonFinite: true });
    const error = thrown(() => Normalizer.fit(kept));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe("Invalid data value at example 2, feature 1: expected a finite number, got NaN. " +
      "Remove or repair examples with NaN or infinite features before fitting a Normalizer.");
    expect(optionError(() => Normalizer.fit(data.subset([]))).message).toBe("Invalid data: expected at least one example, got \"an empty Dataset\".");
    expect(optionError(() => Normalizer.fit(data, { kind: "zscore" as "standard" })).message).toBe('Invalid kind: expected "standard" or "minmax", got "zscore".');
    expect(optionError(() => Normalizer.fit(data, { knd: "minmax" } as never)).message).toMatch(/Known options: kind\./);
    expect(optionError(() => Normalizer.fit(x as never)).option).toBe("data");
  });

  it("round-trips its plain form through JSON, bit for bit, and checks it", () => {
    const n = Normalizer.fit(data), back = Normalizer.from(JSON.parse(JSON.stringify(n)));
    expect(sameBits(back.offset, n.offset) && sameBits(back.spread, n.spread)).toBe(true);
    expect(back.constantFeatures).toEqual([2]);
    expect(optionError(() => Normalizer.from({ kind: "standard", offset: [0.1], spread: [1] })).option).toBe("normalizer.offset");
    expect(optionError(() => Normalizer.from({ kind: "standard", offset: [], spread: [] })).option).toBe("normalizer.offset");
    expect(thrown(() => Normalizer.from({ kind: "standard", offset: [0, 1], spread: [1] }))).toBeInstanceOf(OptionError);
  });
});

describe("a model with a normalizer", () => {
  const train = blobs(96, 5, 3, 4);
  const normalizer = Normalizer.fit(train);
  const make = () => new MLP({ layers: [5, 4, 3], seed: 1, weightStd: 0.3, input: { normalizer } });
  const opts = { epochs: 3, batchSize: 16, shuffle: true, seed: 2 } as const;

  it("trains to the same bits resident or streamed, and as a model without one trained on normalised data", async () => {
    const resident = make(), streamed = make();
    await fit(resident, train, { ...opts, optimizer: new SGD({ lr: 0.1 }) });
    await fit(streamed, train, { ...opts, optimizer: new SGD({ lr: 0.1 }), residentBytes: 0 });
    expect(sameBits(resident.getParameters(), streamed.getParameters())).toBe(true);
    const pre = train.x.slice() as Float32Array;
    normalizer.applyInPlace(pre);
    const plain = new MLP({ layers: [5, 4, 3], seed: 1, weightStd: 0.3 });
    await fit(plain, Dataset.fromArrays(pre, train.y, { features: 5, classes: 3 }), { ...opts, optimizer: new SGD({ lr: 0.1 }) });
    expect(sameBits(resident.getParameters(), plain.getParameters())).toBe(true);
    // predict normalises raw inputs: the same bits as the plain model on normalised ones.
    expect(sameBits(resident.predictProba(train.x.subarray(0, 20)), plain.predictProba(pre.subarray(0, 20)))).toBe(true);
    expect(sameBits(resident.predictProba(Array.from(train.x.subarray(0, 20))), plain.predictProba(pre.subarray(0, 20)))).toBe(true);
  });

  it("trains on batches of its own with trainOnBatch to the same bits as on normalised batches", () => {
    const a = make(), b = new MLP({ layers: [5, 4, 3], seed: 1, weightStd: 0.3 });
    const x = train.x.subarray(0, 32 * 5) as Float32Array, pre = x.slice();
    normalizer.applyInPlace(pre);
    {
      using ta = new Trainer(a, { batchSize: 8 }), tb = new Trainer(b, { batchSize: 8 });
      for (let r = 0; r < 32; r += 8) {
        ta.trainOnBatch(x.subarray(r * 5, (r + 8) * 5), train.y.subarray(r, r + 8));
        tb.trainOnBatch(pre.subarray(r * 5, (r + 8) * 5), train.y.subarray(r, r + 8));
      }
      expect(sameBits(ta.predictOnBatch(x.subarray(0, 10)), tb.predictOnBatch(pre.subarray(0, 10)))).toBe(true);
    }
    expect(sameBits(a.getParameters(), b.getParameters())).toBe(true);
  });

  it("normalises pixels after scaling them, and keeps the normalizer in its file", async () => {
    const pixels = blobs(64, 5, 3, 6, true), n = Normalizer.fit(pixels);
    const model = new SoftmaxRegression({ inputs: 5, classes: 3, input: { normalizer: n } });
    await fit(model, pixels, { epochs: 2, batchSize: 16 });
    const back = decodeModel(encodeModel(model));
    expect(back.input.pixels).toBe(true);
    expect(back.input.normalizer!.toJSON()).toEqual(n.toJSON());
    const rows = pixels.x.subarray(0, 25) as Uint8Array;
    expect(sameBits(back.predictProba(rows), model.predictProba(rows))).toBe(true);
    expect(sameBits(back.predictProba(Array.from(rows)), model.predictProba(rows))).toBe(true);
  });

  it("refuses a normalizer of another width", () => {
    expect(optionError(() => new SoftmaxRegression({ inputs: 4, classes: 3, input: { normalizer } })).message)
      .toBe("Invalid input.normalizer: expected a Normalizer of 4 features (the model's inputs), got \"one of 5\". Fit it on the data the model trains on.");
  });
});
