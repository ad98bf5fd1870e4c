// evaluate runs forward only: kernel memory holds the parameters, one batch of activations and that batch's data,
// never a gradient, a delta or optimizer state (observed through runtime.bytesInUse while the kernels run).
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP } from "../../src/model/models.js";
import { Adam } from "../../src/optim/optimizer.js";
import { evaluate } from "../../src/train/evaluate.js";
import { forwardChunks } from "../../src/model/inference.js";
import { fit } from "../../src/train/fit.js";
import { Trainer } from "../../src/train/trainer.js";
import { OptionError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { thrown } from "../helpers/errors.js";

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime({ backend: "wasm-simd", threads: 1 });
});

const LAYERS = [64, 128, 10], B = 24, F = 64, C = 10;
const data = blobs(200, F, C, 3, false);
const f32 = 4;
const paramBytes = (model: MLP) => model.size * f32;
// One batch: the activations of every layer.
// Activations, and linearForward's lists of non-zero input chunks for the widest layer input.
const activationBytes = B * LAYERS.reduce((a, b) => a + b, 0) * f32 + forwardChunks(B, Math.max(...LAYERS.slice(0, -1))) * 4;
// One batch of data: staged rows and their identity order, labels, and the output the loss kernel writes.
const batchDataBytes = B * (F * f32 + 4 + 4 + C * f32);
// Each block is rounded up to 64 bytes.
const slack = 16 * 64;

/** The most kernel memory in use, above what was in use before, while `count` runs (sampled at every accuracy count). */
function peakDuring(count: () => void): number {
  const base = runtime.bytesInUse;
  let peak = 0, samples = 0;
  const original = runtime.kernels.countCorrect.bind(runtime.kernels);
  const spy = vi.spyOn(runtime.kernels, "countCorrect").mockImplementation((...args) => {
    peak = Math.max(peak, runtime.bytesInUse - base);
    samples++;
    return original(...args);
  });
  try {
    count();
  } finally {
    spy.mockRestore();
  }
  expect(samples).toBeGreaterThan(0);
  return peak;
}

describe("evaluate", () => {
  it("holds at most the parameters, one batch of activations and one batch of data in kernel memory: no gradients", () => {
    const model = new MLP({ layers: LAYERS, seed: 1 });
    const before = runtime.bytesInUse;
    const peak = peakDuring(() => evaluate(model, data, { batchSize: B, runtime }));
    expect(peak).toBeGreaterThan(paramBytes(model));
    expect(peak).toBeLessThanOrEqual(paramBytes(model) + activationBytes + batchDataBytes + slack);
    // A gradient block alone is as large as the parameters: it could not have fitted in.
    expect(paramBytes(model)).toBeGreaterThan(activationBytes + batchDataBytes + slack);
    // Only the parameters stay, for the next evaluate or predict (a block rounded up to 64 bytes).
    expect(runtime.bytesInUse - before).toBe(Math.ceil(paramBytes(model) / 64) * 64);
  });

  it("takes less kernel memory than a training step on the same model by at least a gradient block", async () => {
    const model = new MLP({ layers: LAYERS, seed: 1 });
    let training = 0;
    await fit(model, data, {
      epochs: 1, batchSize: B, optimizer: new Adam(), runtime, residentBytes: 0,
      callbacks: [({ phase }) => { if (phase === "batch") training = Math.max(training, runtime.bytesInUse); }],
    });
    const evaluating = peakDuring(() => evaluate(model, data, { batchSize: B, runtime }));
    expect(training - evaluating).toBeGreaterThanOrEqual(paramBytes(model));
  });

  it("adds to a Trainer only one batch of activations and data: it reads the Trainer's live parameters in place", async () => {
    const model = new MLP({ layers: LAYERS, seed: 1 });
    using trainer = new Trainer(model, { batchSize: B, runtime, residentBytes: 0 });
    await trainer.trainEpoch(data);
    const peak = peakDuring(() => trainer.evaluate(data));
    expect(peak).toBeLessThanOrEqual(activationBytes + batchDataBytes + slack);
  });

  it("gives the same figures as a Trainer's evaluate, resident or streamed", async () => {
    const model = new MLP({ layers: LAYERS, seed: 1 });
    await fit(model, data, { epochs: 2, batchSize: B, runtime });
    const alone = evaluate(model, data, { batchSize: B, runtime });
    using trainer = new Trainer(model, { batchSize: B, runtime });
    expect(trainer.evaluate(data)).toEqual(alone);
  });

  it("refuses something that is not a model with an OptionError naming it", () => {
    const error = thrown(() => evaluate({} as MLP, data, { runtime }));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe("Invalid model: expected a model such as new SoftmaxRegression({ inputs: 784, classes: 10 }), got Object.");
  });

  it("refuses a batchSize above 2^31 − 1 with a rule that names the bound", () => {
    const error = thrown(() => evaluate(new MLP({ layers: LAYERS }), data, { runtime, batchSize: 2 ** 53 }));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toMatch(/^Invalid batchSize: expected an integer in \[1, 2\^31 − 1\], got 9007199254740992\./);
  });
});
