// evaluate (and so the validation loss of fit) weighs each example's loss by the data's own example weights, as
// Keras's evaluate(x, y, sample_weight) does, as the weighted mean Σ w·loss / Σ w that training reports.
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { Dataset } from "../../src/data/dataset.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { evaluate } from "../../src/train/evaluate.js";
import { fit } from "../../src/train/fit.js";
import { Trainer } from "../../src/train/trainer.js";
import { OptionError } from "../../src/errors.js";
import { Rng } from "../../src/util/random.js";
import { blobs } from "../helpers/data.js";
import { thrown } from "../helpers/errors.js";
import { rowLoss64 } from "../helpers/loss64.js";

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime({ backend: "wasm-simd", threads: 1 });
});

const F = 8, C = 4, N = 203;
const plain = blobs(N, F, C, 5);
const withWeights = (weights: ArrayLike<number>) =>
  Dataset.fromArrays(plain.x as Float32Array, plain.y, { features: F, classes: C, weights });
const rng = new Rng(11);
// Weights in [0, 3), a few exactly 0.
const weights = Float32Array.from({ length: N }, (_, i) => (i % 17 === 0 ? 0 : Math.fround(3 * rng.uniform())));
const model = new SoftmaxRegression({ inputs: F, classes: C, seed: 3, weightStd: 1 });
const bits = (a: number, b: number) => Object.is(a, b);

/** Logits of every example in float64, from the model's f32 parameters. */
function logits64(m: SoftmaxRegression, x: Float32Array): Float64Array {
  const p = m.getParameters(), z = new Float64Array(N * C);
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < C; c++) {
      let s = p[C * F + c]!;
      for (let f = 0; f < F; f++) s += x[r * F + f]! * p[c * F + f]!;
      z[r * C + c] = s;
    }
  }
  return z;
}

describe("evaluate on data with example weights", () => {
  it("gives the float64 weighted mean Σ w·loss / Σ w of the examples' cross-entropy, within f32 tolerance, for any batch size", () => {
    const z = logits64(model, plain.x as Float32Array), t = new Float64Array(N * C);
    plain.y.forEach((label, r) => { t[r * C + label] = 1; });
    let sum = 0, total = 0, right = 0;
    for (let r = 0; r < N; r++) {
      sum += weights[r]! * rowLoss64.crossEntropy(z, t, r, C);
      total += weights[r]!;
      let best = 0;
      for (let c = 1; c < C; c++) if (z[r * C + c]! > z[r * C + best]!) best = c;
      if (best === plain.y[r]) right += weights[r]!;
    }
    const unweighted = evaluate(model, plain, { runtime });
    for (const batchSize of [1, 32, 64, N]) {
      const e = evaluate(model, withWeights(weights), { runtime, batchSize });
      expect(Math.abs(e.loss - sum / total) / (sum / total)).toBeLessThan(1e-5);
      expect(e.weightedAccuracy).toBeCloseTo(right / total, 12);
      // Accuracy counts each example once, as Keras's metrics=["accuracy"] does.
      expect(e.accuracy).toBe(unweighted.accuracy);
      expect(e.n).toBe(N);
    }
    expect(Math.abs(unweighted.loss - sum / total)).toBeGreaterThan(1e-3);
  });

  it("gives the unweighted figures, the same bits, when every weight is 1, and with weighted: false", () => {
    for (const batchSize of [16, 50, 256]) {
      const unweighted = evaluate(model, plain, { runtime, batchSize });
      const ones = evaluate(model, withWeights(new Float32Array(N).fill(1)), { runtime, batchSize });
      const off = evaluate(model, withWeights(weights), { runtime, batchSize, weighted: false });
      for (const e of [ones, off]) {
        expect(bits(e.loss, unweighted.loss)).toBe(true);
        expect(bits(e.accuracy, unweighted.accuracy)).toBe(true);
        expect(bits(e.weightedAccuracy, unweighted.accuracy)).toBe(true);
      }
      expect(bits(unweighted.weightedAccuracy, unweighted.accuracy)).toBe(true);
    }
  });

  it("depends only on the weights' ratios: doubling every weight gives the same bits", () => {
    const once = evaluate(model, withWeights(weights), { runtime, batchSize: 32 });
    const twice = evaluate(model, withWeights(weights.map((w) => 2 * w)), { runtime, batchSize: 32 });
    expect(twice).toEqual(once);
    expect(bits(twice.loss, once.loss)).toBe(true);
  });

  it("counts an example of weight 2 as if it came twice", () => {
    const twos = new Float32Array(N).fill(1);
    twos[0] = 2;
    const doubled = plain.subset(Int32Array.from({ length: N + 1 }, (_, i) => Math.max(0, i - 1)));
    const a = evaluate(model, withWeights(twos), { runtime, batchSize: N + 1 }).loss;
    const b = evaluate(model, doubled, { runtime, batchSize: N + 1 }).loss;
    expect(Math.abs(a - b) / b).toBeLessThan(1e-6);
  });

  it("reports loss 0 when every weight is 0, as a training batch of them does", () => {
    const e = evaluate(model, withWeights(new Float32Array(N)), { runtime });
    expect(e.loss).toBe(0);
    expect(e.weightedAccuracy).toBe(0);
  });

  it("leaves a Trainer's class weights out: they say how to train, not how much an example counts", () => {
    using trainer = new Trainer(model, { runtime, batchSize: 32, classWeight: [1, 5, 1, 1] });
    const e = trainer.evaluate(plain);
    const alone = evaluate(model, plain, { runtime, batchSize: 32 });
    expect(bits(e.loss, alone.loss)).toBe(true);
    expect(bits(trainer.evaluate(withWeights(weights)).loss, evaluate(model, withWeights(weights), { runtime, batchSize: 32 }).loss)).toBe(true);
  });

  it("refuses a weighted option that is not a boolean", () => {
    const error = thrown(() => evaluate(model, plain, { runtime, weighted: "yes" as never }));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe("weighted");
  });
});

describe("fit's validation loss on validation data with example weights", () => {
  it("is evaluate's weighted loss of the trained model", async () => {
    const trained = new SoftmaxRegression({ inputs: F, classes: C, seed: 4 });
    const validation = withWeights(weights);
    const history = await fit(trained, plain, { epochs: 2, batchSize: 32, optimizer: new SGD({ lr: 0.5 }), runtime, validationData: validation });
    const last = history.epochs.at(-1)!;
    const e = evaluate(trained, validation, { runtime, batchSize: 32 });
    expect(bits(last.valLoss!, e.loss)).toBe(true);
    expect(bits(last.valAccuracy!, e.accuracy)).toBe(true);
    expect(last.valLoss).not.toBe(evaluate(trained, plain, { runtime, batchSize: 32 }).loss);
  });

  it("weighs the held-out part of weighted training data with validationSplit", async () => {
    const trained = new SoftmaxRegression({ inputs: F, classes: C, seed: 4 });
    const data = withWeights(weights);
    const history = await fit(trained, data, { epochs: 1, batchSize: 32, runtime, validationSplit: 0.25 });
    const held = data.subset(Int32Array.from({ length: 50 }, (_, i) => N - 50 + i));
    expect(bits(history.epochs[0]!.valLoss!, evaluate(trained, held, { runtime, batchSize: 32 }).loss)).toBe(true);
    expect(bits(history.epochs[0]!.valLoss!, evaluate(trained, held, { runtime, batchSize: 32, weighted: false }).loss)).toBe(false);
  });
});
