// Divergence in fit: which rule fires, and that the model and optimizer go back to the last good epoch; and the
// refusal to resume past the end of a cosine schedule.
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { SoftmaxRegression, MLP } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { Trainer } from "../../src/train/trainer.js";
import { DivergenceError, OptionError } from "../../src/errors.js";
import { START_LOSS_FACTOR } from "../../src/train/divergence.js";
import { blobs } from "../helpers/data.js";
import { rejection } from "../helpers/errors.js";

let runtime: Runtime;
beforeAll(async () => { runtime = await createRuntime({ backend: "wasm-simd" }); });

const data = blobs(256, 12, 4, 3, true);
const bits = (a: Float32Array | undefined) => Buffer.from(a!.buffer, a!.byteOffset, a!.byteLength).toString("hex");

describe("divergence in fit", () => {
  it("throws the blow-up rule when the first epoch's loss exceeds 100× the starting loss, and restores the state before fit", async () => {
    const model = new SoftmaxRegression({ inputs: 12, classes: 4 }), optimizer = new SGD({ lr: 1e6, momentum: 0.9 });
    const before = model.getParameters();
    const error = await rejection(fit(model, data, { epochs: 3, batchSize: 32, optimizer, runtime }));
    expect(error).toBeInstanceOf(DivergenceError);
    const d = error as DivergenceError;
    expect([d.rule, d.epoch, d.batch, d.restoredEpoch]).toEqual(["blow-up", 1, 0, 0]);
    expect(Number.isFinite(d.loss)).toBe(true);
    expect(d.loss).toBeGreaterThan(d.limit!);
    // The limit is the factor times the untrained model's first batch loss, about ln 4.
    expect(d.limit! / START_LOSS_FACTOR).toBeCloseTo(Math.log(4), 0);
    expect(d.message).toMatch(/^Training diverged: expected an epoch loss of at most \S+ \(100 × the loss training started from\), got \S+ at epoch 1\. Lower the learning rate/);
    expect(bits(model.getParameters())).toBe(bits(before));
    expect(optimizer.steps).toBe(0);
    expect(optimizer.state!.every((v) => v === 0)).toBe(true);
    expect(runtime.bytesInUse).toBe(0);
  });

  it("throws the growth rule when a later epoch's loss exceeds 10× the first epoch's, restoring the epoch before", async () => {
    const good = new SoftmaxRegression({ inputs: 12, classes: 4 });
    await fit(good, data, { epochs: 2, batchSize: 32, optimizer: new SGD({ lr: 0.5 }), runtime });
    const model = new SoftmaxRegression({ inputs: 12, classes: 4 });
    const error = await rejection(fit(model, data, {
      epochs: 4, batchSize: 32, optimizer: new SGD({ lr: 0.5 }), runtime,
      // Negated, scaled weights in epoch 3: confidently wrong logits, a loss far above the first epoch's, still finite.
      callbacks: [({ phase, epoch, batch, model }) => {
        if (phase === "batch" && epoch === 3 && batch === 1) model.setParameters(model.getParameters().map((v) => v * -40));
      }],
    })) as DivergenceError;
    expect([error.rule, error.epoch, error.restoredEpoch]).toEqual(["growth", 3, 2]);
    expect(error.message).toMatch(/^Training diverged: expected an epoch loss of at most \S+ \(10 × the first epoch's\), got \S+ at epoch 3\./);
    expect(bits(model.getParameters())).toBe(bits(good.getParameters()));
  });

  it("throws the non-finite rule mid-epoch and restores the end of the last good epoch, optimizer state included", async () => {
    const make = () => ({ model: new MLP({ layers: [12, 8, 4], seed: 2 }), optimizer: new Adam({ lr: 0.01 }) });
    const good = make();
    await fit(good.model, data, { epochs: 2, batchSize: 32, optimizer: good.optimizer, runtime });

    const bad = make();
    const poison: Parameters<typeof fit>[2] = {
      epochs: 4, batchSize: 32, optimizer: bad.optimizer, runtime,
      // Weights of NaN after epoch 3's first step: its second batch has a NaN loss.
      callbacks: [({ phase, epoch, batch, model }) => {
        if (phase === "batch" && epoch === 3 && batch === 1) model.setParameters(new Float32Array(model.size).fill(NaN));
      }],
    };
    const error = await rejection(fit(bad.model, data, poison)) as DivergenceError;
    expect(error).toBeInstanceOf(DivergenceError);
    expect([error.rule, error.epoch, error.batch, error.restoredEpoch]).toEqual(["non-finite", 3, 2, 2]);
    expect(error.message).toBe("Training diverged: expected a finite loss, got NaN at epoch 3, batch 2. " +
      "Lower the learning rate (for example by 10×) or check the inputs for NaN or Inf.");
    expect(bits(bad.model.getParameters())).toBe(bits(good.model.getParameters()));
    expect(bits(bad.optimizer.state)).toBe(bits(good.optimizer.state));
    expect(bad.optimizer.steps).toBe(good.optimizer.steps);
    // Training on from the restored state gives what an undisturbed run gives.
    await fit(good.model, data, { epochs: 3, initialEpoch: 2, batchSize: 32, optimizer: good.optimizer, runtime });
    await fit(bad.model, data, { epochs: 3, initialEpoch: 2, batchSize: 32, optimizer: bad.optimizer, runtime });
    expect(bits(bad.model.getParameters())).toBe(bits(good.model.getParameters()));
  });

  it("restores a resumed run to where it resumed when its first epoch diverges", async () => {
    const model = new SoftmaxRegression({ inputs: 12, classes: 4 }), optimizer = new SGD({ lr: 0.1 });
    await fit(model, data, { epochs: 2, batchSize: 32, optimizer, runtime });
    const before = model.getParameters(), steps = optimizer.steps;
    const error = await rejection(fit(model, data, {
      epochs: 4, initialEpoch: 2, batchSize: 32, optimizer, runtime,
      callbacks: [({ phase, model }) => { if (phase === "batch") model.setParameters(new Float32Array(model.size).fill(Infinity)); }],
    })) as DivergenceError;
    expect([error.rule, error.epoch, error.restoredEpoch]).toEqual(["non-finite", 3, 2]);
    expect(bits(model.getParameters())).toBe(bits(before));
    expect(optimizer.steps).toBe(steps);
  });

  it("does not fire for a loss that falls, nor for a noisy one at a high learning rate", async () => {
    for (const lr of [0.5, 50]) {
      const history = await fit(new SoftmaxRegression({ inputs: 12, classes: 4 }), data, { epochs: 6, batchSize: 32, optimizer: new SGD({ lr }), runtime });
      expect(history.epochs).toHaveLength(6);
    }
  });

  it("leaves the Trainer's own trainEpoch throwing without restoring anything", async () => {
    const model = new SoftmaxRegression({ inputs: 12, classes: 4 });
    using trainer = new Trainer(model, { batchSize: 32, runtime });
    model.setParameters(new Float32Array(model.size).fill(NaN));
    const error = await rejection(trainer.trainEpoch(data)) as DivergenceError;
    expect([error.rule, error.restoredEpoch]).toEqual(["non-finite", undefined]);
  });
});

describe("resuming past the end of a cosine schedule", () => {
  const cosine = () => new SGD({ lr: 0.1, schedule: { type: "cosine", epochs: 3 } });

  it("is refused with an OptionError and a hint when every epoch left would run at minLr", async () => {
    const model = new SoftmaxRegression({ inputs: 12, classes: 4 }), optimizer = cosine();
    await fit(model, data, { epochs: 3, optimizer, runtime });
    const before = model.getParameters();
    const error = await rejection(fit(model, data, { epochs: 6, initialEpoch: 3, optimizer, runtime })) as OptionError;
    expect(error).toBeInstanceOf(OptionError);
    expect(error.option).toBe("epochs");
    expect(error.message).toBe("Invalid epochs: expected at most 3 (where the cosine schedule ends) when resuming after epoch 3, got 6. " +
      "The schedule spans the first run's 3 epochs; start a new run, or train with a schedule of at least 6 epochs.");
    expect(bits(model.getParameters())).toBe(bits(before));
    expect(runtime.bytesInUse).toBe(0);
  });

  it("is refused too when a resumed run would end past the schedule", async () => {
    const model = new SoftmaxRegression({ inputs: 12, classes: 4 });
    await expect(fit(model, data, { epochs: 4, initialEpoch: 1, optimizer: cosine(), runtime })).rejects.toBeInstanceOf(OptionError);
  });

  it("allows resuming within the schedule, and a fresh fit with a tail past it", async () => {
    const model = new SoftmaxRegression({ inputs: 12, classes: 4 }), optimizer = cosine();
    expect((await fit(model, data, { epochs: 3, initialEpoch: 1, optimizer, runtime })).epochs).toHaveLength(2);
    const fresh = await fit(new SoftmaxRegression({ inputs: 12, classes: 4 }), data, { epochs: 5, optimizer: cosine(), runtime });
    expect(fresh.epochs.map((e) => e.lr)).toEqual([0.1, 0.075, 0.025, 0, 0].map((v, i) => i < 3 ? expect.closeTo(v, 12) : v));
  });
});
