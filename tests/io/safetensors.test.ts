import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import type { DenseNetwork } from "../../src/model/network.js";
import { encodeSafetensors, decodeSafetensors } from "../../src/io/safetensors.js";
import { SAFETENSORS_MAX_HEADER } from "../../src/codecs/safetensors.js";
import { FormatError, OptionError } from "../../src/errors.js";
import { Normalizer } from "../../src/data/normalizer.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { blobs } from "../helpers/data.js";
import { expectClose } from "../helpers/close.js";
import { optionError, thrown } from "../helpers/errors.js";
import { accuracy, dataSets, trainedModels } from "../helpers/trained.js";

const sameBits = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A safetensors file from a header (an object, or text as it is) and the data buffer after it. */
function file(header: object | string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + text.length + data.length);
  new DataView(bytes.buffer).setUint32(0, text.length, true);
  bytes.set(text, 8);
  bytes.set(data, 8 + text.length);
  return bytes;
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** The tensors of a `layers` model: weights then bias per layer, values counting up from `from`. */
function tensorsFor(layers: number[], from = 0): { header: Record<string, unknown>; data: Uint8Array; values: number[] } {
  const header: Record<string, unknown> = {};
  const values: number[] = [];
  let at = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const [i, o] = [layers[l]!, layers[l + 1]!];
    header[`${2 * l + 1}.weight`] = { dtype: "F32", shape: [o, i], data_offsets: [at, (at += o * i * 4)] };
    header[`${2 * l + 1}.bias`] = { dtype: "F32", shape: [o], data_offsets: [at, (at += o * 4)] };
    for (let k = 0; k < o * i + o; k++) values.push(from + values.length);
  }
  return { header, data: f32(values), values };
}

function formatError(fn: () => unknown): FormatError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

beforeAll(async () => { await init(); });

describe("encodeSafetensors", () => {
  const model = new MLP({ layers: [6, 5, 3], seed: 4 });
  const bytes = encodeSafetensors(model);
  const view = new DataView(bytes.buffer);
  const n = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, any>;

  it("names the tensors as nn.Sequential(Flatten, Linear, ReLU, Linear) does, (outputs, inputs) float32", () => {
    expect(Object.keys(header)).toEqual(["__metadata__", "1.weight", "1.bias", "3.weight", "3.bias"]);
    expect(header["1.weight"]).toEqual({ dtype: "F32", shape: [5, 6], data_offsets: [0, 120] });
    expect(header["1.bias"]).toEqual({ dtype: "F32", shape: [5], data_offsets: [120, 140] });
    expect(header["3.weight"]).toEqual({ dtype: "F32", shape: [3, 5], data_offsets: [140, 200] });
    expect(header["3.bias"]).toEqual({ dtype: "F32", shape: [3], data_offsets: [200, 212] });
    expect(view.getUint32(4, true)).toBe(0);
  });

  it("stores the parameters little-endian after a header padded with spaces to 8-byte alignment", () => {
    expect((8 + n) % 8).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toMatch(/^\{.*\} *$/);
    expect(bytes.length).toBe(8 + n + model.size * 4);
    expect(sameBits(new Float32Array(bytes.slice(8 + n).buffer), model.getParameters())).toBe(true);
  });

  it("names softmax regression's one layer 1.weight and 1.bias, and records the model config as metadata", () => {
    const s = new SoftmaxRegression({ inputs: 4, classes: 3, seed: 9 });
    const b = encodeSafetensors(s);
    const h = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + new DataView(b.buffer).getUint32(0, true))));
    expect(Object.keys(h)).toEqual(["__metadata__", "1.weight", "1.bias"]);
    expect(h.__metadata__).toEqual({ format: "pt", "wasm-softmax.config": JSON.stringify(s.config) });
  });

  it("refuses a model of a kind it cannot name, before reading its parameters", () => {
    const fake = { config: { type: "cnn" }, layers: [4, 2], layout: [], size: 0, getParameters: () => { throw new Error("read"); } };
    expect(optionError(() => encodeSafetensors(fake as unknown as DenseNetwork)).message).toContain("what safetensors export supports");
  });
});

describe("decodeSafetensors", () => {
  it("round-trips encodeSafetensors bit for bit, reading the architecture from the metadata", () => {
    for (const model of [new SoftmaxRegression({ inputs: 7, classes: 3, seed: 5 }), new MLP({ layers: [7, 5, 4, 3], seed: 2 })]) {
      const back = decodeSafetensors(encodeSafetensors(model));
      expect(back.config).toEqual(model.config);
      expect(sameBits(back.getParameters(), model.getParameters())).toBe(true);
    }
  });

  it("builds the model that { layers } or { config } describes", () => {
    const model = new MLP({ layers: [7, 5, 3], seed: 2 });
    const bytes = encodeSafetensors(model);
    const byLayers = decodeSafetensors(bytes, { layers: [7, 5, 3] });
    expect(byLayers).toBeInstanceOf(MLP);
    expect(sameBits(byLayers.getParameters(), model.getParameters())).toBe(true);
    expect(decodeSafetensors(bytes, { config: model.config }).config).toEqual(model.config);
    const soft = decodeSafetensors(encodeSafetensors(new SoftmaxRegression({ inputs: 4, classes: 2 })), { layers: [4, 2] });
    expect(soft).toBeInstanceOf(SoftmaxRegression);
  });

  it("reads a file without metadata, tensors in any order, as the layers their shapes chain into", () => {
    const { header, values } = tensorsFor([3, 2, 2]);
    // The same tensors with the buffer in reverse order of the names.
    const names = Object.keys(header).reverse();
    const reordered: Record<string, unknown> = {};
    const chunks: number[] = [];
    for (const name of names) {
      const { shape, data_offsets: [b, e] } = header[name] as { shape: number[]; data_offsets: [number, number] };
      reordered[name] = { dtype: "F32", shape, data_offsets: [chunks.length * 4, chunks.length * 4 + e - b] };
      chunks.push(...values.slice(b / 4, e / 4));
    }
    const model = decodeSafetensors(file(reordered, f32(chunks)));
    expect(model.config).toMatchObject({ type: "mlp", layers: [3, 2, 2] });
    expect(Array.from(model.getParameters())).toEqual(values);
    expect(decodeSafetensors(file(tensorsFor([3, 2]).header, tensorsFor([3, 2]).data))).toBeInstanceOf(SoftmaxRegression);
  });

  it("converts F64, F16 and BF16 tensors to float32", () => {
    const f64 = new Uint8Array(new Float64Array([0.1, -2.5]).buffer);
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000]).buffer);
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer);
    const data = new Uint8Array([...f64, ...f16, ...bf16]);
    const header = {
      "1.weight": { dtype: "F64", shape: [2, 1], data_offsets: [0, 16] },
      "1.bias": { dtype: "F16", shape: [2], data_offsets: [16, 20] },
      "3.weight": { dtype: "F16", shape: [2, 2], data_offsets: [20, 28] },
      "3.bias": { dtype: "BF16", shape: [2], data_offsets: [28, 32] },
    };
    // 3.weight holds 65504, 2^-24, +Inf and −0: the edges of half precision.
    const model = decodeSafetensors(file(header, data), { layers: [1, 2, 2] });
    expect(Array.from(model.getParameters())).toEqual([Math.fround(0.1), -2.5, 1, -2, 65504, 2 ** -24, Infinity, -0, 1, -5]);
  });
});

describe("safetensors of a model that carries its meaning", () => {
  const header = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + new DataView(b.buffer).getUint32(0, true))));
  const pixels = blobs(60, 4, 3, 7, true);
  const model = new MLP({
    layers: [4, 5, 3], seed: 6, weightStd: 0.5, labels: ["cat", "dog", "bird"], metadata: { source: "tests" },
    input: { pixels: true, imageShape: [2, 2], normalizer: Normalizer.fit(pixels) },
  });
  const bytes = encodeSafetensors(model);

  it("stores the normaliser as normalizer.mean and normalizer.std, one f32 per input, and the rest of the config as metadata", () => {
    const h = header(bytes), { normalizer } = model.input;
    expect(Object.keys(h)).toEqual(["__metadata__", "normalizer.mean", "normalizer.std", "1.weight", "1.bias", "3.weight", "3.bias"]);
    expect(h["normalizer.mean"]).toEqual({ dtype: "F32", shape: [4], data_offsets: [0, 16] });
    const start = 8 + new DataView(bytes.buffer).getUint32(0, true);
    expect(sameBits(new Float32Array(bytes.slice(start, start + 16).buffer), normalizer!.offset)).toBe(true);
    expect(sameBits(new Float32Array(bytes.slice(start + 16, start + 32).buffer), normalizer!.spread)).toBe(true);
    const stored = JSON.parse(h.__metadata__["wasm-softmax.config"]);
    expect(stored).toEqual({ ...model.config, input: { pixels: true, imageShape: [2, 2] } });
    expect(stored.labels).toEqual(["cat", "dog", "bird"]);
  });

  it("names a min-max normaliser's tensors normalizer.min and normalizer.range", () => {
    const minmax = new SoftmaxRegression({ inputs: 4, classes: 3, input: { normalizer: Normalizer.fit(pixels, { kind: "minmax" }) } });
    const h = header(encodeSafetensors(minmax));
    expect(Object.keys(h)).toEqual(["__metadata__", "normalizer.min", "normalizer.range", "1.weight", "1.bias"]);
    expect(JSON.parse(h.__metadata__["wasm-softmax.config"]).input).toBeUndefined();
    expect(decodeSafetensors(encodeSafetensors(minmax)).config).toEqual(minmax.config);
  });

  it("round-trips labels, input description, normaliser and metadata, predicting the same bits", () => {
    const back = decodeSafetensors(bytes);
    expect(back.config).toEqual(model.config);
    expect(back.labels).toEqual(["cat", "dog", "bird"]);
    expect(back.input.normalizer!.kind).toBe("standard");
    const x = pixels.x as Uint8Array;
    expect(sameBits(back.predictProba(x), model.predictProba(x))).toBe(true);
    // A model that differs only by the normaliser predicts other bits: the normaliser is what was restored.
    const bare = new MLP({ layers: [4, 5, 3] });
    bare.setParameters(model.getParameters());
    expect(sameBits(bare.predictProba(x), model.predictProba(x))).toBe(false);
  });

  it("restores the normaliser with { layers } too: the tensors alone describe it", () => {
    const back = decodeSafetensors(bytes, { layers: [4, 5, 3] });
    expect(back.input.normalizer!.toJSON()).toEqual(model.input.normalizer!.toJSON());
    expect(back.labels).toBeUndefined();
  });

  it("reads a file whose config holds the normaliser itself, as files written before the tensors did", () => {
    const params = model.getParameters();
    const older = file({
      __metadata__: { format: "pt", "wasm-softmax.config": JSON.stringify(model.config) },
      "1.weight": { dtype: "F32", shape: [5, 4], data_offsets: [0, 80] }, "1.bias": { dtype: "F32", shape: [5], data_offsets: [80, 100] },
      "3.weight": { dtype: "F32", shape: [3, 5], data_offsets: [100, 160] }, "3.bias": { dtype: "F32", shape: [3], data_offsets: [160, 172] },
    }, new Uint8Array(params.buffer));
    expect(decodeSafetensors(older).config).toEqual(model.config);
  });

  it("refuses a config given with a normaliser of its own, for a file that holds one", () => {
    const error = optionError(() => decodeSafetensors(bytes, { config: model.config }));
    expect(error.message).toBe("Invalid config.input.normalizer: expected no normaliser (the file's tensors hold the model's normaliser), " +
      'got "one". Leave it out of config: the file\'s normaliser is used.');
    const { input: { normalizer: _, ...input } = {}, ...rest } = model.config;
    expect(decodeSafetensors(bytes, { config: { ...rest, input } }).config).toEqual(model.config);
    // A config that is no model is refused as it would be without the normaliser.
    expect(optionError(() => decodeSafetensors(bytes, { config: { ...rest, input: 5 } as never })).option).toBe("input options");
    expect(optionError(() => decodeSafetensors(bytes, { config: null as never })).option).toBe("model.type");
  });

  describe("refuses with a FormatError", () => {
    const { header: layerHeader, data } = tensorsFor([2, 2]);
    const withTensors = (extra: Record<string, { shape: number[]; values: number[] }>) => {
      const h: Record<string, unknown> = { ...layerHeader };
      const values: number[] = [];
      let at = data.length;
      for (const [name, t] of Object.entries(extra)) {
        h[name] = { dtype: "F32", shape: t.shape, data_offsets: [at, (at += t.values.length * 4)] };
        values.push(...t.values);
      }
      return file(h, new Uint8Array([...data, ...f32(values)]));
    };

    it.each([
      ["a mean without its std", { "normalizer.mean": { shape: [2], values: [0, 1] } },
        "expected one normaliser: normalizer.mean with normalizer.std, or normalizer.min with normalizer.range, got tensors named normalizer.mean. " +
        "A normaliser needs both tensors of one pair (normalizer.mean and normalizer.std); remove the others."],
      ["tensors of both kinds", { "normalizer.mean": { shape: [2], values: [0, 1] }, "normalizer.std": { shape: [2], values: [1, 1] }, "normalizer.min": { shape: [2], values: [0, 0] } },
        "got tensors named normalizer.mean, normalizer.std, normalizer.min."],
      ["a normaliser of the wrong width", { "normalizer.min": { shape: [3], values: [0, 1, 2] }, "normalizer.range": { shape: [3], values: [1, 1, 1] } },
        "expected tensor normalizer.min of shape [2] (one value per input), got [3]."],
      ["a negative spread", { "normalizer.mean": { shape: [2], values: [0, 1] }, "normalizer.std": { shape: [2], values: [1, -1] } },
        "expected tensors normalizer.mean and normalizer.std as a normaliser, got Invalid normalizer.spread[1]: expected a spread ≥ 0, got -1."],
      ["a NaN offset", { "normalizer.mean": { shape: [2], values: [NaN, 1] }, "normalizer.std": { shape: [2], values: [1, 1] } },
        "as a normaliser, got Invalid normalizer.offset: expected an array of 2 finite f32 numbers"],
    ])("%s", (_, extra, message) => {
      expect(formatError(() => decodeSafetensors(withTensors(extra))).message).toContain(message);
    });
  });
});

describe("decodeSafetensors refuses, with a FormatError and a hint", () => {
  const good = tensorsFor([3, 2]);

  it.each([
    ["fewer than 8 bytes", new Uint8Array(5), "expected at least 8 bytes (the header length), got 5 bytes. The file is truncated."],
    ["a header longer than the file", file("{}").subarray(0, 9), "expected 2 header bytes after the length, got 1 bytes in all. The file is truncated."],
    ["a header that is not UTF-8", (() => { const b = file("{}  "); b[9] = 0xff; return b; })(), "expected a UTF-8 header"],
    ["a header that is not JSON", file("{oops"), 'expected a JSON object header, got "{oops".'],
    ["a JSON header that is not an object", file("[1, 2]"), 'expected a JSON object header, got "[1, 2]".'],
    ["metadata that is not a map of strings", file({ __metadata__: { epochs: 3 } }), 'expected __metadata__ as a map of strings, got {"epochs":3}.'],
    ["a tensor entry that is not an object", file({ "1.weight": [1] }), "expected tensor 1.weight as { dtype, shape, data_offsets }, got [1]."],
    ["a tensor without a dtype", file({ "1.weight": { shape: [], data_offsets: [0, 0] } }), "expected tensor 1.weight with a dtype string, got undefined."],
    ["a shape of negative or fractional dims", file({ "1.weight": { dtype: "F32", shape: [2, -1], data_offsets: [0, 0] } }), "with a shape of integers ≥ 0, got [2,-1]."],
    ["data_offsets that are not [begin, end]", file({ "1.weight": { dtype: "F32", shape: [0], data_offsets: [0, 0, 0] } }), "with data_offsets [begin, end], 0 ≤ begin ≤ end, got [0,0,0]."],
    ["data_offsets that run backwards", file({ "1.weight": { dtype: "F32", shape: [0], data_offsets: [8, 4] } }, new Uint8Array(8)), "got [8,4]."],
    ["a tensor past the end of the buffer", file({ "1.weight": { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      "expected tensor 1.weight within the 8 bytes after the header, got data_offsets [0, 16]. The file is truncated."],
    ["a shape that does not fill its bytes", file({ "1.weight": { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      "expected tensor 1.weight of shape [3] in F32 to span 12 bytes, got data_offsets [0, 8] (8 bytes)."],
    ["a shape whose size overflows", file({ "1.weight": { dtype: "F32", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, new Uint8Array(8)),
      "to span Infinity bytes"],
    ["overlapping tensors", file({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
      "expected tensors that do not overlap, got b at bytes [4, 8) over the one ending at 8."],
    ["a gap between tensors", file({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)),
      "expected tensors that leave no gap, got b at byte 8 after one ending at 4."],
    ["bytes after the last tensor", file(good.header, new Uint8Array([...good.data, 0, 0, 0, 0])),
      "expected a data buffer of 32 bytes (where the last tensor ends), got 36 bytes after the header. The file has bytes no tensor accounts for"],
  ])("%s", (_, bytes, message) => {
    const error = formatError(() => decodeSafetensors(bytes));
    expect(error.message).toContain(message);
    expect(error.message.startsWith("Invalid safetensors: expected ")).toBe(true);
  });

  it("a header length above the 100 MB cap, reading nothing after the length", () => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, SAFETENSORS_MAX_HEADER + 1, true);
    expect(formatError(() => decodeSafetensors(bytes)).message).toBe(
      "Invalid safetensors: expected a header of at most 100000000 bytes, got a header length of 100000001. The file is not safetensors, or is damaged.");
    new DataView(bytes.buffer).setUint32(4, 1, true);
    expect(formatError(() => decodeSafetensors(bytes)).message).toContain(`got a header length of ${2 ** 32 + SAFETENSORS_MAX_HEADER + 1}.`);
  });

  it("a dtype other than F32, F16, BF16 or F64, saying how to convert it", () => {
    const error = formatError(() => decodeSafetensors(file({ "1.weight": { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))));
    expect(error.message).toBe('Invalid safetensors: expected tensor 1.weight of dtype F32, F16, BF16 or F64, got "I64". ' +
      "Convert the state dict to float32 first: {k: v.float() for k, v in model.state_dict().items()}.");
    // Names that are properties of every object are no dtype either.
    expect(() => decodeSafetensors(file({ "1.weight": { dtype: "constructor", shape: [], data_offsets: [0, 0] } }))).toThrow(/of dtype F32/);
  });

  it("a missing tensor, naming it and suggesting the layers the file holds", () => {
    const { header, data } = tensorsFor([3, 2]);
    const error = formatError(() => decodeSafetensors(file(header, data), { layers: [3, 4, 2] }));
    expect(error.message).toBe("Invalid safetensors: expected the tensors 1.weight, 1.bias, 3.weight, 3.bias (layers 3-4-2), got none named 3.weight, 3.bias. " +
      "Name them as nn.Sequential(nn.Flatten(), nn.Linear(…), nn.ReLU(), …) does. The file's tensors chain as layers [3, 2]: pass those.");
  });

  it("an extra tensor, naming it", () => {
    const { header, data } = tensorsFor([3, 2]);
    const extra = { ...header, "running_mean": { dtype: "F32", shape: [0], data_offsets: [data.length, data.length] } };
    const error = formatError(() => decodeSafetensors(file(extra, data), { layers: [3, 2] }));
    expect(error.message).toBe("Invalid safetensors: expected only the tensors 1.weight, 1.bias (layers 3-2), got also running_mean. " +
      "Save only the Linear layers' weights and biases (and a normaliser's two tensors).");
  });

  it("a tensor of the wrong shape, giving the shape the layers need", () => {
    const { header, data } = tensorsFor([4, 3, 2]);
    const error = formatError(() => decodeSafetensors(file(header, data), { layers: [4, 5, 2] }));
    expect(error.message).toBe("Invalid safetensors: expected tensor 1.weight of shape [5, 4] (layers 4-5-2), got [3, 4]. " +
      "Weights are (outputs, inputs), as nn.Linear stores them. The file's tensors chain as layers [4, 3, 2]: pass those.");
    const biases = formatError(() => decodeSafetensors(file({ ...header, "1.bias": { dtype: "F32", shape: [1, 3], data_offsets: (header["1.bias"] as any).data_offsets } }, data), { layers: [4, 3, 2] }));
    expect(biases.message).toContain("expected tensor 1.bias of shape [3] (layers 4-3-2), got [1, 3].");
  });

  it("without options, tensors whose shapes do not chain, or no tensors at all", () => {
    const { header, data } = tensorsFor([4, 3, 2]);
    const broken = { ...header, "3.weight": { dtype: "F32", shape: [3, 2], data_offsets: (header["3.weight"] as any).data_offsets } };
    const error = formatError(() => decodeSafetensors(file(broken, data)));
    expect(error.message).toBe("Invalid safetensors: expected tensors 1.weight, 1.bias, … of dense layers that chain, got " +
      "1.weight [3, 4], 1.bias [3], 3.weight [3, 2], 3.bias [2]. Name them as nn.Sequential(nn.Flatten(), nn.Linear(…), nn.ReLU(), …) does, or pass { layers }.");
    expect(formatError(() => decodeSafetensors(file({}))).message).toContain("of dense layers that chain, got no tensors.");
  });

  it("a stored config that is not JSON, or not a model", () => {
    const { header, data } = tensorsFor([3, 2]);
    const meta = (config: string) => file({ __metadata__: { "wasm-softmax.config": config }, ...header }, data);
    expect(formatError(() => decodeSafetensors(meta("{"))).message).toContain('expected __metadata__["wasm-softmax.config"] as a JSON model config, got "{".');
    const error = formatError(() => decodeSafetensors(meta('{"type":"cnn"}')));
    expect(error.message).toContain('expected __metadata__["wasm-softmax.config"] as a valid model config, got Invalid model.type');
    expect(error.message).toContain("pass { layers } to load it anyway.");
  });

  it("a stored config promising a huge model, from the tensors alone, before allocating it", () => {
    const { header, data } = tensorsFor([3, 2]);
    const config = { type: "mlp", layers: [100_000, 100_000, 2], activation: "relu", seed: 0, weightStd: 0.01 };
    const bytes = file({ __metadata__: { "wasm-softmax.config": JSON.stringify(config) }, ...header }, data);
    expect(formatError(() => decodeSafetensors(bytes)).message).toContain("(layers 100000-100000-2), got none named 3.weight, 3.bias.");
  });
});

describe("decodeSafetensors refuses bad arguments with an OptionError", () => {
  const bytes = encodeSafetensors(new SoftmaxRegression({ inputs: 3, classes: 2 }));

  it.each([
    ["both layers and config", { layers: [3, 2], config: new SoftmaxRegression({ inputs: 3, classes: 2 }).config }, "options"],
    ["neither layers nor config", {}, "options"],
    ["options that are not an object", "784-10", "decodeSafetensors options"],
    ["an unknown key", { layer: [3, 2] }, "layer"],
    ["layers that are not an array", { layers: "3,2" }, "layers"],
    ["a zero width", { layers: [3, 0, 2] }, "layers[1]"],
    ["a config of an unknown type", { config: { type: "cnn" } }, "model.type"],
  ])("%s", (_, options, option) => {
    expect(optionError(() => decodeSafetensors(bytes, options as never)).option).toBe(option);
  });

  it("an unknown key, listing the known ones", () => {
    expect(optionError(() => decodeSafetensors(bytes, { layer: [3, 2] } as never)).message)
      .toBe('Unknown decodeSafetensors option "layer". Known options: layers, config.');
  });

  it("bytes that are not a Uint8Array", () => {
    expect(optionError(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array)).option).toBe("bytes");
  });
});

const argmaxRows = (p: ArrayLike<number>, C: number) =>
  Int32Array.from({ length: p.length / C }, (_, r) => {
    let best = 0;
    for (let c = 1; c < C; c++) if (p[r * C + c]! > p[r * C + best]!) best = c;
    return best;
  });

// PyTorch itself, where Debian's python3-torch is installed (CI does not install it).
const PYTHON = "/usr/bin/python3";
const torch = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
const torchMissing = torch.status !== 0
  ? `skipped: ${PYTHON} cannot import torch (apt-get install python3-torch): ${(torch.stderr || torch.error?.message || "").trim().split("\n").at(-1)}`
  : "";

describe.skipIf(torchMissing !== "")(`a round trip through PyTorch ${torchMissing}`, () => {
  let dir: string;
  let report: { torch: string; softmax: { layers: number[]; correct: number }; mlp: { layers: number[]; correct: number } };
  let models: Awaited<ReturnType<typeof trainedModels>>;
  let normalized: SoftmaxRegression;
  let testX: Uint8Array, testY: Uint8Array;
  const f32File = async (name: string) => { const b = await readFile(join(dir, name)); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wasm-softmax-torch-"));
    models = await trainedModels();
    const { test } = models;
    testX = test.x as Uint8Array;
    testY = Uint8Array.from(test.y);
    const { train: data } = await dataSets();
    await writeFile(join(dir, "train-images.u8"), data.x as Uint8Array);
    await writeFile(join(dir, "train-labels.u8"), Uint8Array.from(data.y));
    await writeFile(join(dir, "test-images.u8"), testX);
    await writeFile(join(dir, "test-labels.u8"), testY);
    normalized = new SoftmaxRegression({ inputs: 784, classes: 10, seed: 1, input: { normalizer: Normalizer.fit(data) } });
    await fit(normalized, data, { epochs: 1, batchSize: 64, optimizer: new SGD({ lr: 0.01 }), seed: 3 });
    for (const [name, model] of [["softmax", models.softmax], ["mlp", models.mlp], ["normalized", normalized]] as const) {
      await writeFile(join(dir, `ws-${name}.safetensors`), encodeSafetensors(model));
      await writeFile(join(dir, `ws-${name}.json`), JSON.stringify({ layers: model.layers }));
    }
    const run = spawnSync(PYTHON, [join(import.meta.dirname, "torch_safetensors.py"), dir], { encoding: "utf8", timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    report = JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
  }, 300_000);

  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it.each(["softmax", "mlp"] as const)("d2l's %s trained in PyTorch loads and gives torch's probabilities and accuracy", async (name) => {
    const { layers, correct } = report[name];
    const model = decodeSafetensors(await readFile(join(dir, `torch-${name}.safetensors`)), { layers });
    const torchP = await f32File(`torch-${name}.f32`);
    expectClose(model.predictProba(testX), torchP, { atol: 1e-5, rtol: 0, label: `torch ${report.torch} ${name}` });
    const predicted = model.predict(testX);
    expect(Array.from(predicted)).toEqual(Array.from(argmaxRows(torchP, 10)));
    expect(accuracy(predicted, testY)).toBe(correct / testY.length);
    expect(correct / testY.length).toBeGreaterThan(0.6);
    // The file alone is enough: its shapes name the architecture.
    expect(decodeSafetensors(await readFile(join(dir, `torch-${name}.safetensors`))).layers).toEqual(layers);
  });

  it.each(["softmax", "mlp"] as const)("wasm-softmax's %s loads into nn.Sequential with strict load_state_dict and gives the same probabilities", async (name) => {
    expectClose(await f32File(`ws-${name}.f32`), models[name].predictProba(testX), { atol: 1e-5, rtol: 0 });
  });

  it("a model trained with a normaliser gives the same probabilities in PyTorch, its normalizer.mean and normalizer.std applied by hand", async () => {
    const p = normalized.predictProba(testX);
    expectClose(await f32File("ws-normalized.f32"), p, { atol: 1e-5, rtol: 0 });
    expect(accuracy(normalized.predict(testX), testY)).toBeGreaterThan(0.6);
  });
});
