// Data over the Trainer's residentBytes is streamed a batch at a time through a fixed staging buffer, with the
// same bits as when it is resident; Dataset.concat keeps several arrays as one data set.
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import type { FitOptions } from "../../src/train/fit.js";
import { DEFAULT_RESIDENT_BYTES, Trainer } from "../../src/train/trainer.js";
import { Dataset } from "../../src/data/dataset.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import type { Backend } from "../../src/kernels/contract.js";
import { blobs } from "../helpers/data.js";
import { thrown } from "../helpers/errors.js";

const runtimes = new Map<Backend, Runtime>();
beforeAll(async () => {
  for (const backend of ["wasm-simd", "js"] as const) runtimes.set(backend, await createRuntime({ backend }));
});

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const pixels = blobs(300, 16, 4, 5, true), features = blobs(300, 16, 4, 5, false);
// Soft labels: uneven rows, each divided by its sum.
const softRows = Float32Array.from({ length: 300 * 4 }, (_, i) => ((i * 7) % 5 + 1) / 10);
for (let r = 0; r < 300; r++) {
  const row = softRows.subarray(r * 4, r * 4 + 4), sum = row.reduce((a, b) => a + b, 0);
  row.forEach((v, c) => { row[c] = v / sum; });
}
const soft = Dataset.fromArrays(features.x, softRows, { features: 16, classes: 4 });
const thirds = (d: Dataset) => Dataset.concat([d.subset(range(0, 90)), d.subset(range(90, 91)), d.subset(range(91, 300))]);

async function run(data: Dataset, options: FitOptions): Promise<{ weights: string; history: unknown[] }> {
  const model = new MLP({ layers: [16, 8, 4], seed: 3 });
  const history = await fit(model, data, { epochs: 3, batchSize: 32, optimizer: new Adam({ lr: 0.01 }), validationData: data, ...options });
  return { weights: bits(model.getParameters()), history: history.epochs.map(({ ms: _, ...logs }) => logs) };
}

describe.each(["wasm-simd", "js"] as const)("streaming on %s", (backend) => {
  const cases: [string, Dataset, FitOptions][] = [
    ["uint8 pixels", pixels, {}],
    ["float32 features", features, {}],
    ["soft targets", soft, {}],
    ["one-hot targets for the l2 loss", pixels, { loss: "l2" }],
    ["unshuffled", features, { shuffle: false }],
  ];
  it.each(cases)("trains %s to the same bits as the resident path", async (_, data, options) => {
    const runtime = runtimes.get(backend)!;
    const resident = await run(data, { ...options, runtime });
    const streamed = await run(data, { ...options, runtime, residentBytes: 0 });
    expect(streamed).toEqual(resident);
    expect(runtime.bytesInUse).toBe(0);
  });

  it("trains a Dataset.concat of three parts to the same bits, resident or streamed", async () => {
    const runtime = runtimes.get(backend)!;
    const whole = await run(pixels, { runtime });
    expect(await run(thirds(pixels), { runtime })).toEqual(whole);
    expect(await run(thirds(pixels), { runtime, residentBytes: 0 })).toEqual(whole);
    expect(await run(thirds(soft), { runtime, residentBytes: 0 })).toEqual(await run(soft, { runtime }));
  });
});

describe("the residentBytes budget", () => {
  // 300 rows of 16 pixels, plus 4 bytes of label and 4 of order per row.
  const footprint = 300 * 16 + 8 * 300;
  const big = blobs(20_000, 16, 4, 5, true), bigFootprint = 20_000 * (16 + 8);

  it("copies a data set that fits in once, and streams one a byte over, holding no more than a batch of it", async () => {
    const runtime = runtimes.get("wasm-simd")!;
    const model = new SoftmaxRegression({ inputs: 16, classes: 4 });
    const base = runtime.bytesInUse;
    let resident;
    {
      using fits = new Trainer(model, { batchSize: 32, runtime, residentBytes: footprint });
      await fits.trainEpoch(pixels);
      resident = runtime.bytesInUse - base;
    }
    using over = new Trainer(model, { batchSize: 32, runtime, residentBytes: footprint - 1 });
    await over.trainEpoch(pixels);
    const streaming = runtime.bytesInUse - base;
    await over.trainEpoch(big);
    over.evaluate(big);
    expect(runtime.bytesInUse - base).toBe(streaming);
    // The copy is the difference: rows, labels and order, each block rounded up to 64 bytes.
    expect(resident - streaming).toBeGreaterThanOrEqual(footprint);
    expect(resident - streaming).toBeLessThan(footprint + 3 * 64);
    expect(streaming).toBeLessThan(bigFootprint / 10);
  });

  it("counts every data set of the Trainer against one budget", async () => {
    const runtime = runtimes.get("wasm-simd")!;
    const base = runtime.bytesInUse;
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 16, classes: 4 }), { batchSize: 32, runtime, residentBytes: footprint * 1.5 });
    await trainer.trainEpoch(pixels);
    const held = runtime.bytesInUse;
    trainer.evaluate(blobs(300, 16, 4, 6, true));
    expect(runtime.bytesInUse).toBe(held);
    expect(held - base).toBeGreaterThan(footprint);
  });

  it("defaults to 1 GiB", () => {
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 16, classes: 4 }), { runtime: runtimes.get("js")! });
    expect(DEFAULT_RESIDENT_BYTES).toBe(2 ** 30);
    expect(trainer.residentBytes).toBe(2 ** 30);
  });

  it.each([[-1], [1.5], ["1GB"], [Number.NaN]])("refuses residentBytes %s with an OptionError naming it", (value) => {
    const error = thrown(() => new Trainer(new SoftmaxRegression({ inputs: 16, classes: 4 }),
      { runtime: runtimes.get("js")!, residentBytes: value as number }));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe("residentBytes");
  });

  it("is a fit option too", async () => {
    await expect(fit(new SoftmaxRegression({ inputs: 16, classes: 4 }), pixels, { runtime: runtimes.get("js")!, residentBytes: -1 }))
      .rejects.toThrow(/^Invalid residentBytes: /);
  });
});

describe("Dataset.concat", () => {
  it("keeps the parts' arrays, concatenates labels and targets, and reads rows across parts", () => {
    const a = pixels.subset(range(0, 100)), b = pixels.subset(range(100, 300));
    const all = Dataset.concat([a, b]);
    expect(all.length).toBe(300);
    expect(all.parts.map((p) => p.x)).toEqual([a.x, b.x]);
    expect(all.parts[1]!.x).toBe(b.x);
    expect(all.y).toEqual(pixels.y);
    expect(all.row(100)).toEqual(pixels.row(100));
    expect(all.subset(range(95, 105)).x).toEqual(pixels.subset(range(95, 105)).x);
    expect(Dataset.concat([thirds(soft), soft.subset([0])]).targets).toEqual(
      Float32Array.from([...soft.targets!, ...soft.targets!.subarray(0, 4)]));
  });

  it("gives a plain Dataset (with x) for one part, and a ShapeError with a hint for x of several", () => {
    expect(Dataset.concat([pixels]).x).toBe(pixels.x);
    const error = thrown(() => thirds(pixels).x);
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe("Invalid Dataset.x: expected a Dataset held in one array, got one held in 3 (from Dataset.concat). " +
      "Read its rows with row(i) or subset(indices); Trainer, fit and evaluate take it as it is.");
  });

  it.each([
    ["different features", [pixels, blobs(10, 8, 4, 1, true)], "16 features, 4 classes, Uint8Array rows", "8 features, 4 classes, Uint8Array rows"],
    ["different classes", [pixels, blobs(10, 16, 3, 1, true)], "16 features, 4 classes, Uint8Array rows", "16 features, 3 classes, Uint8Array rows"],
    ["pixels and features", [pixels, features], "16 features, 4 classes, Uint8Array rows", "16 features, 4 classes, Float32Array rows"],
    ["targets and labels", [soft, features], "16 features, 4 classes, Float32Array rows and target rows", "16 features, 4 classes, Float32Array rows"],
  ])("refuses parts with %s", (_, parts, expected, got) => {
    const error = thrown(() => Dataset.concat(parts as Dataset[]));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe(`Invalid Dataset.concat parts[1]: expected ${expected}, got ${got}. Concatenate parts of one data set.`);
  });

  it.each([[[]], [undefined], [[pixels, "x"]]])("refuses %s, which is not a non-empty array of Datasets", (parts) => {
    const error = thrown(() => Dataset.concat(parts as Dataset[]));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toMatch(/^Invalid parts: expected a non-empty array of Datasets, got /);
  });
});
