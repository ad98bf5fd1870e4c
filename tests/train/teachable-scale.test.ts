// The Teachable-Machine-scale run (3 classes × 60 examples of 512 floats, MLP 512-100-3, Adam 0.001, batch 16,
// 50 epochs) pinned to the weights it trained before its per-step overhead was cut: a faster step that changed a
// bit would be a bug. Pinned on 1 thread, checked on 2 and 3, and with callbacks and validation in the loop.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import type { FitOptions } from "../../src/train/fit.js";
import { blobs } from "../helpers/data.js";

const data = blobs(180, 512, 3, 19);
const runtimes: Runtime[] = [];

beforeAll(async () => {
  for (const threads of [1, 2, 3]) runtimes.push(await createRuntime({ backend: "wasm-simd", threads }));
});
afterAll(() => runtimes.forEach((runtime) => runtime.close()));

async function weightsHash(runtime: Runtime, options: FitOptions): Promise<string> {
  const model = new MLP({ layers: [512, 100, 3], seed: 0 });
  await fit(model, data, { batchSize: 16, seed: 0, runtime, ...options });
  const p = model.getParameters();
  return createHash("sha256").update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)).digest("hex").slice(0, 16);
}

describe("the Teachable-Machine-scale run", () => {
  it("trains 50 epochs of Adam to the pinned weights on 1, 2 and 3 threads", async () => {
    for (const runtime of runtimes) {
      expect(await weightsHash(runtime, { epochs: 50, optimizer: new Adam({ lr: 0.001 }) }), `${runtime.threads} threads`).toBe("89d77c26da8c8fd6");
    }
  }, 60_000);

  it("trains to the pinned weights with callbacks and a validation split in the loop", async () => {
    const seen: number[] = [];
    const hash = await weightsHash(runtimes[0]!, {
      epochs: 8, optimizer: new SGD({ lr: 0.05, momentum: 0.9 }), validationSplit: 0.2,
      callbacks: [(event) => { if (event.phase === "batch") seen.push(event.logs.loss); }],
    });
    expect(hash).toBe("16a21c2db7abcc79");
    expect(seen).toHaveLength(8 * 9);
  });
});
