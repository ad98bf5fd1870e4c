// Data that keeps coming: a Trainer releases data sets it will not see again, so a stream of chunks keeps kernel
// memory flat; releasing changes no bits; a chunk of another width is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { Adam } from "../../src/optim/optimizer.js";
import { Trainer } from "../../src/train/trainer.js";
import { Dataset } from "../../src/data/dataset.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { rejection, thrown } from "../helpers/errors.js";

let runtime: Runtime;
beforeAll(async () => { runtime = await createRuntime({ backend: "wasm-simd", threads: 1 }); });
afterAll(() => runtime.close());

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
const stream = blobs(200 * 50, 32, 4, 3);
const chunk = (i: number) => stream.subset(Array.from({ length: 50 }, (_, k) => i * 50 + k));

describe("releasing data sets", () => {
  it("keeps kernel bytes in use flat over a stream of 200 chunks trained once each with { release: true }", async () => {
    using trainer = new Trainer(new MLP({ layers: [32, 16, 4] }), { optimizer: new Adam(), batchSize: 16, runtime });
    const inUse: number[] = [];
    for (let i = 0; i < 200; i++) {
      await trainer.trainEpoch(chunk(i), { epoch: i + 1, release: true });
      inUse.push(runtime.bytesInUse);
    }
    expect(new Set(inUse).size).toBe(1);
  });

  it("holds every chunk until close without it, and frees one on trainer.release(data)", async () => {
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 32, classes: 4 }), { batchSize: 16, runtime });
    await trainer.trainEpoch(chunk(0));
    const one = runtime.bytesInUse;
    await trainer.trainEpoch(chunk(1));
    const two = runtime.bytesInUse;
    // 50 rows of 32 floats, then 50 labels and an order of 50, each block rounded up to 64 bytes.
    expect(two - one).toBe(50 * 32 * 4 + 2 * 256);
    const kept = chunk(2);
    await trainer.trainEpoch(kept);
    trainer.release(kept);
    expect(runtime.bytesInUse).toBe(two);
    trainer.release(kept);
    trainer.release(chunk(3));
    expect(runtime.bytesInUse).toBe(two);
  });

  it("trains to the same bits whether data sets are released between epochs or kept", async () => {
    const run = async (release: boolean) => {
      const model = new MLP({ layers: [32, 16, 4], seed: 1 });
      using trainer = new Trainer(model, { optimizer: new Adam(), batchSize: 16, runtime, classWeight: "balanced" });
      const data = chunk(7);
      for (let epoch = 1; epoch <= 3; epoch++) await trainer.trainEpoch(data, { epoch, release });
      return bits(model.getParameters());
    };
    expect(await run(true)).toBe(await run(false));
  });

  it("refuses to release a data set an epoch is training on, naming what to do", async () => {
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 32, classes: 4 }), { batchSize: 16, runtime });
    const data = chunk(4);
    let error: unknown;
    await trainer.trainEpoch(data, { callbacks: [() => { error = thrown(() => trainer.release(data)); return "stop"; }] });
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).message).toBe("Invalid data: expected a data set no epoch is training on, got \"one an epoch is training on\". " +
      "Release it after trainEpoch resolves, or pass { release: true } to trainEpoch.");
    trainer.release(data);
  });

  it("refuses a chunk of another feature width with a ShapeError naming both widths", async () => {
    using trainer = new Trainer(new SoftmaxRegression({ inputs: 32, classes: 4 }), { runtime });
    const wide = Dataset.fromArrays(new Float32Array(2 * 33), [0, 1], { features: 33, classes: 4 });
    const error = await rejection(trainer.trainEpoch(wide));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(/expected 32 features per example \(the model's input width\), got 33/);
  });
});
