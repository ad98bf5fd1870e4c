import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/wasm/init.js";
import { SoftmaxRegression, MLP } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit, trainEpoch, evaluate } from "../../src/train/train.js";
import type { TrainEvent } from "../../src/train/train.js";
import { Dataset, U8_SCALE } from "../../src/data/dataset.js";
import { epochOrder } from "../../src/data/batches.js";
import { DivergenceError, OptionError, ShapeError, WasmError } from "../../src/errors.js";
import { BACKENDS } from "../../src/kernels/contract.js";
import { referenceTrajectory } from "./reference.js";
import { blobs } from "../helpers/data.js";

describe.each(BACKENDS)("training with the %s backend", (backend) => {
  beforeAll(async () => {
    await init({ backend });
  });

  it.each([false, true])("follows a float64 reference loss trajectory for seed 7 (uint8 pixels: %s)", async (pixels) => {
    const data = blobs(300, 12, 4, 7, pixels);
    const model = new SoftmaxRegression({ inputs: 12, classes: 4, seed: 7, weightStd: 0.5 });
    const W0 = model.getParameters();
    const history = await fit(model, data, { epochs: 5, batchSize: 32, seed: 7, optimizer: new SGD({ lr: 0.5 }) });
    const x = data.x instanceof Uint8Array ? Float32Array.from(data.x, (v) => Math.fround(v * U8_SCALE)) : data.x;
    const orders = [1, 2, 3, 4, 5].map((e) => epochOrder(data.length, true, 7, e));
    const expected = referenceTrajectory(x, data.y, 12, 4, W0, orders, 32, 0.5);
    const losses = history.epochs.map((e) => e.loss);
    expect(losses).toHaveLength(5);
    for (let e = 0; e < 5; e++) expect(losses[e]).toBeCloseTo(expected[e]!, 4);
    expect(losses[4]!).toBeLessThan(losses[0]! * 0.7);
  });

  it("gives identical weights for the same seed and different ones for another", async () => {
    const data = blobs(200, 6, 3, 1);
    const run = async (seed: number) => {
      const model = new SoftmaxRegression({ inputs: 6, classes: 3, seed });
      await fit(model, data, { epochs: 2, batchSize: 16, seed });
      return model.getParameters();
    };
    const a = await run(3), b = await run(3), c = await run(4);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it("reports running means per epoch, validation figures, and whole epochs only", async () => {
    const all = blobs(320, 8, 3, 2);
    const data = all.subset(Array.from({ length: 256 }, (_, i) => i)), val = all.subset(Array.from({ length: 64 }, (_, i) => 256 + i));
    const events: TrainEvent[] = [];
    const history = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 3, batchSize: 100, validationData: val, optimizer: new SGD({ lr: 2 }), callbacks: [(e) => { events.push(e); }],
    });
    expect(history.stopped).toBe("completed");
    expect(history.backend).toBe(backend);
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of history.epochs) {
      expect(e.acc).toBeGreaterThanOrEqual(0);
      expect(e.acc).toBeLessThanOrEqual(1);
      expect(e.valLoss).toBeGreaterThan(0);
      expect(e.ms).toBeGreaterThan(0);
    }
    expect(history.epochs[2]!.valAcc).toBeGreaterThan(0.6); // chance is 0.33
    // 3 batches (100, 100, 56) and one epoch event per epoch.
    expect(events.filter((e) => e.phase === "batch")).toHaveLength(9);
    expect(events.filter((e) => e.phase === "epoch").map((e) => e.logs.valAcc)).toEqual(history.epochs.map((e) => e.valAcc));
    const lastBatch = events.find((e) => e.phase === "batch" && e.epoch === 3 && e.batch === 3)!;
    expect(lastBatch.logs.loss).toBeCloseTo(history.epochs[2]!.loss, 10);
    const v = evaluate(new SoftmaxRegression({ inputs: 8, classes: 3 }), val);
    expect(v.acc).toBeGreaterThanOrEqual(0);
  });

  it("stops when a callback returns stop, or when the signal aborts", async () => {
    const data = blobs(256, 8, 3, 2);
    const byBatch = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, batchSize: 64, callbacks: [(e) => (e.epoch === 2 && e.batch === 2 ? "stop" : undefined)],
    });
    expect(byBatch.stopped).toBe("callback");
    expect(byBatch.epochs).toHaveLength(1);
    const byEpoch = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, callbacks: [async (e) => (e.phase === "epoch" && e.epoch === 3 ? "stop" : undefined)],
    });
    expect(byEpoch.epochs).toHaveLength(3);
    const controller = new AbortController();
    const aborted = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, signal: controller.signal, callbacks: [(e) => { if (e.epoch === 2) controller.abort(); }],
    });
    expect(aborted.stopped).toBe("aborted");
    // Aborted during the last batch of epoch 2: that epoch completes, no third starts.
    expect(aborted.epochs).toHaveLength(2);
    const midEpoch = new AbortController();
    const cut = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, batchSize: 64, signal: midEpoch.signal, callbacks: [(e) => { if (e.epoch === 2 && e.batch === 1) midEpoch.abort(); }],
    });
    expect(cut.stopped).toBe("aborted");
    expect(cut.epochs).toHaveLength(1);
  });

  it("lets callbacks predict with the weights of the running fit", async () => {
    const data = blobs(200, 5, 3, 4);
    const model = new SoftmaxRegression({ inputs: 5, classes: 3 });
    const before = model.predictProba(data);
    let during: Float32Array | undefined;
    await fit(model, data, { epochs: 2, callbacks: [(e) => { if (e.phase === "epoch" && e.epoch === 2) during = model.predictProba(data); }] });
    expect(during).toBeDefined();
    expect(during).not.toEqual(before);
    expect(model.predictProba(data)).toEqual(during);
  });

  it("throws a DivergenceError with a hint to lower the learning rate when the loss stops being finite", async () => {
    const x = new Float32Array(64 * 4).map((_, i) => (i % 7) * 1e18);
    const y = Int32Array.from({ length: 64 }, (_, i) => i % 2);
    const data = Dataset.fromArrays(x, y, { features: 4, classes: 2 });
    const model = new SoftmaxRegression({ inputs: 4, classes: 2 });
    const error = await fit(model, data, { optimizer: new SGD({ lr: 1e30 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as DivergenceError).hint).toMatch(/lower the learning rate/i);
    // The failed fit released the model: it can be trained again.
    await expect(trainEpoch(model, data)).rejects.toBeInstanceOf(DivergenceError);
  });

  it("trains an MLP with a hidden ReLU layer", async () => {
    const data = blobs(400, 10, 4, 5);
    const model = new MLP({ layers: [10, 16, 4], seed: 1, weightStd: 0.3 });
    const history = await fit(model, data, { epochs: 8, batchSize: 32, optimizer: new SGD({ lr: 0.3 }) });
    expect(history.epochs[7]!.loss).toBeLessThan(history.epochs[0]!.loss);
    expect(history.epochs[7]!.acc).toBeGreaterThan(0.8);
  });
});

describe("fit and trainEpoch options", () => {
  const data = blobs(50, 4, 2, 1);
  const model = () => new SoftmaxRegression({ inputs: 4, classes: 2 });
  beforeAll(async () => { await init(); });

  it.each([
    ["epochs", { epochs: 0 }], ["epochs", { epochs: 1.5 }], ["epochs", { epochs: NaN }],
    ["batchSize", { batchSize: 0 }], ["batchSize", { batchSize: -1 }], ["batchSize", { batchSize: Infinity }],
    ["shuffle", { shuffle: "yes" }], ["seed", { seed: -1 }], ["seed", { seed: 0.5 }],
    ["callbacks", { callbacks: [1] }], ["callbacks", { callbacks: () => undefined }], ["optimizer", { optimizer: {} }],
    ["signal", { signal: "stop" }], ["validationData", { validationData: [1, 2] }],
  ])("rejects a bad %s with an OptionError naming it", async (option, options) => {
    const error = await fit(model(), data, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe(option);
    expect((error as Error).message).toMatch(new RegExp(`^Invalid ${option}: expected .+, got .+\\.`));
  });

  it.each([0, -0.1, NaN, Infinity, "0.1"])("rejects the learning rate %s", (lr) => {
    expect(() => new SGD({ lr: lr as number })).toThrow(OptionError);
  });

  it("rejects data that is not a Dataset, or empty", async () => {
    await expect(fit(model(), [1, 2] as never)).rejects.toThrow(/Invalid train data: expected a Dataset/);
    const empty = Dataset.fromArrays(new Float32Array(0), new Int32Array(0), { features: 4, classes: 2 });
    await expect(fit(model(), empty)).rejects.toThrow(/at least one example/);
    expect(() => evaluate(model(), empty)).toThrow(OptionError);
  });

  it("rejects data whose features or classes differ from the model's with a ShapeError", async () => {
    await expect(fit(new SoftmaxRegression({ inputs: 5, classes: 2 }), data)).rejects.toBeInstanceOf(ShapeError);
    await expect(fit(new SoftmaxRegression({ inputs: 4, classes: 3 }), data)).rejects.toThrow(/3 classes/);
    await expect(fit(model(), data, { validationData: blobs(10, 5, 2, 1) })).rejects.toBeInstanceOf(ShapeError);
  });

  it("rejects a second fit of a model that is already training", async () => {
    const m = model();
    const first = fit(m, data, { epochs: 3 });
    await expect(fit(m, data)).rejects.toThrow(/already being trained/);
    await first;
  });

  it("rejects an epoch number below 1 in trainEpoch", async () => {
    await expect(trainEpoch(model(), data, { epoch: 0 })).rejects.toBeInstanceOf(OptionError);
  });

  it("keeps WasmError for use before init out of reach once init has run", () => {
    // runtime() before init() is covered in a fresh process by tests/wasm; here init has run.
    expect(() => evaluate(model(), data)).not.toThrow(WasmError);
  });
});
