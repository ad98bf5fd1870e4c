// A runtime keeps a model's parameters in kernel memory between predictions and copies them in again exactly when
// they changed: after setParameters, training steps (in place on the Trainer's runtime, copied on any other), a
// Trainer's restore and close, earlyStopping's restore; one block per model, reused, the least recently used freed.
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { RESIDENT_MODELS } from "../../src/runtime/memory.js";
import { MLP, SoftmaxRegression, createModel } from "../../src/model/models.js";
import type { DenseNetwork } from "../../src/model/network.js";
import { Trainer } from "../../src/train/trainer.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { evaluate } from "../../src/train/evaluate.js";
import { earlyStopping } from "../../src/train/callbacks.js";
import { addClasses } from "../../src/train/add-classes.js";
import { blobs } from "../helpers/data.js";

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const block = (model: DenseNetwork) => Math.ceil((model.size * 4) / 64) * 64;
const data = blobs(64, 12, 4, 1);
const x = data.x as Float32Array;

let runtime: Runtime, other: Runtime;
beforeAll(async () => {
  runtime = await createRuntime({ backend: "wasm-simd", threads: 1 });
  other = await createRuntime({ backend: "wasm-simd", threads: 1 });
});

/** What a model with these exact parameters predicts when nothing is kept for it anywhere: a new copy of it, on a new runtime. */
async function expected(model: DenseNetwork): Promise<number[]> {
  const twin = createModel(model.config);
  twin.setParameters(model.getParameters());
  using fresh = await createRuntime({ backend: "wasm-simd", threads: 1 });
  return bits(twin.predictProba(x, { runtime: fresh }));
}

const mlp = (seed: number) => new MLP({ layers: [12, 8, 4], seed, weightStd: 0.5 });

describe("parameters kept in kernel memory between predictions", () => {
  it("are copied in again after setParameters, on every runtime that keeps them", async () => {
    const model = mlp(1), old = await expected(model);
    expect(bits(model.predictProba(x, { runtime }))).toEqual(old);
    expect(bits(model.predictProba(x, { runtime: other }))).toEqual(old);
    model.setParameters(mlp(2).getParameters());
    const now = await expected(model);
    expect(now).not.toEqual(old);
    expect(bits(model.predictProba(x, { runtime }))).toEqual(now);
    expect(bits(model.predictProba(x, { runtime: other }))).toEqual(now);
  });

  it("follow every training step while a Trainer holds the model, on its runtime and on another", async () => {
    const model = mlp(3);
    model.predictProba(x, { runtime });
    model.predictProba(x, { runtime: other });
    using trainer = new Trainer(model, { runtime, optimizer: new SGD({ lr: 0.5 }), batchSize: 64 });
    for (let step = 0; step < 3; step++) {
      trainer.trainOnBatch(data.x, data.y);
      const now = await expected(model);
      expect(bits(model.predictProba(x, { runtime }))).toEqual(now);
      expect(bits(model.predictProba(x, { runtime: other }))).toEqual(now);
      expect(bits(trainer.predictOnBatch(x))).toEqual(now);
    }
  });

  it("are the trained ones once the Trainer closes, though nothing predicted while it trained", async () => {
    const model = mlp(4), before = bits(model.predictProba(x, { runtime: other }));
    model.predictProba(x, { runtime });
    {
      using trainer = new Trainer(model, { runtime, optimizer: new SGD({ lr: 0.5 }), batchSize: 64 });
      await trainer.trainEpoch(data);
    }
    const now = await expected(model);
    expect(now).not.toEqual(before);
    expect(bits(model.predictProba(x, { runtime: other }))).toEqual(now);
    expect(bits(model.predictProba(x, { runtime }))).toEqual(now);
  });

  it("are a snapshot's after Trainer.restore, and after fit's earlyStopping puts the best epoch back", async () => {
    const model = mlp(5);
    using trainer = new Trainer(model, { runtime, optimizer: new SGD({ lr: 0.5 }), batchSize: 64 });
    const snapshot = trainer.snapshot(), start = await expected(model);
    await trainer.trainEpoch(data);
    model.predictProba(x, { runtime: other });
    trainer.restore(snapshot);
    expect(bits(model.predictProba(x, { runtime: other }))).toEqual(start);
    expect(bits(model.predictProba(x, { runtime }))).toEqual(start);
    trainer.close();

    const stopped = mlp(6), stopper = earlyStopping({ monitor: "loss", patience: 1, restoreBestWeights: true });
    stopped.predictProba(x, { runtime });
    // lr 20 makes the loss climb after a few epochs: earlyStopping puts an earlier epoch's weights back.
    const history = await fit(stopped, data, { epochs: 6, batchSize: 64, optimizer: new SGD({ lr: 20 }), runtime: other, callbacks: [stopper] });
    expect(stopper.bestEpoch()).toBeLessThan(history.epochs.length);
    expect(bits(stopped.predictProba(x, { runtime }))).toEqual(await expected(stopped));
  });

  it("of a model grown by addClasses are its own, and the original keeps predicting its own", async () => {
    const model = mlp(7), before = bits(model.predictProba(x, { runtime }));
    const { model: grown } = addClasses({ model, optimizer: new SGD({ lr: 0.1 }) }, 1);
    expect(bits(grown.predictProba(x, { runtime }))).toEqual(await expected(grown));
    expect(bits(model.predictProba(x, { runtime }))).toEqual(before);
  });

  it("of two models on one runtime never clobber each other", async () => {
    const a = mlp(8), b = new SoftmaxRegression({ inputs: 12, classes: 4, seed: 9, weightStd: 1 });
    const ea = await expected(a), eb = await expected(b);
    for (let i = 0; i < 3; i++) {
      expect(bits(a.predictProba(x, { runtime }))).toEqual(ea);
      expect(bits(b.predictProba(x, { runtime }))).toEqual(eb);
    }
    b.setParameters(new SoftmaxRegression({ inputs: 12, classes: 4, seed: 10, weightStd: 1 }).getParameters());
    expect(bits(a.predictProba(x, { runtime }))).toEqual(ea);
    expect(bits(b.predictProba(x, { runtime }))).toEqual(await expected(b));
  });

  it("take one block per model, reused call after call and after setParameters; evaluate shares it", async () => {
    using rt = await createRuntime({ backend: "wasm-simd", threads: 1 });
    const model = mlp(11);
    model.predict(x, { runtime: rt });
    expect(rt.bytesInUse).toBe(block(model));
    for (let i = 0; i < 20; i++) {
      model.predictProba(x.subarray(0, 12), { runtime: rt });
      model.setParameters(mlp(12 + (i % 2)).getParameters());
    }
    evaluate(model, data, { runtime: rt });
    expect(rt.bytesInUse).toBe(block(model));
  });

  it(`are kept for the ${RESIDENT_MODELS} models used last, an older one freed and copied in again when it comes back`, async () => {
    using rt = await createRuntime({ backend: "wasm-simd", threads: 1 });
    const models = Array.from({ length: RESIDENT_MODELS + 2 }, (_, i) => mlp(20 + i));
    const want = await Promise.all(models.map(expected));
    for (let round = 0; round < 2; round++) {
      models.forEach((m, i) => expect(bits(m.predictProba(x, { runtime: rt }))).toEqual(want[i]));
      expect(rt.bytesInUse).toBe(RESIDENT_MODELS * block(models[0]!));
    }
  });
});
