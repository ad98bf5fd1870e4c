// The loss kernels (cross-entropy with hard labels, label smoothing and soft targets; L2, L1, Huber) against
// values worked out by hand in float64, central differences of float64 losses written out here, the loss
// option's validation, and each loss driving a real fit.
import { beforeEach, describe, expect, it } from "vitest";
import type { Backend, Kernels, Ptr } from "../../src/kernels/contract.js";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { Scope } from "../../src/runtime/memory.js";
import { resolveLoss } from "../../src/train/losses.js";
import type { LossSpec } from "../../src/train/losses.js";
import { OptionError } from "../../src/errors.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { evaluate } from "../../src/train/evaluate.js";
import { Dataset } from "../../src/data/dataset.js";
import { expectClose } from "../helpers/close.js";
import { blobs } from "../helpers/data.js";
import { randomF32, randomI32 } from "../../bench/shared/random.js";
import { crossEntropy64 } from "../helpers/loss64.js";
import { readF32 } from "../helpers/memory.js";

const BACKENDS = ["wasm-simd", "wasm", "js"] as const satisfies readonly Backend[];
const runtimes = new Map<Backend, Runtime>(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));
/** The runtime the kernel helpers below run on: each backend's describe block sets it while its tests run. */
let current: Runtime;
/** f32 results against float64 values computed from the same f32 inputs. */
const F32 = { atol: 1e-6, rtol: 1e-5 };
const H = 1e-3;
/** Central differences of an f64 loss are exact to O(h²); the kernels add f32 rounding. */
const GRAD = { atol: 1e-5, rtol: 1e-3 };

function inScope<T>(fn: (s: Scope, k: Kernels, read: (ptr: Ptr, n: number) => Float32Array) => T): T {
  const rt = current, scope = new Scope(rt.arena);
  try {
    return fn(scope, rt.kernels, (ptr, n) => readF32(rt.arena, ptr, n));
  } finally {
    scope.close();
  }
}

type Result = { loss: number; grad: Float32Array };

function hardCE(z: ArrayLike<number>, labels: ArrayLike<number>, B: number, C: number, eps: number): Result {
  return inScope((s, k, read) => {
    const zp = s.f32(B * C, Float32Array.from(z)), yp = s.i32(B, Int32Array.from(labels)), dp = s.f32(B * C);
    const loss = k.softmaxCrossEntropyForwardBackward(dp, zp, yp, 0, B, C, eps);
    return { loss, grad: read(dp, B * C) };
  });
}

function softCE(z: ArrayLike<number>, t: ArrayLike<number>, B: number, C: number): Result {
  return inScope((s, k, read) => {
    const zp = s.f32(B * C, Float32Array.from(z)), tp = s.f32(B * C, Float32Array.from(t)), dp = s.f32(B * C);
    const loss = k.softmaxCrossEntropySoftForwardBackward(dp, zp, tp, 0, B, C);
    return { loss, grad: read(dp, B * C) };
  });
}

type Regression = "l2" | "l1" | "huber";
function regression(kind: Regression, out: ArrayLike<number>, t: ArrayLike<number>, B: number, C: number, delta = 1): Result {
  return inScope((s, k, read) => {
    const op = s.f32(B * C, Float32Array.from(out)), tp = s.f32(B * C, Float32Array.from(t)), dp = s.f32(B * C);
    const loss = kind === "l2" ? k.l2LossForwardBackward(dp, op, tp, 0, B, C)
      : kind === "l1" ? k.l1LossForwardBackward(dp, op, tp, 0, B, C)
        : k.huberLossForwardBackward(dp, op, tp, 0, B, C, delta);
    return { loss, grad: read(dp, B * C) };
  });
}

// ---- float64 references ----

/** (softmax(z) − t) / B. */
function crossEntropyGrad64(z: ArrayLike<number>, t: ArrayLike<number>, B: number, C: number): Float64Array {
  const g = new Float64Array(B * C);
  for (let r = 0; r < B; r++) {
    let m = -Infinity, sum = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, z[r * C + c]!);
    for (let c = 0; c < C; c++) sum += Math.exp(z[r * C + c]! - m);
    for (let c = 0; c < C; c++) g[r * C + c] = (Math.exp(z[r * C + c]! - m) / sum - t[r * C + c]!) / B;
  }
  return g;
}

/** ε/C everywhere plus 1 − ε at the label. */
function smoothTargets(labels: ArrayLike<number>, B: number, C: number, eps: number): Float64Array {
  const t = new Float64Array(B * C).fill(eps / C);
  for (let r = 0; r < B; r++) t[r * C + labels[r]!] = 1 - eps + eps / C;
  return t;
}

const huber64 = (delta: number) => (r: number) => Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta);
const elementwise64 = (f: (r: number) => number) => (out: ArrayLike<number>, t: ArrayLike<number>, B: number) => {
  let total = 0;
  for (let i = 0; i < out.length; i++) total += f(out[i]! - t[i]!);
  return total / B;
};

/** ∂loss/∂v[j] by central differences in float64; `skip` marks points whose ±h interval crosses a kink. */
function numericGrad(v: ArrayLike<number>, loss: (v: Float64Array) => number, skip: (j: number) => boolean = () => false) {
  const base = Float64Array.from(v), grad = new Float64Array(v.length), keep: number[] = [];
  for (let j = 0; j < v.length; j++) {
    const plus = base.slice(), minus = base.slice();
    plus[j] = base[j]! + H;
    minus[j] = base[j]! - H;
    grad[j] = (loss(plus) - loss(minus)) / (2 * H);
    if (!skip(j)) keep.push(j);
  }
  return { grad, keep };
}

function expectGrad(kernel: ArrayLike<number>, numeric: { grad: Float64Array; keep: number[] }, label: string): void {
  expect(numeric.keep.length, `${label}: most points are away from kinks`).toBeGreaterThan(kernel.length / 2);
  expectClose(numeric.keep.map((j) => kernel[j]!), numeric.keep.map((j) => numeric.grad[j]!), { ...GRAD, label });
}

// Rows worked through by hand. softmax([2, 1, 3]) = [e⁻¹, e⁻², 1] / (1 + e⁻¹ + e⁻²).
const P = [0.24472847105479767, 0.09003057317038046, 0.6652409557748219];
const LSE = 3.40760596444438; // log(e² + e¹ + e³)

describe.each(BACKENDS)("loss kernels on the %s backend", (backend) => {
  beforeEach(() => {
    current = runtimes.get(backend)!;
  });

  it("run on a runtime of that backend", () => {
    expect(current.kernels.backend).toBe(backend);
  });

  describe("cross-entropy with integer labels", () => {
    it("gives −log p[label] and (p − onehot) / B on a 2×3 batch", () => {
      const z = [2, 1, 3, 0.5, -1, 0], labels = [2, 0];
      const r = hardCE(z, labels, 2, 3, 0);
      // Row 0: −log 0.66524096 = 0.40760596. Row 1: log(e^0.5 + e^-1 + 1) − 0.5.
      const row1 = Math.log(Math.exp(0.5) + Math.exp(-1) + 1) - 0.5;
      expect(row1).toBeCloseTo(0.6041306, 6);
      expectClose([r.loss], [(0.40760596444438 + row1) / 2], F32);
      const s1 = Math.exp(0.5) + Math.exp(-1) + 1;
      expectClose(r.grad, [P[0]! / 2, P[1]! / 2, (P[2]! - 1) / 2,
        (Math.exp(0.5) / s1 - 1) / 2, Math.exp(-1) / s1 / 2, 1 / s1 / 2], F32);
    });

    it("with label smoothing ε = 0.1 targets [ε/3, ε/3, 1 − ε + ε/3] on the row [2, 1, 3] with label 2", () => {
      const r = hardCE([2, 1, 3], [2], 1, 3, 0.1);
      // loss = LSE − Σ t·z = 3.40760596 − (0.1/3 · (2 + 1) + (0.9 + 0.1/3) · 3) = 3.40760596 − 2.9
      expectClose([r.loss], [LSE - 2.9], F32);
      expect(r.loss).toBeCloseTo(0.50760596, 6);
      expectClose(r.grad, [P[0]! - 0.1 / 3, P[1]! - 0.1 / 3, P[2]! - 0.9 - 0.1 / 3], F32);
      // The smoothed loss is (1 − ε)·CE + ε·mean_c(LSE − z_c).
      expectClose([r.loss], [0.9 * (LSE - 3) + 0.1 * (LSE - 2)], F32);
    });

    it("with label smoothing matches the float64 cross-entropy against smoothed targets on a 2×3 batch", () => {
      const z = [2, 1, 3, 0.5, -1, 0], labels = [2, 0], t = smoothTargets(labels, 2, 3, 0.1);
      const r = hardCE(z, labels, 2, 3, 0.1);
      expectClose([r.loss], [crossEntropy64(z, t, 2, 3)], F32);
      expectClose(r.grad, crossEntropyGrad64(z, t, 2, 3), F32);
    });

    it("stays finite for a −Inf logit when ε = 0: that class gets probability 0 and gradient 0", () => {
      const r = hardCE([-Infinity, 0, 0, 1, -Infinity, 1], [1, 2], 2, 3, 0);
      expect(Number.isNaN(r.loss)).toBe(false);
      expectClose([r.loss], [Math.LN2], F32);
      expect(Array.from(r.grad).some(Number.isNaN)).toBe(false);
      expectClose(r.grad, [0, -0.25, 0.25, 0.25, 0, -0.25], F32);
    });

    it("gives +Infinity, not NaN, for a −Inf logit when ε > 0 puts target mass on that class", () => {
      const r = hardCE([-Infinity, 0, 0], [1], 1, 3, 0.1);
      expect(r.loss).toBe(Infinity);
      expect(Array.from(r.grad).some(Number.isNaN)).toBe(false);
      expectClose(r.grad, [-0.1 / 3, 0.5 - 0.9 - 0.1 / 3, 0.5 - 0.1 / 3], F32);
    });

    it.each([0, 0.1, 0.3])("has a gradient matching central differences of the float64 loss (ε = %f)", (eps) => {
      const B = 4, C = 5, z = randomF32(B * C, 11, -3, 3), labels = randomI32(B, C, 12);
      const t = smoothTargets(labels, B, C, eps);
      const r = hardCE(z, labels, B, C, eps);
      expectClose([r.loss], [crossEntropy64(z, t, B, C)], F32);
      expectGrad(r.grad, numericGrad(z, (v) => crossEntropy64(v, t, B, C)), `dLogits ε=${eps}`);
    });
  });

  describe("cross-entropy with soft targets", () => {
    it("gives LSE − Σ t·z and p − t for the row [2, 1, 3] with targets [0.9, 0.05, 0.05]", () => {
      const r = softCE([2, 1, 3], [0.9, 0.05, 0.05], 1, 3);
      // Σ t·z = 1.8 + 0.05 + 0.15 = 2.0
      expectClose([r.loss], [LSE - 2], F32);
      expect(r.loss).toBeCloseTo(1.40760596, 6);
      expectClose(r.grad, [P[0]! - 0.9, P[1]! - 0.05, P[2]! - 0.05], F32);
    });

    it("averages over rows: a 2×3 batch matches the float64 reference", () => {
      const z = [2, 1, 3, 0.5, -1, 0], t = [0.9, 0.05, 0.05, 0.2, 0.3, 0.5];
      const r = softCE(z, t, 2, 3);
      expectClose([r.loss], [crossEntropy64(Float32Array.from(z), Float32Array.from(t), 2, 3)], F32);
      expectClose(r.grad, crossEntropyGrad64(Float32Array.from(z), Float32Array.from(t), 2, 3), F32);
    });

    it("equals the integer-label kernel bit for bit when every target row is one-hot", () => {
      const B = 6, C = 7, z = randomF32(B * C, 21, -4, 4), labels = randomI32(B, C, 22);
      const t = new Float32Array(B * C);
      labels.forEach((y, r) => { t[r * C + y] = 1; });
      const soft = softCE(z, t, B, C), hard = hardCE(z, labels, B, C, 0);
      expect(soft.loss).toBe(hard.loss);
      expect(Array.from(soft.grad)).toEqual(Array.from(hard.grad));
    });

    it("stays finite for a −Inf logit whose target is 0", () => {
      const r = softCE([-Infinity, 0, 0], [0, 0.5, 0.5], 1, 3);
      expectClose([r.loss], [Math.LN2], F32);
      expectClose(r.grad, [0, 0, 0], F32);
    });

    it("has a gradient matching central differences of the float64 loss", () => {
      const B = 4, C = 5, z = randomF32(B * C, 31, -3, 3);
      const t = Float32Array.from(randomF32(B * C, 32, 0, 1));
      for (let r = 0; r < B; r++) {
        const row = t.subarray(r * C, r * C + C), s = row.reduce((a, b) => a + b, 0);
        row.forEach((v, c) => { row[c] = v / s; });
      }
      const r = softCE(z, t, B, C);
      expectClose([r.loss], [crossEntropy64(z, t, B, C)], F32);
      expectGrad(r.grad, numericGrad(z, (v) => crossEntropy64(v, t, B, C)), "dLogits");
    });
  });

  describe("regression losses", () => {
    // Residuals out − target = [0, 2, −1, −0.5, 0, 1.5]: two zeros, and values on both sides of δ = 1.
    const out = [1, 2, 3, 0, -1, 0.5], target = [1, 0, 4, 0.5, -1, -1];

    it("L2 is ½Σr² / B with gradient r / B", () => {
      const r = regression("l2", out, target, 2, 3);
      // ½ (0 + 4 + 1 + 0.25 + 0 + 2.25) / 2 = 1.875
      expect(r.loss).toBe(1.875);
      expectClose(r.grad, [0, 1, -0.5, -0.25, 0, 0.75], { atol: 0, rtol: 0 });
    });

    it("L1 is Σ|r| / B with gradient sign(r) / B, exactly 0 where the residual is 0", () => {
      const r = regression("l1", out, target, 2, 3);
      // (0 + 2 + 1 + 0.5 + 0 + 1.5) / 2 = 2.5
      expect(r.loss).toBe(2.5);
      expect(Array.from(r.grad)).toEqual([0, 0.5, -0.5, -0.5, 0, 0.5]);
    });

    it("Huber with δ = 1 is ½r² inside δ (|r| = 1 included) and δ(|r| − ½δ) outside, gradient clamp(r, ±δ) / B", () => {
      const r = regression("huber", out, target, 2, 3, 1);
      // 0 + 1·(2 − 0.5) + ½·1 + ½·0.25 + 0 + 1·(1.5 − 0.5) = 3.125; / 2
      expect(r.loss).toBe(1.5625);
      expect(Array.from(r.grad)).toEqual([0, 0.5, -0.5, -0.25, 0, 0.5]);
    });

    it("Huber with δ = 0.5 puts the residuals ±1, 1.5 and 2 on the linear side", () => {
      const r = regression("huber", out, target, 2, 3, 0.5);
      // 0 + 0.5·1.75 + 0.5·0.75 + ½·0.25 + 0 + 0.5·1.25 = 2.0; / 2
      expectClose([r.loss], [1], F32);
      expect(Array.from(r.grad)).toEqual([0, 0.25, -0.25, -0.25, 0, 0.25]);
    });

    it("Huber equals L2 when δ exceeds every residual", () => {
      const a = regression("huber", out, target, 2, 3, 100), b = regression("l2", out, target, 2, 3);
      expect(a.loss).toBe(b.loss);
      expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
    });

    const B = 3, C = 5, o = randomF32(B * C, 41, -3, 3), t = randomF32(B * C, 42, -3, 3);
    const cases: [Regression, (r: number) => number, (r: number) => boolean, number][] = [
      ["l2", (r) => 0.5 * r * r, () => false, 1],
      ["l1", Math.abs, (r) => Math.abs(r) <= 2 * H, 1],
      ["huber", huber64(1), (r) => Math.abs(Math.abs(r) - 1) <= 2 * H, 1],
      ["huber", huber64(0.25), (r) => Math.abs(Math.abs(r) - 0.25) <= 2 * H, 0.25],
    ];
    it.each(cases)("%s has a gradient matching central differences of the float64 loss (δ = %#)", (kind, f, nearKink, delta) => {
      const loss64 = elementwise64(f);
      const r = regression(kind, o, t, B, C, delta);
      expectClose([r.loss], [loss64(o, t, B)], F32);
      expectGrad(r.grad, numericGrad(o, (v) => loss64(v, t, B), (j) => nearKink(o[j]! - t[j]!)), `d${kind}`);
    });

    it("the random residuals fall on both sides of each Huber δ, so both branches are checked", () => {
      const res = Array.from(o, (v, j) => Math.abs(v - t[j]!));
      for (const delta of [1, 0.25]) {
        expect(res.some((v) => v < delta)).toBe(true);
        expect(res.some((v) => v > delta)).toBe(true);
      }
    });
  });
});

describe("resolveLoss", () => {
  function thrown(fn: () => unknown): OptionError {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(OptionError);
      return error as OptionError;
    }
    throw new Error("expected an OptionError");
  }

  it("defaults to cross-entropy without smoothing, using soft targets only when the data has them", () => {
    const loss = resolveLoss();
    expect(loss.config).toEqual({ type: "cross-entropy", labelSmoothing: 0 });
    expect(loss.needsTargets(false)).toBe(false);
    expect(loss.needsTargets(true)).toBe(true);
    expect(resolveLoss("cross-entropy").config).toEqual(loss.config);
  });

  it("accepts names and objects, filling in the Huber delta 1 by default", () => {
    expect(resolveLoss("l2").config).toEqual({ type: "l2" });
    expect(resolveLoss({ type: "l1" }).config).toEqual({ type: "l1" });
    expect(resolveLoss("huber").config).toEqual({ type: "huber", delta: 1 });
    expect(resolveLoss({ type: "huber", delta: 0.5 }).config).toEqual({ type: "huber", delta: 0.5 });
    expect(resolveLoss({ type: "cross-entropy", labelSmoothing: 0.1 }).config).toEqual({ type: "cross-entropy", labelSmoothing: 0.1 });
    for (const spec of ["l2", "l1", "huber"] as const) expect(resolveLoss(spec).needsTargets(false)).toBe(true);
  });

  it("accepts label smoothing at the edges 0 and just below 1", () => {
    expect(resolveLoss({ type: "cross-entropy", labelSmoothing: 0 }).config).toEqual({ type: "cross-entropy", labelSmoothing: 0 });
    expect(resolveLoss({ type: "cross-entropy", labelSmoothing: 0.999 }).config).toEqual({ type: "cross-entropy", labelSmoothing: 0.999 });
  });

  it.each(["mse", "cross_entropy", "", 42, null, {}, { type: "hinge" }])("rejects the unknown loss %j, naming `loss`", (spec) => {
    const e = thrown(() => resolveLoss(spec as LossSpec));
    expect(e.option).toBe("loss");
    expect(e.message).toMatch(/^Invalid loss: expected .+, got .+\.$/);
  });

  it("names the value it got for an unknown loss name", () => {
    expect(thrown(() => resolveLoss("mse" as LossSpec)).message).toContain('got "mse".');
  });

  it.each([1, 1.5, -0.1, NaN, Infinity, "0.1"])("rejects labelSmoothing %s, naming `loss.labelSmoothing`", (eps) => {
    const e = thrown(() => resolveLoss({ type: "cross-entropy", labelSmoothing: eps as number }));
    expect(e.option).toBe("loss.labelSmoothing");
    expect(e.value).toBe(eps);
    expect(e.message).toMatch(/^Invalid loss\.labelSmoothing: expected a number in \[0, 1\), got .+\.$/);
  });

  it.each([0, -1, NaN, Infinity, "1"])("rejects Huber delta %s, naming `loss.delta`", (delta) => {
    const e = thrown(() => resolveLoss({ type: "huber", delta: delta as number }));
    expect(e.option).toBe("loss.delta");
    expect(e.value).toBe(delta);
    expect(e.message).toMatch(/^Invalid loss\.delta: expected .+ > 0, got .+\.$/);
  });

  it("refuses an unknown key of a loss object, listing the known ones", () => {
    expect(thrown(() => resolveLoss({ type: "huber", delt: 0.5 } as never)).message).toBe('Unknown huber loss option "delt". Known options: type, delta.');
    expect(thrown(() => resolveLoss({ type: "cross-entropy", smoothing: 0.1 } as never)).message)
      .toBe('Unknown cross-entropy loss option "smoothing". Known options: type, labelSmoothing.');
    expect(thrown(() => resolveLoss({ type: "l2", delta: 1 } as never)).message).toBe('Unknown l2 loss option "delta". Known options: type.');
  });

  it("rejects a bad loss passed to fit before training starts", async () => {
    const runtime = runtimes.get("js")!;
    const model = new SoftmaxRegression({ inputs: 4, classes: 3 });
    const before = model.getParameters();
    await expect(fit(model, blobs(20, 4, 3, 1), { loss: { type: "huber", delta: 0 }, runtime })).rejects.toMatchObject({ option: "loss.delta" });
    expect(model.getParameters()).toEqual(before);
    expect(() => evaluate(model, blobs(20, 4, 3, 1), { loss: "mse" as LossSpec, runtime })).toThrow(/^Invalid loss: expected/);
  });
});

describe.each(BACKENDS)("training with each loss on the %s backend", (backend) => {
  const runtime = runtimes.get(backend)!;

  const F = 10, C = 4;
  const data = blobs(400, F, C, 5);

  /** Trains a fresh model; returns the loss before and after (same loss, whole set) and the accuracy after. */
  async function train(loss: LossSpec, set: Dataset, lr: number) {
    const model = new SoftmaxRegression({ inputs: F, classes: C, seed: 1 });
    const before = evaluate(model, set, { loss, runtime }).loss;
    const history = await fit(model, set, { loss, epochs: 8, batchSize: 32, seed: 2, optimizer: new SGD({ lr }), runtime });
    expect(history.backend).toBe(backend);
    const after = evaluate(model, set, { loss, runtime }).loss;
    const predicted = model.predict(set, { runtime });
    const acc = predicted.reduce((n, p, i) => n + (p === set.y[i] ? 1 : 0), 0) / set.length;
    return { before, after, accuracy: acc, history };
  }

  // [name, loss, lr, the fraction of the initial loss it must get below]. L1's sign gradients make slow progress.
  const specs: [string, LossSpec, number, number][] = [
    ["cross-entropy", "cross-entropy", 0.5, 0.5],
    ["cross-entropy with label smoothing 0.1", { type: "cross-entropy", labelSmoothing: 0.1 }, 0.5, 0.6],
    ["L2 against one-hot rows", "l2", 0.2, 0.5],
    ["L1 against one-hot rows", "l1", 0.05, 0.92],
    ["Huber (δ = 0.5) against one-hot rows", { type: "huber", delta: 0.5 }, 0.2, 0.5],
  ];

  it.each(specs)("%s lowers the loss and classifies well above chance", async (_name, loss, lr, factor) => {
    const r = await train(loss, data, lr);
    expect(r.history.epochs).toHaveLength(8);
    expect(r.after).toBeLessThan(r.before * factor);
    expect(r.history.epochs[7]!.loss).toBeLessThan(r.history.epochs[0]!.loss);
    expect(r.accuracy).toBeGreaterThan(0.7); // chance is 0.25
  });

  it("a Dataset of soft-target rows trains with the soft cross-entropy and classifies well above chance", async () => {
    const soft = new Float32Array(data.length * C).fill(0.1 / (C - 1));
    data.y.forEach((y, i) => { soft[i * C + y] = 0.9; });
    const set = Dataset.fromArrays(data.x, soft, { features: F, classes: C });
    expect(set.targets).toBe(soft);
    expect(Array.from(set.y)).toEqual(Array.from(data.y));
    const r = await train("cross-entropy", set, 0.5);
    expect(r.after).toBeLessThan(r.before * 0.8);
    expect(r.accuracy).toBeGreaterThan(0.7);
    // The soft loss is bounded below by the targets' entropy, which hard-label cross-entropy is not.
    const entropy = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1 / (C - 1)));
    expect(r.after).toBeGreaterThan(entropy - 1e-4);
  });
});
