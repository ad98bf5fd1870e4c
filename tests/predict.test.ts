// The predict-only entry in Node: every model file the full package reads (format versions 1 to 3; f32, f16 and
// int8 weights; pixel and float models, with a normalizer) gives the full package's probabilities bit for bit,
// follows the model's input description, and refuses what it cannot predict from with typed errors.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import * as predictOnly from "../src/predict.js";
import { init as initFull } from "../src/runtime/runtime.js";
import { decodeModel as decodeFull, encodeCheckpoint, encodeModel } from "../src/io/checkpoint.js";
import { MLP, SoftmaxRegression } from "../src/model/models.js";
import { Normalizer } from "../src/data/normalizer.js";
import { SGD } from "../src/optim/optimizer.js";
import { fit } from "../src/train/fit.js";
import { FormatError, OptionError, ShapeError, WasmError } from "../src/errors.js";
import type { DenseNetwork } from "../src/model/network.js";
import type { Dataset } from "../src/data/dataset.js";
import { blobs } from "./helpers/data.js";

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`io/fixtures/${name}`, import.meta.url)));
const LABELS = ["zero", "one", "two", "three", "four"];

let pixelModel: SoftmaxRegression, floatModel: MLP, pixels: Dataset, floats: Dataset;

describe("before init()", () => {
  it("a decoded model refuses to predict, saying to call init() from wasm-softmax/predict", () => {
    const model = predictOnly.decodeModel(encodeModel(new SoftmaxRegression({ inputs: 4, classes: 2 })));
    expect(() => model.predictProba([1, 2, 3, 4])).toThrow(WasmError);
    expect(() => model.predict([1, 2, 3, 4])).toThrow(/^wasm-softmax\/predict is not initialized\. Call `await init\(\)` once/);
  });
});

describe("wasm-softmax/predict", () => {
  beforeAll(async () => {
    await initFull({ backend: "wasm-simd", threads: 1 });
    expect(await predictOnly.init()).toEqual({ backend: "wasm-simd" });
    pixels = blobs(400, 64, 5, 1, true);
    floats = blobs(400, 12, 5, 2);
    pixelModel = new SoftmaxRegression({ inputs: 64, classes: 5, labels: LABELS, input: { imageShape: [8, 8] }, metadata: { trained: "blobs" } });
    floatModel = new MLP({ layers: [12, 16, 5], seed: 3, weightStd: 0.3, input: { normalizer: Normalizer.fit(floats) } });
    for (const [model, data] of [[pixelModel, pixels], [floatModel, floats]] as const) {
      await fit(model, data, { epochs: 2, batchSize: 32, optimizer: new SGD({ lr: 0.1 }), seed: 4 });
    }
  }, 60_000);

  for (const dtype of ["f32", "f16", "int8"] as const) {
    it(`gives the full package's probabilities and classes bit for bit for ${dtype} files of a pixel and a float model`, () => {
      for (const [model, data] of [[pixelModel, pixels], [floatModel, floats]] as [DenseNetwork, Dataset][]) {
        const bytes = encodeModel(model, { dtype });
        const full = decodeFull(bytes), lean = predictOnly.decodeModel(bytes);
        const p = lean.predictProba(data.x);
        expect(p.length).toBe(data.length * 5);
        expect(bits(p)).toEqual(bits(full.predictProba(data.x)));
        expect(lean.predict(data.x)).toEqual(full.predict(data.x));
        expect(lean.topK(data.x.subarray(0, 3 * model.inputs), 2)).toEqual(full.topK(data.x.subarray(0, 3 * model.inputs), 2));
      }
    });
  }

  it("reads files of format versions 1 and 2 and checkpoints with optimizer state, as the full package does", () => {
    const run = encodeCheckpoint({ model: floatModel, optimizer: new SGD({ lr: 0.1, momentum: 0.9 }) });
    for (const bytes of [fixture("softmax-v1.wsmx"), fixture("mlp-v2.wsmx"), fixture("mlp-adam-run-v1.wsmx"), run]) {
      const full = decodeFull(bytes), lean = predictOnly.decodeModel(bytes);
      const x = new Float32Array(3 * full.inputs).map((_, i) => ((i * 37) % 11) / 10);
      expect(lean.layers).toEqual(full.layers);
      expect(bits(lean.predictProba(x))).toEqual(bits(full.predictProba(x)));
    }
  });

  it("keeps the parameters of each decoded model apart: predicting with one never changes another's answers", () => {
    const lean = [pixelModel, floatModel, pixelModel].map((m, i) => predictOnly.decodeModel(encodeModel(m, { dtype: i === 2 ? "int8" : "f32" })));
    const inputs = [pixels.x, floats.x, pixels.x];
    const first = lean.map((model, i) => bits(model.predictProba(inputs[i]!)).slice());
    for (let round = 0; round < 2; round++) {
      lean.forEach((model, i) => expect(bits(model.predictProba(inputs[i]!))).toEqual(first[i]));
    }
    expect(first[2]).not.toEqual(first[0]);
  });

  it("carries the model's labels, input description and metadata, and labels top-k answers with them", () => {
    const model = predictOnly.decodeModel(encodeModel(pixelModel));
    expect(model.labels).toEqual(LABELS);
    expect(model.input).toMatchObject({ features: 64, pixels: true, imageShape: [8, 8] });
    expect(model.metadata).toEqual({ trained: "blobs" });
    const best = model.topK(pixels.x.subarray(0, 64))[0]![0]!;
    expect(best.label).toBe(LABELS[best.index]);
    expect(predictOnly.decodeModel(encodeModel(floatModel)).input.normalizer?.features).toBe(12);
  });

  it("scales 0-255 numbers for a pixel model exactly as a Uint8Array, flat or one array per row", () => {
    const model = predictOnly.decodeModel(encodeModel(pixelModel));
    const rows = pixels.x.subarray(0, 3 * 64), expected = bits(model.predictProba(rows));
    expect(bits(model.predictProba(Array.from(rows)))).toEqual(expected);
    expect(bits(model.predictProba([0, 1, 2].map((r) => Array.from(rows.subarray(r * 64, (r + 1) * 64)))))).toEqual(expected);
  });

  it("refuses inputs a model cannot take with typed errors that say what to pass", () => {
    const pixel = predictOnly.decodeModel(encodeModel(pixelModel)), float = predictOnly.decodeModel(encodeModel(floatModel));
    expect(() => pixel.predictProba(new Array(64).fill(0.5))).toThrow(OptionError);
    expect(() => pixel.predictProba(new Float32Array(64).fill(3))).toThrow(/in \[0, 1\]/);
    expect(() => float.predictProba(new Uint8Array(12))).toThrow(/this model's inputs are features/);
    expect(() => float.predictProba(new Float32Array(13))).toThrow(ShapeError);
    expect(() => pixel.topK(pixels.x.subarray(0, 64), 6)).toThrow(/an integer in \[1, 5\]/);
  });

  it("refuses damaged, foreign and newer files with a FormatError, and unknown options with an OptionError", async () => {
    const bytes = encodeModel(pixelModel);
    const damaged = bytes.slice();
    damaged[40] = damaged[40]! ^ 1;
    expect(() => predictOnly.decodeModel(damaged, "fashion.wsmx")).toThrow(/Invalid fashion\.wsmx: expected CRC-32/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(4, 9, true);
    expect(() => predictOnly.decodeModel(newer)).toThrow(/newer wasm-softmax: load it with one that reads format version 9/);
    expect(() => predictOnly.decodeModel(new Uint8Array(8))).toThrow(FormatError);
    expect(() => predictOnly.decodeModel(bytes, { sourc: "x" } as never)).toThrow(/Known options: source, allowNonFinite\./);
    await expect(predictOnly.init({ wsam: 1 } as never)).rejects.toThrow(/Unknown init option "wsam"\. Known options: wasm\./);
  });
});
