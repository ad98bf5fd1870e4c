// Model files in format version 3: the model's class names, input description and metadata round-trip with it;
// f16 and int8 weights; files of versions 1 and 2 (fixtures saved by wasm-softmax before version 3) still load;
// and every kind of damage to the new parts is refused with a FormatError that says what to do.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { decodeCheckpoint, decodeModel, encodeCheckpoint, encodeModel } from "../../src/io/checkpoint.js";
import { unpackCheckpoint } from "../../src/io/format.js";
import { f16Bits, f16Value } from "../../src/io/weights.js";
import { Normalizer } from "../../src/data/normalizer.js";
import { Dataset } from "../../src/data/dataset.js";
import { MAX_METADATA_BYTES } from "../../src/model/description.js";
import { SGD } from "../../src/optim/optimizer.js";
import { FormatError, OptionError } from "../../src/errors.js";
import { editCheckpoint, reseal, splitCheckpoint } from "../helpers/checkpoint.js";
import { optionError, thrown } from "../helpers/errors.js";
import { randomF32 } from "../../bench/shared/random.js";

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`fixtures/${name}`, import.meta.url)));

function described(): MLP {
  const data = Dataset.fromArrays(randomF32(40 * 6, 3, -2, 5), Int32Array.from({ length: 40 }, (_, i) => i % 3), { features: 6, classes: 3 });
  const model = new MLP({
    layers: [6, 5, 3], seed: 4, weightStd: 0.5, labels: ["cat", "dog", "bird"],
    input: { pixels: false, imageShape: [2, 3], normalizer: Normalizer.fit(data) },
    metadata: { trainedOn: "toy data", version: [1, 2], nested: { ok: true, none: null } },
  });
  return model;
}

describe("model files, format version 3", () => {
  it("keep the class names, input description, normalizer and metadata, and the parameters bit for bit", () => {
    const model = described();
    const back = decodeModel(encodeModel(model));
    expect(back.config).toEqual(model.config);
    expect(back.labels).toEqual(["cat", "dog", "bird"]);
    expect(back.input.pixels).toBe(false);
    expect(back.input.imageShape).toEqual([2, 3]);
    expect(sameBits(back.input.normalizer!.offset, model.input.normalizer!.offset)).toBe(true);
    expect(sameBits(back.input.normalizer!.spread, model.input.normalizer!.spread)).toBe(true);
    expect(back.metadata).toEqual({ trainedOn: "toy data", version: [1, 2], nested: { ok: true, none: null } });
    expect(sameBits(back.getParameters(), model.getParameters())).toBe(true);
  });

  it("store f16 weights in about half the bytes, each parameter rounded to its nearest f16", () => {
    const model = described(), f32 = encodeModel(model), f16 = encodeModel(model, { dtype: "f16" });
    const back = decodeModel(f16).getParameters(), p = model.getParameters();
    expect(back).toEqual(Float32Array.from(p, (v) => f16Value(f16Bits(v)!)));
    expect(unpackCheckpoint(f16, "m").header.dtype).toBe("f16");
    const headerBytes = f32.length - p.length * 4;
    expect(f16.length - headerBytes).toBeLessThanOrEqual(p.length * 2 + 16 + 4);
    expect(decodeModel(f16).config).toEqual(model.config);
  });

  it("store int8 weights with a scale per row, each within half a step, biases exact", () => {
    const model = described(), back = decodeModel(encodeModel(model, { dtype: "int8" }));
    for (const [l, { inputs, outputs, weight, bias }] of back.getWeights().entries()) {
      const original = model.getWeights()[l]!;
      expect(bias).toEqual(original.bias);
      for (let o = 0; o < outputs; o++) {
        const row = original.weight.subarray(o * inputs, (o + 1) * inputs);
        const step = Math.fround(Math.max(...Array.from(row, Math.abs)) / 127);
        row.forEach((w, i) => expect(Math.abs(weight[o * inputs + i]! - w)).toBeLessThanOrEqual(step / 2 * (1 + 1e-6)));
      }
    }
  });

  it("shrink d2l's 784-256-10 MLP from 814 KB to about 407 KB (f16) and 205 KB (int8)", () => {
    const model = new MLP({ layers: [784, 256, 10] });
    const sizes = (["f32", "f16", "int8"] as const).map((dtype) => encodeModel(model, { dtype }).length);
    expect(sizes[0]! - 203530 * 4).toBeLessThan(200);
    expect(sizes[1]! - 203530 * 2).toBeLessThan(200);
    expect(sizes[2]! - (784 * 256 + 256 * 10 + 266 * 8)).toBeLessThan(200);
  });

  it("refuse an unknown dtype, an unknown option, and f16 for a weight beyond ±65504, saying what to use", () => {
    const model = new SoftmaxRegression({ inputs: 3, classes: 2 });
    expect(optionError(() => encodeModel(model, { dtype: "f8" as "f16" })).message).toBe('Invalid dtype: expected one of "f32", "f16", "int8", got "f8".');
    expect(optionError(() => encodeModel(model, { dtyp: "f16" } as never)).message).toMatch(/Known options: dtype\./);
    const p = model.getParameters();
    p[4] = 70000;
    model.setParameters(p);
    expect(optionError(() => encodeModel(model, { dtype: "f16" })).message).toBe(
      'Invalid dtype: expected "f32" or "int8" for this model (parameter 4 is 70000, beyond f16\'s ±65504), got "f16". ' +
      'Save it with { dtype: "int8" } (scaled per row) or { dtype: "f32" }, or find out why the weights grew so large (weight decay helps).');
    expect(decodeModel(encodeModel(model, { dtype: "int8" })).getParameters()[4]).toBeCloseTo(70000, -3);
  });

  it("keep checkpoints with optimizer state in f32", () => {
    const model = new SoftmaxRegression({ inputs: 3, classes: 2 });
    const bytes = encodeCheckpoint({ model, optimizer: new SGD({ momentum: 0.9 }) });
    expect(unpackCheckpoint(bytes, "c").header.dtype).toBeUndefined();
    const asF16 = editCheckpoint(bytes, ({ header }) => { header.dtype = "f16"; });
    expect(() => decodeCheckpoint(asF16)).toThrow(/expected f32 parameters in a checkpoint with optimizer state, got dtype "f16"\./);
  });
});

describe("model files of earlier format versions", () => {
  // Saved by wasm-softmax before format version 3: a trained softmax regression and MLP, and a run with Adam state.
  it.each([1, 2])("version %i files load, with the parameters their payload holds", (version) => {
    for (const name of ["softmax", "mlp"]) {
      const bytes = fixture(`${name}-v${version}.wsmx`);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(version);
      const { header, payload } = splitCheckpoint(bytes);
      const expected = new Float32Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength));
      const model = decodeModel(bytes);
      expect(model.config).toEqual(header.model);
      expect(sameBits(model.getParameters(), expected)).toBe(true);
      // Nothing known of their inputs: Uint8Array as pixels, floats as given, as these versions predicted.
      expect(model.input).toEqual({ features: 6 });
      expect(model.labels).toBeUndefined();
      // Saved again, they are version 3 files of the same model.
      const again = encodeModel(model);
      expect(sameBits(decodeModel(again).getParameters(), expected)).toBe(true);
    }
  });

  it.each([1, 2])("a version %i checkpoint of a run keeps its optimizer state and training position", (version) => {
    const { model, optimizer, training } = decodeCheckpoint(fixture(`mlp-adam-run-v${version}.wsmx`));
    expect(model.layers).toEqual([6, 4, 3]);
    expect(optimizer!.config.type).toBe("adam");
    expect(optimizer!.steps).toBe(6);
    expect(training!.epoch).toBe(2);
  });
});

describe("damaged or impossible model files", () => {
  const good = () => encodeModel(described());
  const header = (edit: (h: Record<string, unknown>) => void) => editCheckpoint(good(), ({ header: h }) => edit(h));
  const model = (edit: (m: Record<string, unknown>) => void) => header((h) => edit(h.model as Record<string, unknown>));
  const refused = (bytes: Uint8Array): FormatError => {
    const error = thrown(() => decodeModel(bytes, "model.wsmx"));
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  };

  it.each([
    ["a truncated header", (b: Uint8Array) => b.subarray(0, 40), /Invalid model\.wsmx: expected a \d+-byte header, got 24 bytes after the preamble\./],
    ["a cut-off file", (b: Uint8Array) => b.subarray(0, b.length - 9), /expected CRC-32 \d+ over header and payload, got \d+\. The file is damaged/],
    ["a flipped bit in the metadata", (b: Uint8Array) => { const c = b.slice(); c[c.indexOf(0x74 /* t */, 12)]! ^= 2; return c; }, /over header and payload/],
    ["metadata that is not JSON under a valid checksum", (b: Uint8Array) => {
      const c = b.slice(), at = new TextDecoder().decode(c).indexOf('"trainedOn"');
      c[at] = 0x7b; // {
      return reseal(c);
    }, /expected a JSON header, got unreadable bytes/],
  ])("refuses %s", (_, damage, message) => {
    expect(refused(damage(good())).message).toMatch(message);
  });

  it("refuses more labels than classes, naming the count", () => {
    const error = refused(model((m) => { m.labels = ["a", "b", "c", "d"]; }));
    expect(error.message).toBe("Invalid model.wsmx: expected a valid model, optimizer and training position, got Invalid labels: " +
      'expected an array of 3 strings, one per class, got array(4). Give one name per class (3), in class order. The file is damaged or was written by another program; save it again.');
  });

  it("refuses metadata over MAX_METADATA_BYTES", () => {
    const error = refused(model((m) => { m.metadata = { notes: "x".repeat(MAX_METADATA_BYTES) }; }));
    expect(error.message).toMatch(/Invalid metadata size in bytes: expected at most 65536 \(MAX_METADATA_BYTES, as UTF-8 JSON text\), got 65548\./);
  });

  it.each([
    ["an image shape of the wrong area", (m: Record<string, unknown>) => { (m.input as Record<string, unknown>).imageShape = [2, 2]; }, /Invalid input\.imageShape/],
    ["a normalizer of another width", (m: Record<string, unknown>) => {
      (m.input as { normalizer: { offset: number[]; spread: number[] } }).normalizer.offset.pop();
    }, /Invalid normalizer\.spread: expected an array of 5 finite f32 numbers/],
    ["a negative spread", (m: Record<string, unknown>) => { (m.input as { normalizer: { spread: number[] } }).normalizer.spread[1] = -1; }, /Invalid normalizer\.spread\[1\]: expected a spread ≥ 0, got -1/],
    ["pixels that are not a boolean", (m: Record<string, unknown>) => { (m.input as Record<string, unknown>).pixels = "yes"; }, /Invalid input\.pixels: expected true or false/],
    ["an unknown input key", (m: Record<string, unknown>) => { (m.input as Record<string, unknown>).scale = 2; }, /Unknown input option "scale"/],
  ])("refuses %s", (_, edit, message) => {
    expect(refused(model(edit)).message).toMatch(message);
  });

  it("refuses an int8 row whose scale is zero or not finite, naming the layer and row", () => {
    const bytes = encodeModel(described(), { dtype: "int8" });
    for (const bad of [0, NaN, -Infinity]) {
      const damaged = editCheckpoint(bytes, ({ payload }) => { new DataView(payload.buffer, payload.byteOffset).setFloat32(5 * 8 + 4, bad, true); });
      expect(refused(damaged).message).toBe(`Invalid model.wsmx: expected a finite scale > 0 for every int8 weight row, got ${bad} for layer 2, row 1. ` +
        "The file is damaged or was written by another program; save it again.");
    }
  });

  it("refuses an unknown dtype, and a dtype in a file of an earlier version", () => {
    expect(refused(header((h) => { h.dtype = "bf16"; })).message).toMatch(/expected a dtype of "f16" or "int8" \(or none, for f32\), got "bf16"/);
    const v2 = editCheckpoint(good(), (parts) => { parts.version = 2; parts.header.dtype = "f16"; });
    expect(refused(v2).message).toMatch(/expected no dtype in a format version 2 file, got "f16"/);
  });

  it("refuses a file from a newer format version, saying which version it needs", () => {
    const v9 = editCheckpoint(good(), (parts) => { parts.version = 9; });
    expect(refused(v9).message).toBe("Invalid model.wsmx: expected format version 1, 2 or 3, got 9. It was saved by a newer wasm-softmax: " +
      "load it with one that reads format version 9.");
  });

  it("refuses metadata that is not plain JSON, or too large, when the model is built", () => {
    const base = { inputs: 3, classes: 2 };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [metadata, option] of [[{ when: new Date(0) }, "metadata.when"], [{ a: [1, NaN] }, "metadata.a[1]"], [cyclic, "metadata"],
      [() => 1, "metadata"], [{ x: undefined }, "metadata.x"]] as const) {
      const error = optionError(() => new SoftmaxRegression({ ...base, metadata: metadata as never }));
      expect(error.option.startsWith(option)).toBe(true);
      expect(error.hint).toBe("Convert dates and typed arrays to strings or arrays.");
    }
    expect(optionError(() => new SoftmaxRegression({ ...base, metadata: "x".repeat(MAX_METADATA_BYTES) })).option).toBe("metadata size in bytes");
    expect(new SoftmaxRegression({ ...base, metadata: "x".repeat(MAX_METADATA_BYTES - 2) }).metadata).toHaveLength(MAX_METADATA_BYTES - 2);
    expect(thrown(() => new SoftmaxRegression({ ...base, labels: ["a", "b", "c"] }))).toBeInstanceOf(OptionError);
  });
});
