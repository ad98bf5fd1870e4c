// fit and evaluate: the whole training pipeline against a float64 reference, determinism, what callbacks are
// told and in which order, stopping, and every option's validation.
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime, init, runtimeOf } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { SoftmaxRegression, MLP } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { evaluate } from "../../src/train/evaluate.js";
import { Trainer } from "../../src/train/trainer.js";
import type { TrainEvent } from "../../src/train/events.js";
import { Dataset, U8_SCALE } from "../../src/data/dataset.js";
import { epochOrder } from "../../src/data/batches.js";
import { ClosedError, DivergenceError, OptionError, ShapeError } from "../../src/errors.js";
import type { Backend } from "../../src/kernels/contract.js";
import { BACKENDS } from "../../src/kernels/contract.js";
import { referenceTrajectory } from "./reference.js";
import { blobs } from "../helpers/data.js";
import { rejection } from "../helpers/errors.js";

const runtimes = new Map<Backend, Runtime>(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe.each(BACKENDS)("training with the %s backend", (backend) => {
  const runtime = runtimes.get(backend)!;

  it.each([false, true])("follows a float64 reference loss trajectory for seed 7 (uint8 pixels: %s)", async (pixels) => {
    const data = blobs(300, 12, 4, 7, pixels);
    const model = new SoftmaxRegression({ inputs: 12, classes: 4, seed: 7, weightStd: 0.5 });
    const W0 = model.getParameters();
    const history = await fit(model, data, { epochs: 5, batchSize: 32, seed: 7, optimizer: new SGD({ lr: 0.5 }), runtime });
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
      await fit(model, data, { epochs: 2, batchSize: 16, seed, runtime });
      return model.getParameters();
    };
    const a = await run(3), b = await run(3), c = await run(4);
    expect(bits(a).equals(bits(b))).toBe(true);
    expect(bits(a).equals(bits(c))).toBe(false);
  });

  it("reports running means per epoch, validation figures, and whole epochs only", async () => {
    const all = blobs(320, 8, 3, 2);
    const data = all.subset(Array.from({ length: 256 }, (_, i) => i)), val = all.subset(Array.from({ length: 64 }, (_, i) => 256 + i));
    const events: TrainEvent[] = [];
    const history = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 3, batchSize: 100, validationData: val, optimizer: new SGD({ lr: 2 }), callbacks: [(e) => { events.push(e); }], runtime,
    });
    expect(history.stopped).toBe("completed");
    expect(history.backend).toBe(backend);
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of history.epochs) {
      expect(e.accuracy).toBeGreaterThanOrEqual(0);
      expect(e.accuracy).toBeLessThanOrEqual(1);
      expect(e.valLoss).toBeGreaterThan(0);
      expect(e.ms).toBeGreaterThan(0);
      expect(e.lr).toBe(2);
      expect(Object.keys(e).sort()).toEqual(["accuracy", "epoch", "loss", "lr", "ms", "valAccuracy", "valLoss"]);
    }
    expect(history.epochs[2]!.valAccuracy).toBeGreaterThan(0.6); // chance is 0.33
    // 3 batches (100, 100, 56) and one epoch event per epoch.
    expect(events.filter((e) => e.phase === "batch")).toHaveLength(9);
    expect(events.filter((e) => e.phase === "epoch").map((e) => e.logs.valAccuracy)).toEqual(history.epochs.map((e) => e.valAccuracy));
    const lastBatch = events.find((e) => e.phase === "batch" && e.epoch === 3 && e.batch === 3)!;
    expect(lastBatch.logs.loss).toBeCloseTo(history.epochs[2]!.loss, 10);
    for (const e of events) expect([e.epochs, e.batches]).toEqual([3, 3]);
  });

  it("evaluates a model to the same figures as the validation of fit's last epoch, without changing it", async () => {
    const all = blobs(300, 8, 3, 2);
    const data = all.subset(Array.from({ length: 200 }, (_, i) => i)), val = all.subset(Array.from({ length: 100 }, (_, i) => 200 + i));
    const model = new SoftmaxRegression({ inputs: 8, classes: 3 });
    const history = await fit(model, data, { epochs: 2, batchSize: 50, validationData: val, runtime });
    const before = model.getParameters();
    const v = evaluate(model, val, { batchSize: 64, runtime });
    expect(v.n).toBe(100);
    expect(v.accuracy).toBe(history.epochs[1]!.valAccuracy);
    expect(v.loss).toBeCloseTo(history.epochs[1]!.valLoss!, 6);
    expect(bits(model.getParameters()).equals(bits(before))).toBe(true);
    const held = runtime.bytesInUse;
    const predicted = model.predict(val, { runtime });
    expect(v.accuracy).toBe(predicted.filter((p, i) => p === val.y[i]).length / 100);
    // evaluate and predict share the parameters the runtime keeps for the model, and hold nothing else after.
    expect(runtime.bytesInUse).toBe(held);
  });

  it("stops when a callback returns stop, or when the signal aborts", async () => {
    const data = blobs(256, 8, 3, 2);
    const byBatch = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, batchSize: 64, callbacks: [(e) => (e.epoch === 2 && e.batch === 2 ? "stop" : undefined)], runtime,
    });
    expect(byBatch.stopped).toBe("callback");
    expect(byBatch.epochs).toHaveLength(1);
    const byEpoch = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, callbacks: [async (e) => (e.phase === "epoch" && e.epoch === 3 ? "stop" : undefined)], runtime,
    });
    expect(byEpoch.stopped).toBe("callback");
    expect(byEpoch.epochs).toHaveLength(3);
    const controller = new AbortController();
    const aborted = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, signal: controller.signal, callbacks: [(e) => { if (e.epoch === 2) controller.abort(); }], runtime,
    });
    expect(aborted.stopped).toBe("aborted");
    // Aborted during the last batch of epoch 2: that epoch completes, no third starts.
    expect(aborted.epochs).toHaveLength(2);
    const midEpoch = new AbortController();
    const cut = await fit(new SoftmaxRegression({ inputs: 8, classes: 3 }), data, {
      epochs: 5, batchSize: 64, signal: midEpoch.signal, callbacks: [(e) => { if (e.epoch === 2 && e.batch === 1) midEpoch.abort(); }], runtime,
    });
    expect(cut.stopped).toBe("aborted");
    expect(cut.epochs).toHaveLength(1);
  });

  it("stops before the first batch when a trainBegin callback returns stop", async () => {
    const model = new SoftmaxRegression({ inputs: 8, classes: 3 });
    const before = model.getParameters();
    const phases: string[] = [];
    const history = await fit(model, blobs(64, 8, 3, 2), {
      epochs: 3, runtime, callbacks: [({ phase }) => { phases.push(phase); return phase === "trainBegin" ? "stop" : undefined; }],
    });
    expect(history.stopped).toBe("callback");
    expect(history.epochs).toEqual([]);
    expect(phases).toEqual(["trainBegin", "trainEnd"]);
    expect(bits(model.getParameters()).equals(bits(before))).toBe(true);
  });

  it("lets callbacks predict with the weights of the running fit", async () => {
    const data = blobs(200, 5, 3, 4);
    const model = new SoftmaxRegression({ inputs: 5, classes: 3 });
    const before = model.predictProba(data, { runtime });
    let during: Float32Array | undefined;
    await fit(model, data, {
      epochs: 2, runtime, callbacks: [(e) => { if (e.phase === "epoch" && e.epoch === 2) during = model.predictProba(data, { runtime }); }],
    });
    expect(during).toBeDefined();
    expect(during).not.toEqual(before);
    expect(model.predictProba(data, { runtime })).toEqual(during);
  });

  it("lets callbacks evaluate the model while it trains, with the live weights", async () => {
    const data = blobs(200, 5, 3, 4);
    const model = new SoftmaxRegression({ inputs: 5, classes: 3 });
    const seen: number[] = [];
    const history = await fit(model, data, {
      epochs: 2, runtime, validationData: data,
      callbacks: [(e) => { if (e.phase === "epoch") seen.push(evaluate(e.model, data, { runtime }).accuracy); }],
    });
    expect(seen).toEqual(history.epochs.map((e) => e.valAccuracy));
  });

  it("throws a DivergenceError with a hint to lower the learning rate when the loss stops being finite", async () => {
    const x = new Float32Array(64 * 4).map((_, i) => (i % 7) * 1e18);
    const y = Int32Array.from({ length: 64 }, (_, i) => i % 2);
    const data = Dataset.fromArrays(x, y, { features: 4, classes: 2 });
    const model = new SoftmaxRegression({ inputs: 4, classes: 2 }), optimizer = new SGD({ lr: 1e30 });
    const phases: string[] = [], before = runtime.bytesInUse;
    const error = await rejection(fit(model, data, { optimizer, runtime, callbacks: [({ phase }) => { phases.push(phase); }] }));
    expect(error).toBeInstanceOf(DivergenceError);
    // Epoch 1's loss is huge but finite; its step with lr 1e30 sends the weights to Infinity.
    expect(error.message).toBe("Training diverged: expected a finite loss, got NaN at epoch 2, batch 1. " +
      "Lower the learning rate (for example by 10×) or check the inputs for NaN or Inf.");
    expect([(error as DivergenceError).epoch, (error as DivergenceError).batch]).toEqual([2, 1]);
    expect((error as DivergenceError).hint).toMatch(/lower the learning rate/i);
    expect(phases).toEqual(["trainBegin", "batch", "epoch"]); // no trainEnd after an error
    // The failed fit released the model, the optimizer and its memory: both can be trained again.
    expect(runtime.bytesInUse).toBe(before);
    using trainer = new Trainer(model, { optimizer, runtime });
    await expect(trainer.trainEpoch(data)).rejects.toBeInstanceOf(DivergenceError);
  });

  it("trains an MLP with a hidden ReLU layer", async () => {
    const data = blobs(400, 10, 4, 5);
    const model = new MLP({ layers: [10, 16, 4], seed: 1, weightStd: 0.3 });
    const history = await fit(model, data, { epochs: 8, batchSize: 32, optimizer: new SGD({ lr: 0.3 }), runtime });
    expect(history.epochs[7]!.loss).toBeLessThan(history.epochs[0]!.loss);
    expect(history.epochs[7]!.accuracy).toBeGreaterThan(0.8);
  });

  it("frees every byte it took from the runtime when it ends", async () => {
    const before = runtime.bytesInUse;
    await fit(new MLP({ layers: [10, 16, 4] }), blobs(100, 10, 4, 5), { epochs: 2, validationSplit: 0.2, runtime });
    expect(runtime.bytesInUse).toBe(before);
  });
});

describe("what callbacks are told", () => {
  const runtime = runtimes.get("wasm-simd")!;
  const data = blobs(120, 6, 3, 3);
  const record = (events: TrainEvent[]) => (e: TrainEvent) => { events.push({ ...e, logs: { ...e.logs }, history: [...e.history] }); };

  it("trainBegin, then batch events and one epoch event per epoch, then trainEnd with stopped", async () => {
    const events: TrainEvent[] = [];
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 }), optimizer = new SGD({ lr: 0.2 });
    const history = await fit(model, data, { epochs: 2, batchSize: 50, optimizer, validationData: data, callbacks: [record(events)], runtime });
    expect(events.map((e) => `${e.phase} ${e.epoch}.${e.batch}`)).toEqual([
      "trainBegin 0.0", "batch 1.1", "batch 1.2", "batch 1.3", "epoch 1.3", "batch 2.1", "batch 2.2", "batch 2.3", "epoch 2.3", "trainEnd 2.0",
    ]);
    const [begin, end] = [events[0]!, events.at(-1)!];
    expect(begin.logs.loss).toBeNaN();
    expect(begin.logs.accuracy).toBeNaN();
    expect(begin.history).toEqual([]);
    expect(begin.stopped).toBeUndefined();
    expect(end.stopped).toBe("completed");
    expect(end.logs).toEqual(history.epochs[1]);
    expect(end.history).toEqual(history.epochs);
    for (const e of events) {
      expect(e.model).toBe(model);
      expect(e.optimizer).toBe(optimizer);
      expect([e.epochs, e.batches]).toEqual([2, 3]);
      expect(e.run).toEqual({ seed: 0, batchSize: 50, shuffle: true, loss: { type: "cross-entropy", labelSmoothing: 0 } });
      expect(e.validates).toBe(true);
      if (e.phase !== "trainEnd") expect(e.stopped).toBeUndefined();
    }
    // Each epoch event's history ends with that epoch; batch events see only whole epochs before theirs.
    expect(events.filter((e) => e.phase === "epoch").map((e) => e.history.length)).toEqual([1, 2]);
    expect(events.filter((e) => e.phase === "batch").map((e) => e.history.length)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(optimizer.steps).toBe(6);
  });

  it("trainEnd says why training stopped: a callback, or the signal", async () => {
    const byCallback: TrainEvent[] = [];
    await fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), data, {
      epochs: 4, batchSize: 50, runtime, callbacks: [record(byCallback), (e) => (e.phase === "batch" && e.epoch === 2 && e.batch === 2 ? "stop" : undefined)],
    });
    expect(byCallback.map((e) => e.phase).slice(-2)).toEqual(["batch", "trainEnd"]);
    expect(byCallback.at(-1)).toMatchObject({ phase: "trainEnd", stopped: "callback", epoch: 1 });
    expect(byCallback.at(-1)!.history).toHaveLength(1);

    const controller = new AbortController();
    const bySignal: TrainEvent[] = [];
    await fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), data, {
      epochs: 4, batchSize: 50, runtime, signal: controller.signal,
      callbacks: [record(bySignal), (e) => { if (e.phase === "epoch" && e.epoch === 3) controller.abort(); }],
    });
    expect(bySignal.at(-1)).toMatchObject({ phase: "trainEnd", stopped: "aborted", epoch: 3 });
  });

  it("gives trainEpoch's own callbacks only what the epoch knows, and fit's callbacks the run's context", async () => {
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 6, classes: 3 }), { batchSize: 50, runtime });
    const seen: object[] = [];
    await trainer.trainEpoch(data, { epoch: 2, callbacks: [(e) => { seen.push(e); }] });
    expect(seen).toHaveLength(3);
    expect(Object.keys(seen[0]!).sort()).toEqual(["batch", "batches", "epoch", "logs", "model", "optimizer", "phase"]);
    expect(seen[2]).toMatchObject({ phase: "batch", epoch: 2, batch: 3, batches: 3 });
  });

  it("stops at the next batch with a ClosedError when the runtime is closed during fit, the model keeping the last step's weights", async () => {
    const own = await createRuntime({ backend: "wasm-simd" });
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const steps: Float32Array[] = [];
    const error = await rejection(fit(model, data, {
      epochs: 3, batchSize: 20, runtime: own, callbacks: [(e) => {
        if (e.phase !== "batch") return;
        steps.push(e.model.getParameters());
        if (e.epoch === 2 && e.batch === 2) own.close();
      }],
    }));
    expect(error).toBeInstanceOf(ClosedError);
    expect(error.message).toBe("This wasm-simd runtime was closed. Create a new one with createRuntime(), or use init()'s default.");
    expect(steps).toHaveLength(6 + 2);
    expect(bits(model.getParameters()).equals(bits(steps.at(-1)!))).toBe(true);
    // fit let go of the model: it trains again on another runtime.
    await fit(model, data, { epochs: 1, runtime });
  });

  it("trainBegin of a resumed run carries the epochs already done and their last figures", async () => {
    const earlier = [
      { epoch: 1, loss: 0.9, accuracy: 0.5, ms: 1 },
      { epoch: 2, loss: 0.7, accuracy: 0.6, ms: 1 },
    ];
    const events: TrainEvent[] = [];
    const history = await fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), data, {
      epochs: 3, initialEpoch: 2, history: earlier, batchSize: 60, runtime, callbacks: [record(events)],
    });
    expect(events[0]).toMatchObject({ phase: "trainBegin", epoch: 2, batch: 0, logs: earlier[1] });
    expect(events[0]!.history).toEqual(earlier);
    expect(events.map((e) => `${e.phase} ${e.epoch}`)).toEqual(["trainBegin 2", "batch 3", "batch 3", "epoch 3", "trainEnd 3"]);
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(history.epochs.slice(0, 2)).toEqual(earlier);
    expect(earlier).toHaveLength(2); // fit copied the history it was given
  });
});

describe("fit on two runtimes", () => {
  it("gives the same bits when two fits run at once on two runtimes as one after the other", async () => {
    const data = blobs(300, 10, 4, 8);
    const a = await createRuntime({ backend: "wasm-simd" }), b = await createRuntime({ backend: "wasm-simd" });
    const train = (runtime: Runtime) => {
      const model = new MLP({ layers: [10, 12, 4], seed: 2 });
      return fit(model, data, { epochs: 3, batchSize: 16, optimizer: new Adam({ lr: 0.01 }), runtime }).then(() => model.getParameters());
    };
    const [pa, pb] = await Promise.all([train(a), train(b)]);
    const alone = await train(a);
    expect(bits(pa).equals(bits(alone))).toBe(true);
    expect(bits(pb).equals(bits(alone))).toBe(true);
    expect([a.bytesInUse, b.bytesInUse]).toEqual([0, 0]);
  });
});

describe("fit, evaluate and Trainer options", () => {
  const data = blobs(50, 4, 2, 1);
  const model = () => new SoftmaxRegression({ inputs: 4, classes: 2 });
  beforeAll(async () => { await init(); });

  it("run on the default runtime init() set up when no runtime is given", async () => {
    const history = await fit(model(), data, { epochs: 1 });
    expect(history.backend).toBe(runtimeOf().backend);
    expect(history.backend).toBe("wasm-simd");
    expect(evaluate(model(), data).n).toBe(50);
  });

  it.each([
    ["epochs", { epochs: 0 }], ["epochs", { epochs: 1.5 }], ["epochs", { epochs: NaN }],
    ["batchSize", { batchSize: 0 }], ["batchSize", { batchSize: -1 }], ["batchSize", { batchSize: Infinity }],
    ["shuffle", { shuffle: "yes" }], ["seed", { seed: -1 }], ["seed", { seed: 0.5 }], ["seed", { seed: 2 ** 32 }],
    ["callbacks", { callbacks: [1] }], ["callbacks", { callbacks: () => undefined }], ["optimizer", { optimizer: {} }],
    ["signal", { signal: "stop" }], ["validationData", { validationData: [1, 2] }],
    ["initialEpoch", { epochs: 3, initialEpoch: 3 }], ["initialEpoch", { initialEpoch: -1 }], ["history", { history: {} }],
    ["runtime", { runtime: "js" }], ["loss", { loss: "hinge" }],
  ])("rejects a bad %s with an OptionError naming it", async (option, options) => {
    const error = await rejection(fit(model(), data, options as never));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe(option);
    expect(error.message).toMatch(new RegExp(`^Invalid ${option}: expected .+, got .+\\.`));
  });

  it("states the rules in the messages", async () => {
    expect((await rejection(fit(model(), data, { epochs: 0 }))).message).toBe("Invalid epochs: expected an integer ≥ 1, got 0.");
    expect((await rejection(fit(model(), data, { seed: 0.5 }))).message).toBe("Invalid seed: expected an integer in [0, 2^32), got 0.5.");
    expect((await rejection(fit(model(), data, { epochs: 3, initialEpoch: 3 }))).message)
      .toBe("Invalid initialEpoch: expected an integer in [0, epochs = 3), got 3.");
    expect((await rejection(fit(model(), data, { shuffle: "yes" as never }))).message).toBe('Invalid shuffle: expected true or false, got "yes".');
  });

  it("refuses unknown option keys, naming the nearest known one (listing them all where there are at most three)", async () => {
    expect((await rejection(fit(model(), data, { epoch: 1 } as never))).message).toBe('Unknown fit option "epoch". Did you mean "epochs"?');
    expect((await rejection(fit(model(), data, { validation_data: data } as never))).message)
      .toBe('Unknown fit option "validation_data". Did you mean "validationData"?');
    expect((await rejection(fit(model(), data, { batchsize: 8 } as never))).message).toBe('Unknown fit option "batchsize". Did you mean "batchSize"?');
    const unknown = await rejection(fit(model(), data, { lr: 0.1 } as never));
    expect(unknown).toBeInstanceOf(OptionError);
    expect(unknown.message).toBe('Unknown fit option "lr". Known options: optimizer, loss, batchSize, runtime, residentBytes, classWeight, shuffle, seed, ' +
      "callbacks, signal, sampler, epochs, initialEpoch, validationData, validationSplit, stratify, history.");
    expect(() => evaluate(model(), data, { batch_size: 8 } as never)).toThrow('Unknown evaluate option "batch_size". Did you mean "batchSize"?');
    expect(() => evaluate(model(), data, { epochs: 1 } as never)).toThrow('Unknown evaluate option "epochs". Known options: batchSize, loss, runtime, weighted.');
    expect(() => new Trainer(model(), { optimiser: new SGD() } as never)).toThrow('Unknown Trainer option "optimiser". Did you mean "optimizer"?');
    using trainer = new Trainer(model());
    await expect(trainer.trainEpoch(data, { seeds: 1 } as never)).rejects.toThrow('Unknown trainEpoch option "seeds". Did you mean "seed"?');
    expect(() => trainer.trainOnBatch(data.x.subarray(0, 4), [0], { epochs: 2 } as never))
      .toThrow('Unknown trainOnBatch option "epochs". Known options: epoch, weights.');
  });

  it("refuses options that are not an object", async () => {
    expect((await rejection(fit(model(), data, 10 as never))).message).toBe("Invalid fit options: expected an object, got 10.");
  });

  it.each([0, -0.1, NaN, Infinity, "0.1"])("rejects the learning rate %s", (lr) => {
    expect(() => new SGD({ lr: lr as number })).toThrow(OptionError);
  });

  it("rejects data that is not a Dataset, or empty", async () => {
    await expect(fit(model(), [1, 2] as never)).rejects.toThrow(/^Invalid data: expected a Dataset \(from loadFashionMNIST or Dataset\.fromArrays\), got array\(2\)\.$/);
    const empty = Dataset.fromArrays(new Float32Array(0), new Int32Array(0), { features: 4, classes: 2 });
    await expect(fit(model(), empty)).rejects.toThrow('Invalid data: expected at least one example, got "an empty Dataset".');
    expect(() => evaluate(model(), empty)).toThrow(OptionError);
    await expect(fit(model(), data, { validationData: empty })).rejects.toThrow(/^Invalid validationData: expected at least one example/);
  });

  it("rejects data whose features or classes differ from the model's with a ShapeError", async () => {
    await expect(fit(new SoftmaxRegression({ inputs: 5, classes: 2 }), data)).rejects.toBeInstanceOf(ShapeError);
    await expect(fit(new SoftmaxRegression({ inputs: 4, classes: 3 }), data)).rejects
      .toThrow("Invalid dataset: expected 3 classes (the model's output width), got 2. Build the model with `classes` equal to the data's classes.");
    await expect(fit(model(), data, { validationData: blobs(10, 5, 2, 1) })).rejects.toBeInstanceOf(ShapeError);
    expect(() => evaluate(new SoftmaxRegression({ inputs: 5, classes: 2 }), data)).toThrow(/expected 5 features per example/);
  });

  it("rejects a second fit of a model that is already training, and of an optimizer in use", async () => {
    const m = model(), optimizer = new SGD();
    const first = fit(m, data, { epochs: 3, optimizer });
    const error = await rejection(fit(m, data));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe('Invalid model: expected a model no other Trainer holds, got "a model held by another Trainer or fit()". ' +
      "Close the other Trainer (or wait for its fit() to end), or train a second model.");
    await expect(fit(model(), data, { optimizer })).rejects.toThrow(/an optimizer no other Trainer holds/);
    await first;
    // Both are free again once the first fit has ended.
    await fit(m, data, { epochs: 1, optimizer });
  });

  it("rejects an epoch number below 1 in Trainer.trainEpoch", async () => {
    using trainer = new Trainer(model());
    const error = await rejection(trainer.trainEpoch(data, { epoch: 0 }));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe("Invalid epoch: expected an integer ≥ 1, got 0.");
  });
});
