// What a Trainer keeps in kernel memory: the batch room is sized by the batches that come (min(batchSize, rows)),
// never by a batchSize larger than the data, and grows when a larger batch comes, with the same bits.
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP } from "../../src/model/models.js";
import { Adam } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { Trainer } from "../../src/train/trainer.js";
import { OptionError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { thrown } from "../helpers/errors.js";

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime({ backend: "wasm-simd", threads: 1 });
});

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
const data = blobs(512, 16, 4, 3, true);

/** fit for 3 epochs at `batchSize`: the weights, the batches per epoch, and the most kernel memory held during a batch. */
async function run(batchSize: number, examples = data) {
  const model = new MLP({ layers: [16, 32, 4], seed: 1 });
  let peak = 0, batches = 0;
  await fit(model, examples, {
    epochs: 3, batchSize, optimizer: new Adam({ lr: 0.01 }), runtime, residentBytes: 0,
    callbacks: [(e) => { if (e.phase === "batch") { peak = Math.max(peak, runtime.bytesInUse); batches = e.batches; } }],
  });
  return { weights: bits(model.getParameters()), batches, peak };
}

describe("the Trainer's kernel memory for batches", () => {
  it("trains 512 examples at batchSize 100000 as one batch, holding what batchSize 512 holds, to the same bits", async () => {
    const huge = await run(100_000), exact = await run(512);
    expect(huge.batches).toBe(1);
    expect(huge).toEqual(exact);
  });

  it("holds memory in proportion to the examples when batchSize is larger than the data", async () => {
    const half = await run(100_000, blobs(256, 16, 4, 3, true)), whole = await run(100_000);
    // Activations, deltas, panels, staging, labels and targets all scale with the rows; parameters and Adam's state do not.
    const model = new MLP({ layers: [16, 32, 4] }), fixed = 4 * model.size * 4;
    expect((whole.peak - fixed) / (half.peak - fixed)).toBeCloseTo(2, 1);
    // A room of 100000 rows would need 6.4 MB for the input rows alone.
    expect(whole.peak).toBeLessThan(100_000 * 16 * 4);
  });

  it("reserves no batch room before a batch comes, and grows it for a larger batch with the same bits", () => {
    const x = data.x as Uint8Array, y = data.y;
    const train = (batchSize: number) => {
      const model = new MLP({ layers: [16, 32, 4], seed: 1 });
      const base = runtime.bytesInUse;
      const trainer = new Trainer(model, { batchSize, runtime, optimizer: new Adam({ lr: 0.01 }) });
      const idle = runtime.bytesInUse - base;
      const sizes: number[] = [];
      for (const rows of [8, 64, 16, 128]) {
        trainer.trainOnBatch(x.subarray(0, rows * 16), y.subarray(0, rows));
        sizes.push(runtime.bytesInUse - base);
      }
      trainer.close();
      return { idle, sizes, weights: bits(model.getParameters()) };
    };
    const huge = train(100_000), small = train(128);
    expect(huge.weights).toBe(small.weights);
    // Parameters, gradients and Adam's two moments, each block rounded up to 64 bytes.
    expect(huge.idle).toBeLessThan(4 * (new MLP({ layers: [16, 32, 4] }).size * 4 + 64));
    const [at8, at64, at16, at128] = huge.sizes;
    expect(at64).toBeGreaterThan(at8!);
    expect(at16).toBe(at64);
    expect(at128).toBeGreaterThan(at64!);
  });

  it("refuses batchSize 2^53 with a rule that states the real bound", () => {
    const error = thrown(() => new Trainer(new MLP({ layers: [16, 4] }), { batchSize: 2 ** 53, runtime }));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe("Invalid batchSize: expected an integer in [1, 2^31 − 1], got 9007199254740992. " +
      "A batchSize above the number of examples trains them all as one batch.");
    using largest = new Trainer(new MLP({ layers: [16, 4] }), { batchSize: 2 ** 31 - 1, runtime });
    expect(largest.batchSize).toBe(2 ** 31 - 1);
  });
});
