// What a model knows about its inputs and classes: given to the constructor or learned from the first data it
// trains on, and followed by predict for every input type, so the same pixels give the same bits whatever array
// they come in, and input the model cannot take is refused with what to pass.
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression, createModel } from "../../src/model/models.js";
import { Dataset, U8_SCALE } from "../../src/data/dataset.js";
import { Trainer } from "../../src/train/trainer.js";
import { fit } from "../../src/train/fit.js";
import { decodeModel, encodeModel } from "../../src/io/checkpoint.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { optionError, thrown } from "../helpers/errors.js";
import { randomU8 } from "../../bench/shared/random.js";

const F = 6, C = 3;
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

beforeAll(async () => { await init(); });

async function pixelModel(): Promise<MLP> {
  const data = blobs(60, F, C, 1, true);
  const named = Dataset.fromArrays(data.x, data.y, { features: F, classes: C, imageShape: [2, 3], classNames: ["a", "b", "c"] });
  const model = new MLP({ layers: [F, 5, C], seed: 2, weightStd: 0.3 });
  await fit(model, named, { epochs: 2, batchSize: 8 });
  return model;
}

describe("what a model learns from the first data it trains on", () => {
  it("takes pixels, the image shape and the class names from a Uint8 Dataset", async () => {
    const model = await pixelModel();
    expect(model.input).toEqual({ features: F, pixels: true, imageShape: [2, 3] });
    expect(model.labels).toEqual(["a", "b", "c"]);
    expect(model.config).toMatchObject({ labels: ["a", "b", "c"], input: { pixels: true, imageShape: [2, 3] } });
  });

  it("takes floats as given from a Float32 Dataset, and pixels from one scaled by 1/255", async () => {
    const floats = new SoftmaxRegression({ inputs: F, classes: C });
    await fit(floats, blobs(30, F, C, 3), { epochs: 1 });
    expect(floats.input.pixels).toBe(false);
    const raw = Float32Array.from(blobs(30, F, C, 3, true).x);
    const scaled = new SoftmaxRegression({ inputs: F, classes: C });
    await fit(scaled, Dataset.fromArrays(raw, blobs(30, F, C, 3, true).y, { features: F, classes: C, scale: 1 / 255 }), { epochs: 1 });
    expect(scaled.input.pixels).toBe(true);
  });

  it("keeps what the constructor was given over what the data says", async () => {
    const model = new SoftmaxRegression({ inputs: F, classes: C, labels: ["x", "y", "z"], input: { pixels: true, imageShape: [3, 2] } });
    await fit(model, Dataset.fromArrays(blobs(30, F, C, 3, true).x, blobs(30, F, C, 3, true).y,
      { features: F, classes: C, imageShape: [2, 3], classNames: ["a", "b", "c"] }), { epochs: 1 });
    expect(model.labels).toEqual(["x", "y", "z"]);
    expect(model.input.imageShape).toEqual([3, 2]);
  });

  it("learns pixels from trainOnBatch's first Uint8Array batch", () => {
    const model = new SoftmaxRegression({ inputs: F, classes: C });
    using trainer = new Trainer(model, { batchSize: 4 });
    trainer.trainOnBatch(randomU8(2 * F, 1), [0, 2]);
    expect(model.input.pixels).toBe(true);
  });

  it("refuses Uint8 pixels for a model whose inputs are floats, in training and in predict", async () => {
    const model = new SoftmaxRegression({ inputs: F, classes: C, input: { pixels: false } });
    const error = thrown(() => model.predict(randomU8(F, 1)));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe("Invalid inputs: expected floats (this model's inputs are features, input.pixels false), got \"Uint8 pixels\". " +
      "Pass the Float32Array features it was trained on, or train a model with input: { pixels: true }.");
    await expect(fit(model, blobs(20, F, C, 1, true), { epochs: 1 })).rejects.toThrow(OptionError);
  });

  it("checks the constructor's labels and input options", () => {
    const base = { inputs: F, classes: C };
    expect(optionError(() => new SoftmaxRegression({ ...base, labels: ["a", "b"] })).message)
      .toBe("Invalid labels: expected an array of 3 strings, one per class, got array(2). Give one name per class (3), in class order.");
    expect(optionError(() => new SoftmaxRegression({ ...base, labels: ["a", "b", 3 as never] })).option).toBe("labels");
    expect(optionError(() => new SoftmaxRegression({ ...base, input: { imageShape: [4, 4] } })).message)
      .toBe("Invalid input.imageShape: expected [height, width], two positive integers with height × width = 6, got array(2).");
    expect(optionError(() => new SoftmaxRegression({ ...base, input: { pixel: true } as never })).message).toMatch(/Known options: pixels, imageShape, normalizer\./);
    expect(optionError(() => new SoftmaxRegression({ ...base, input: { pixels: 1 as never } })).option).toBe("input.pixels");
  });

  it("round-trips through createModel(config) and the model file", async () => {
    const model = await pixelModel();
    expect(createModel(model.config).config).toEqual(model.config);
    const back = decodeModel(encodeModel(model));
    expect(back.input).toEqual(model.input);
    expect(back.labels).toEqual(model.labels);
  });
});

describe("predict on a pixel model", () => {
  let model: MLP;
  const u8 = randomU8(4 * F, 9);
  beforeAll(async () => { model = await pixelModel(); });

  it("scales 0-255 numbers exactly as a Uint8Array: number[], number[][] and rows of Uint8Array give the same bits", () => {
    const want = model.predictProba(u8);
    expect(sameBits(model.predictProba(Array.from(u8)), want)).toBe(true);
    const rows = [0, 1, 2, 3].map((r) => Array.from(u8.subarray(r * F, (r + 1) * F)));
    expect(sameBits(model.predictProba(rows), want)).toBe(true);
    expect(sameBits(model.predictProba([u8.subarray(0, F), rows[1]!, u8.subarray(2 * F, 3 * F), rows[3]!]), want)).toBe(true);
    expect(Array.from(model.predict(rows))).toEqual(Array.from(model.predict(u8)));
  });

  it("takes a Float32Array as pixels already scaled to [0, 1]", () => {
    const scaled = Float32Array.from(u8, (v) => Math.fround(v * U8_SCALE));
    expect(sameBits(model.predictProba(scaled), model.predictProba(u8))).toBe(true);
  });

  it.each([
    ["a Float32Array of raw 0-255 values", () => Float32Array.from(u8), "inputs[", "a value in [0, 1]"],
    ["a Float64Array with a negative value", () => Float64Array.from({ length: F }, (_, i) => (i === 2 ? -0.5 : 0.5)), "inputs[2]", "a value in [0, 1]"],
    ["a number[] with a fraction", () => [0, 1, 2.5, 3, 4, 5], "inputs[2]", "an integer in [0, 255]"],
    ["a number[] above 255", () => [0, 1, 2, 300, 4, 5], "inputs[3]", "an integer in [0, 255]"],
    ["a number[] with NaN", () => [0, 1, 2, 3, NaN, 5], "inputs[4]", "an integer in [0, 255]"],
    ["a nested row above 255", () => [[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 256]], "inputs[1][5]", "an integer in [0, 255]"],
    ["Float32 rows with a raw value", () => [Float32Array.of(0, 0, 0, 0, 0, 7)], "inputs[0][5]", "a value in [0, 1]"],
    ["plain rows mixed with Float32 rows", () => [[0, 1, 2, 3, 4, 5], Float32Array.of(0, 0, 0, 0, 0, 0)], "inputs[1]", "a Uint8Array or an array of 0-255 pixels"],
  ])("refuses %s with an OptionError saying what to pass, rather than saturating", (_, input, option, rule) => {
    const error = thrown(() => model.predictProba(input() as never));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option.startsWith(option)).toBe(true);
    expect((error as OptionError).rule.startsWith(rule)).toBe(true);
    if (rule.startsWith("an integer") || rule.startsWith("a value")) {
      expect((error as OptionError).hint).toBe("Pass raw pixels as 0-255 integers (number[] or Uint8Array), or scaled pixels in [0, 1] as a Float32Array.");
    }
  });

  it("still refuses rows of the wrong width with a ShapeError", () => {
    expect(() => model.predict([[1, 2, 3]])).toThrow(ShapeError);
  });

  it("applies the same rules in a Trainer's trainOnBatch and predictOnBatch", () => {
    const copy = createModel(model.config);
    copy.setParameters(model.getParameters());
    using trainer = new Trainer(copy, { batchSize: 4 });
    expect(sameBits(trainer.predictOnBatch(Array.from(u8)), trainer.predictOnBatch(u8))).toBe(true);
    expect(() => trainer.trainOnBatch(Float32Array.from(u8.subarray(0, F)), [1])).toThrow(OptionError);
  });
});

describe("topK", () => {
  let model: MLP;
  beforeAll(async () => { model = await pixelModel(); });

  it("gives each row's k most probable classes with their labels and probabilities, most probable first", () => {
    const x = randomU8(3 * F, 4), p = model.predictProba(x), top = model.topK(x, 2);
    expect(top).toHaveLength(3);
    top.forEach((row, r) => {
      const probs = Array.from(p.subarray(r * C, (r + 1) * C));
      const order = [0, 1, 2].sort((a, b) => probs[b]! - probs[a]! || a - b);
      expect(row).toEqual(order.slice(0, 2).map((index) => ({ label: ["a", "b", "c"][index], index, probability: probs[index] })));
    });
    expect(model.topK(x).map((row) => row[0]!.index)).toEqual(Array.from(model.predict(x)));
  });

  it("names classes by their index when the model has no labels, and breaks ties by the lower index", () => {
    const plain = new SoftmaxRegression({ inputs: F, classes: C, weightStd: 0 });
    expect(plain.topK(new Float32Array(F), 3)[0]).toEqual([0, 1, 2].map((index) => ({ label: String(index), index, probability: Math.fround(1 / 3) })));
  });

  it("refuses a k outside [1, classes]", () => {
    expect(optionError(() => model.topK(new Uint8Array(F), 4)).message).toBe("Invalid k: expected an integer in [1, 3], got 4.");
    expect(optionError(() => model.topK(new Uint8Array(F), 0)).option).toBe("k");
  });
});
