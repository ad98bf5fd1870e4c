// The public Trainer: data sets resident once, fit as a loop over it (the same bits), a custom loop over
// trainOnBatch with public exports only, predictOnBatch, close, and two runtimes side by side.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Trainer, createRuntime, fit, SoftmaxRegression, MLP, SGD, Adam, Dataset, ClosedError, OptionError, ShapeError, WasmSoftmaxError,
} from "../../src/index.js";
import type { Runtime } from "../../src/index.js";
import { blobs } from "../helpers/data.js";

let simd: Runtime, js: Runtime;
beforeAll(async () => {
  simd = await createRuntime({ backend: "wasm-simd" });
  js = await createRuntime({ backend: "js" });
});

// One distribution (blobs draws its class prototypes from the seed), split into train and test.
const all = blobs(800, 20, 4, 1, true);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const train = all.subset(range(0, 600)), test = all.subset(range(600, 800));

describe("Trainer", () => {
  it("copies each data set into kernel memory once, however many epochs and evaluations it runs", async () => {
    const idle = simd.bytesInUse;
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 20, classes: 4 }), { batchSize: 64, runtime: simd });
    await trainer.trainEpoch(train, { epoch: 1 });
    trainer.evaluate(test);
    const held = simd.bytesInUse;
    // Uint8 rows, plus 4 bytes of label and 4 of order per example, for both data sets.
    expect(held - idle).toBeGreaterThan((600 + 200) * (20 + 8));
    for (let epoch = 2; epoch <= 10; epoch++) {
      await trainer.trainEpoch(train, { epoch });
      trainer.evaluate(test);
    }
    expect(simd.bytesInUse).toBe(held);
  });

  it("gives the same weights over ten trainEpoch calls as fit with 10 epochs, bit for bit", async () => {
    const a = new MLP({ layers: [20, 16, 4], seed: 3 }), b = new MLP({ layers: [20, 16, 4], seed: 3 });
    await fit(a, train, { epochs: 10, batchSize: 32, optimizer: new Adam({ lr: 0.01 }), seed: 5, runtime: simd });
    const trainer = new Trainer(b, { batchSize: 32, optimizer: new Adam({ lr: 0.01 }), runtime: simd });
    for (let epoch = 1; epoch <= 10; epoch++) await trainer.trainEpoch(train, { epoch, seed: 5 });
    trainer.close();
    expect(b.getParameters()).toEqual(a.getParameters());
  });

  it("trains with a hand-written loop over trainOnBatch, as the README shows", async () => {
    const model = new SoftmaxRegression({ inputs: 20, classes: 4, seed: 0 });
    using trainer = new Trainer(model, { optimizer: new SGD({ lr: 0.5 }), batchSize: 50, runtime: simd });
    const before = trainer.evaluate(test);
    for (let epoch = 1; epoch <= 5; epoch++) {
      for (let start = 0; start < train.length; start += 50) {
        const x = train.x.subarray(start * 20, (start + 50) * 20), y = train.y.subarray(start, start + 50);
        const { loss, accuracy } = trainer.trainOnBatch(x, y);
        expect(Number.isFinite(loss) && accuracy >= 0 && accuracy <= 1).toBe(true);
      }
    }
    const after = trainer.evaluate(test);
    expect(after.n).toBe(200);
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.9);
  });

  it("takes target rows in trainOnBatch (soft labels) and refuses batches larger than batchSize", () => {
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 20, classes: 4 }), { batchSize: 8, runtime: js });
    const x = train.x.subarray(0, 8 * 20), soft = new Float32Array(8 * 4).fill(0.25);
    expect(trainer.trainOnBatch(x, soft).loss).toBeCloseTo(Math.log(4), 3);
    expect(() => trainer.trainOnBatch(train.x.subarray(0, 9 * 20), train.y.subarray(0, 9))).toThrow(ShapeError);
    expect(() => trainer.trainOnBatch(x, [0, 1, 2])).toThrow(/8 labels, or 8 × 4 target values/);
    expect(() => trainer.trainOnBatch(x, [0, 1, 2, 3, 4, 0, 0, 0])).toThrow(/labels\[4\]: expected an integer in \[0, 4\)/);
  });

  it("predicts on a batch with the parameters as trained, equal to model.predictProba", async () => {
    const model = new SoftmaxRegression({ inputs: 20, classes: 4 });
    using trainer = new Trainer(model, { runtime: simd });
    await trainer.trainEpoch(train);
    const rows = test.x.subarray(0, 300 * 20 > test.x.length ? test.x.length : 300 * 20);
    expect(trainer.predictOnBatch(rows)).toEqual(model.predictProba(rows, { runtime: simd }));
  });

  it("keeps the model's parameters live while it holds them, and hands them back at close", async () => {
    const model = new SoftmaxRegression({ inputs: 20, classes: 4 });
    const start = model.getParameters();
    const trainer = new Trainer(model, { runtime: simd });
    await trainer.trainEpoch(train);
    const trained = model.getParameters();
    expect(trained).not.toEqual(start);
    expect(() => new Trainer(model, { runtime: js })).toThrow(/a model no other Trainer holds/);
    trainer.close();
    trainer.close();
    expect(model.getParameters()).toEqual(trained);
    expect(() => trainer.evaluate(test)).toThrow(ClosedError);
    expect(() => trainer.evaluate(test)).toThrow(WasmSoftmaxError);
    expect(() => trainer.evaluate(test)).toThrow("This Trainer was closed. Create a new Trainer for the model.");
  });

  it("frees its kernel memory at close, so finished trainers never pin it", async () => {
    const rt = await createRuntime({ backend: "wasm-simd" });
    const idle = rt.bytesInUse;
    for (let i = 0; i < 5; i++) {
      using trainer = new Trainer(new SoftmaxRegression({ inputs: 20, classes: 4 }), { runtime: rt });
      await trainer.trainEpoch(train);
    }
    expect(rt.bytesInUse).toBe(idle);
  });

  it("gives the same results on two runtimes side by side, each in its own memory", async () => {
    const a = new SoftmaxRegression({ inputs: 20, classes: 4 }), b = new SoftmaxRegression({ inputs: 20, classes: 4 });
    const ta = new Trainer(a, { runtime: simd }), tb = new Trainer(b, { runtime: js });
    for (let epoch = 1; epoch <= 3; epoch++) {
      await Promise.all([ta.trainEpoch(train, { epoch }), tb.trainEpoch(train, { epoch })]);
    }
    ta.close();
    tb.close();
    const pa = a.getParameters(), pb = b.getParameters();
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i]! - pb[i]!)).toBeLessThan(1e-5);
    expect(simd.backend).toBe("wasm-simd");
    expect(js.backend).toBe("js");
  });

  it("puts back a snapshot's parameters, optimizer state and steps, so an epoch trained again gives the same bits", async () => {
    const model = new MLP({ layers: [20, 16, 4], seed: 3 });
    using trainer = new Trainer(model, { batchSize: 32, optimizer: new Adam({ lr: 0.01 }), runtime: simd });
    await trainer.trainEpoch(train, { epoch: 1 });
    const before = trainer.snapshot();
    expect(before.steps).toBe(trainer.optimizer.steps);
    expect(before.optimizerState).toHaveLength(2 * model.size);
    await trainer.trainEpoch(train, { epoch: 2 });
    const once = trainer.snapshot();
    trainer.restore(before);
    expect(trainer.snapshot()).toEqual(before);
    expect(model.getParameters()).toEqual(before.parameters);
    await trainer.trainEpoch(train, { epoch: 2 });
    expect(trainer.snapshot()).toEqual(once);
  });

  it("copies a snapshot into an earlier one's arrays when given it, with the values a new snapshot has", async () => {
    const model = new MLP({ layers: [20, 16, 4], seed: 3 });
    using trainer = new Trainer(model, { batchSize: 32, optimizer: new Adam({ lr: 0.01 }), runtime: simd });
    const first = trainer.snapshot(), kept = first.parameters.slice();
    await trainer.trainEpoch(train, { epoch: 1 });
    const reused = trainer.snapshot(first);
    expect(reused.parameters).toBe(first.parameters);
    expect(reused.optimizerState).toBe(first.optimizerState);
    expect(reused).toEqual(trainer.snapshot());
    expect(reused.parameters).not.toEqual(kept);
    expect(reused.steps).toBe(trainer.optimizer.steps);
  });

  it("refuses to copy a snapshot into one of another model or kind of optimizer, with a ShapeError", () => {
    using sgd = new Trainer(new SoftmaxRegression({ inputs: 20, classes: 4 }), { runtime: js });
    using adam = new Trainer(new SoftmaxRegression({ inputs: 20, classes: 4 }), { optimizer: new Adam(), runtime: js });
    expect(() => adam.snapshot(sgd.snapshot())).toThrow("Invalid snapshot.optimizerState: expected a Float32Array of 168 values, " +
      "got Float32Array(0). Pass a snapshot this Trainer took, or none.");
    expect(() => sgd.snapshot({} as never)).toThrow(ShapeError);
  });

  it("refuses a snapshot of another model or kind of optimizer with a ShapeError", () => {
    using sgd = new Trainer(new SoftmaxRegression({ inputs: 20, classes: 4 }), { runtime: js });
    using adam = new Trainer(new SoftmaxRegression({ inputs: 20, classes: 4 }), { optimizer: new Adam(), runtime: js });
    using wide = new Trainer(new MLP({ layers: [20, 8, 4] }), { runtime: js });
    expect(() => adam.restore(sgd.snapshot())).toThrow("Invalid snapshot.optimizerState: expected a Float32Array of 168 values, " +
      "got Float32Array(0). Restore a snapshot taken from a Trainer of this model with the same kind of optimizer.");
    expect(() => wide.restore(sgd.snapshot())).toThrow(ShapeError);
    expect(() => sgd.restore({ ...sgd.snapshot(), steps: -1 })).toThrow(OptionError);
  });

  it("stops at the next batch with a ClosedError when closed from a batch callback, the model keeping the last step's weights", async () => {
    const model = new SoftmaxRegression({ inputs: 20, classes: 4 });
    const trainer = new Trainer(model, { batchSize: 50, runtime: simd });
    let last: Float32Array | undefined, batches = 0;
    const error = await trainer.trainEpoch(train, {
      callbacks: [({ batch }) => {
        batches = batch;
        if (batch === 3) { last = model.getParameters(); trainer.close(); }
      }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosedError);
    expect((error as ClosedError).what).toBe("Trainer");
    expect(batches).toBe(3);
    expect(model.getParameters()).toEqual(last);
  });

  it("refuses unknown options with the nearest name, and data that does not fit the model", async () => {
    const model = new SoftmaxRegression({ inputs: 20, classes: 4 });
    expect(() => new Trainer(model, { batchsize: 8 } as never)).toThrow('Unknown Trainer option "batchsize". Did you mean "batchSize"?');
    expect(() => new Trainer(model, { batchSize: 0, runtime: js })).toThrow(/Invalid batchSize: expected an integer in \[1, 2\^31 − 1\], got 0\./);
    using trainer = new Trainer(model, { runtime: js });
    await expect(trainer.trainEpoch(train, { epochs: 2 } as never)).rejects.toThrow('Unknown trainEpoch option "epochs". Did you mean "epoch"?');
    await expect(trainer.trainEpoch(train, { seed: -1 })).rejects.toThrow(OptionError);
    const narrow = Dataset.fromArrays(new Float32Array(10), new Int32Array([0, 1]), { features: 5, classes: 4 });
    await expect(trainer.trainEpoch(narrow)).rejects.toThrow(/20 features per example/);
    expect(() => trainer.evaluate({} as Dataset)).toThrow(/Invalid data: expected a Dataset/);
  });
});
