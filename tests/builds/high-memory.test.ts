// Kernel memory above 2 GiB: offsets are unsigned everywhere views are indexed, so a Trainer whose buffers and
// data sit past 2³¹ trains to the same bits as one at the bottom of memory.
import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { Scope } from "../../src/runtime/memory.js";
import { MLP } from "../../src/model/models.js";
import { Adam } from "../../src/optim/optimizer.js";
import { Trainer } from "../../src/train/trainer.js";
import type { Backend } from "../../src/kernels/contract.js";
import { blobs } from "../helpers/data.js";

const TWO_GIB = 2 ** 31;
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
const pixels = blobs(200, 20, 4, 9, true), features = blobs(200, 20, 4, 9, false);

async function trained(runtime: Runtime): Promise<{ weights: string; probs: string; loss: number }> {
  const model = new MLP({ layers: [20, 8, 4], seed: 1 });
  using trainer = new Trainer(model, { batchSize: 64, optimizer: new Adam({ lr: 0.01 }), runtime });
  const { loss } = await trainer.trainEpoch(pixels, { epoch: 1 });
  await trainer.trainEpoch(features, { epoch: 2 });
  trainer.evaluate(pixels);
  const probs = trainer.predictOnBatch(features.x.subarray(0, 20 * 8));
  return { weights: bits(model.getParameters()), probs: bits(probs), loss };
}

describe.each<Backend>(["wasm-simd", "wasm", "js"])("kernel memory above 2 GiB (%s)", (backend) => {
  it("trains, evaluates and predicts to the same bits as at the bottom of memory", async () => {
    const low = await trained(await createRuntime({ backend }));
    using runtime = await createRuntime({ backend });
    // One growth (the js heap copies on every growth), then a ballast below 2 GiB + 64 KiB: the trainer's blocks
    // land past 2³¹ in the room left above it.
    const grow = new Scope(runtime.arena);
    grow.alloc(TWO_GIB + 2 ** 24);
    grow.close();
    const ballast = new Scope(runtime.arena);
    ballast.alloc(TWO_GIB + 2 ** 16);
    const probe = new Scope(runtime.arena);
    expect(probe.alloc(64)).toBeGreaterThan(TWO_GIB);
    probe.close();
    const high = await trained(runtime);
    expect(runtime.memoryBytes).toBeGreaterThan(TWO_GIB);
    expect(high).toEqual(low);
    ballast.close();
  }, 60_000);
});
