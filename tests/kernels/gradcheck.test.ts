// Gradient checks: every backward kernel against central differences of the same loss written out in float64
// here, so the reference shares no code (and no f32 rounding) with the kernels.
import { describe, expect, it } from "vitest";
import type { Backend, Kernels } from "../../src/kernels/contract.js";
import { expectClose } from "../helpers/close.js";
import { randomF32, randomI32 } from "../../bench/shared/random.js";
import { loadRuntimes, runKernel } from "./harness.js";
import { crossEntropy64 } from "../helpers/loss64.js";

const runtimes = await loadRuntimes();
const H = 1e-3;
// The f64 reference is exact to O(h²) ≈ 1e-6 relative; the kernels add f32 rounding (≈ 1e-7 relative).
const TOL = { atol: 1e-5, rtol: 1e-3 };

/** ∂loss/∂v[j] for every j by central differences, v perturbed in float64. */
function numericGrad(v: ArrayLike<number>, loss: (v: Float64Array) => number, skip?: (v: Float64Array, j: number) => boolean): { grad: Float64Array; skipped: boolean[] } {
  const base = Float64Array.from(v), grad = new Float64Array(v.length), skipped: boolean[] = [];
  for (let j = 0; j < v.length; j++) {
    const plus = base.slice(), minus = base.slice();
    plus[j] = base[j]! + H;
    minus[j] = base[j]! - H;
    skipped[j] = skip ? skip(plus, j) || skip(minus, j) : false;
    grad[j] = (loss(plus) - loss(minus)) / (2 * H);
  }
  return { grad, skipped };
}

/** Compares kernel and numeric gradients where not skipped. */
function expectGrad(kernel: ArrayLike<number>, numeric: { grad: Float64Array; skipped: boolean[] }, label: string): void {
  const keep = numeric.skipped.map((s, j) => (s ? -1 : j)).filter((j) => j >= 0);
  expectClose(keep.map((j) => kernel[j]!), keep.map((j) => numeric.grad[j]!), { ...TOL, label });
}

// z (B,O) = x (B,I) · Wᵀ (O,I) + b (O), in float64.
function affine(x: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number>, B: number, I: number, O: number): Float64Array {
  const z = new Float64Array(B * O);
  for (let r = 0; r < B; r++) for (let o = 0; o < O; o++) {
    let s = b[o]!;
    for (let i = 0; i < I; i++) s += x[r * I + i]! * W[o * I + i]!;
    z[r * O + o] = s;
  }
  return z;
}

/** Label-smoothed one-hot targets: ε/C everywhere plus 1 − ε at the label. */
function smoothed(labels: Int32Array, C: number, eps: number): Float64Array {
  const t = new Float64Array(labels.length * C).fill(eps / C);
  labels.forEach((y, r) => { t[r * C + y] = eps / C + 1 - eps; });
  return t;
}

describe.each(["wasm-simd", "wasm", "js"] as const satisfies readonly Backend[])("gradients on the %s backend", (backend) => {
  const rt = runtimes[backend];

  describe.each([[3, 5, 4], [5, 17, 3]])("a softmax-regression layer with B=%i, I=%i, O=%i", (B, I, O) => {
    const x = randomF32(B * I, 100 + I), W = randomF32(O * I, 200 + I, -0.5, 0.5), b = randomF32(O, 300 + I, -0.5, 0.5);
    const labels = randomI32(B, O, 400 + I);

    for (const eps of [0, 0.1]) {
      const t = smoothed(labels, O, eps);
      // The kernels' forward and backward: logits, fused dLogits (in place), dW and db, and dX = dLogits · W.
      const run = () => runKernel(rt, {
        x: { data: x, role: "in" }, W: { data: W, role: "in" }, b: { data: b, role: "in" }, y: { data: labels, role: "in" },
        z: { data: new Float32Array(B * O), role: "out" }, dW: { data: new Float32Array(O * I), role: "out" },
        db: { data: new Float32Array(O), role: "out" }, dX: { data: new Float32Array(B * I), role: "out" },
        panels: { data: new Float32Array(B * O), role: "out" }, rows: { data: new Int32Array(2 * B * (I >> 4)), role: "out" },
        chunks: { data: new Int32Array(2 * Math.ceil(B / 4) * (I >> 2)), role: "out" },
      }, (k: Kernels, p) => {
        k.linearForward(p.z!, p.x!, p.W!, p.b!, p.chunks!, B, I, O);
        const loss = k.softmaxCrossEntropyForwardBackward(p.z!, p.z!, p.y!, 0, B, O, eps);
        k.linearBackward(p.dW!, p.db!, p.z!, p.x!, p.panels!, p.rows!, B, I, O);
        k.matmul(p.dX!, p.z!, p.W!, B, O, I);
        return loss;
      }).out as Record<string, Float32Array>;

      it(`the fused softmax-cross-entropy gradient (ε = ${eps}) matches central differences in the logits`, () => {
        const z = affine(x, W, b, B, I, O);
        const r = runKernel(rt, { z: { data: Float32Array.from(z), role: "in" }, d: { data: new Float32Array(B * O), role: "out" }, y: { data: labels, role: "in" } },
          (k, p) => k.softmaxCrossEntropyForwardBackward(p.d!, p.z!, p.y!, 0, B, O, eps));
        const zf = Float32Array.from(z);
        expect(r.ret as number).toBeCloseTo(crossEntropy64(zf, t, B, O), 5);
        expectGrad(r.out.d!, numericGrad(zf, (v) => crossEntropy64(v, t, B, O)), "dLogits");
      });

      it(`linearBackward's dW and db (ε = ${eps}) match central differences of the f64 loss`, () => {
        const out = run();
        expectGrad(out.dW!, numericGrad(W, (v) => crossEntropy64(affine(x, v, b, B, I, O), t, B, O)), "dW");
        expectGrad(out.db!, numericGrad(b, (v) => crossEntropy64(affine(x, W, v, B, I, O), t, B, O)), "db");
      });

      it(`the matmul input gradient dX = dLogits · W (ε = ${eps}) matches central differences`, () => {
        const out = run();
        expectGrad(out.dX!, numericGrad(x, (v) => crossEntropy64(affine(v, W, b, B, I, O), t, B, O)), "dX");
      });
    }
  });

  it("the soft-target cross-entropy gradient matches central differences in the logits", () => {
    const B = 4, C = 5, z = randomF32(B * C, 500, -3, 3);
    const t = Float32Array.from(randomF32(B * C, 501, -0.3, 1), (v) => Math.max(v, 0));
    for (let r = 0; r < B; r++) {
      const row = t.subarray(r * C, r * C + C), s = row.reduce((a, v) => a + v, 0);
      row.forEach((v, c) => { row[c] = v / s; });
    }
    const res = runKernel(rt, { z: { data: z, role: "in" }, t: { data: t, role: "in" }, d: { data: new Float32Array(B * C), role: "out" } },
      (k, p) => k.softmaxCrossEntropySoftForwardBackward(p.d!, p.z!, p.t!, 0, B, C));
    expect(res.ret as number).toBeCloseTo(crossEntropy64(z, t, B, C), 5);
    expectGrad(res.out.d!, numericGrad(z, (v) => crossEntropy64(v, t, B, C)), "dLogits");
  });

  describe("regression losses", () => {
    const B = 3, C = 4, y = randomF32(B * C, 600, -3, 3), target = randomF32(B * C, 601, -3, 3);
    const delta = 1;
    const cases = [
      ["l2LossForwardBackward", (r: number) => 0.5 * r * r, () => false],
      ["l1LossForwardBackward", Math.abs, (r: number) => Math.abs(r) < 2 * H],
      ["huberLossForwardBackward", (r: number) => (Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta)),
        (r: number) => Math.abs(Math.abs(r) - delta) < 2 * H],
    ] as const;

    it.each(cases)("%s's gradient matches central differences (kinks skipped)", (kernel, loss, nearKink) => {
      const res = runKernel(rt, { y: { data: y, role: "in" }, t: { data: target, role: "in" }, d: { data: new Float32Array(B * C), role: "out" } },
        (k, p) => kernel === "huberLossForwardBackward" ? k.huberLossForwardBackward(p.d!, p.y!, p.t!, 0, B, C, delta) : k[kernel](p.d!, p.y!, p.t!, 0, B, C));
      const loss64 = (v: ArrayLike<number>) => Array.from(v, (o, j) => loss(o - target[j]!)).reduce((a, b) => a + b, 0) / B;
      expect(res.ret as number).toBeCloseTo(loss64(y), 5);
      expectGrad(res.out.d!, numericGrad(y, loss64, (v, j) => nearKink(v[j]! - target[j]!)), "dOut");
    });

    it("the data has residuals on both sides of the Huber threshold", () => {
      const r = Array.from(y, (v, j) => Math.abs(v - target[j]!));
      expect(r.some((v) => v < delta)).toBe(true);
      expect(r.some((v) => v > delta)).toBe(true);
    });
  });

  describe("a 2-layer MLP (I=6 → H=5 ReLU → O=3) with B=4", () => {
    const B = 4, I = 6, Hd = 5, O = 3;
    const x = randomF32(B * I, 700), W1 = randomF32(Hd * I, 701), b1 = randomF32(Hd, 702, -0.3, 0.3);
    const W2 = randomF32(O * Hd, 703), b2 = randomF32(O, 704, -0.3, 0.3), labels = randomI32(B, O, 705);
    const t = smoothed(labels, O, 0);

    const forward64 = (p: { x?: ArrayLike<number>; W1?: ArrayLike<number>; b1?: ArrayLike<number>; W2?: ArrayLike<number>; b2?: ArrayLike<number> }) => {
      const pre = affine(p.x ?? x, p.W1 ?? W1, p.b1 ?? b1, B, I, Hd);
      const h = pre.map((v) => Math.max(v, 0));
      return { pre, loss: crossEntropy64(affine(h, p.W2 ?? W2, p.b2 ?? b2, B, Hd, O), t, B, O) };
    };
    const basePre = forward64({}).pre;
    // A perturbation that flips any ReLU is at a kink: central differences are meaningless there.
    const flips = (pre: Float64Array) => pre.some((v, j) => v > 0 !== basePre[j]! > 0);

    const grads = () => runKernel(rt, {
      x: { data: x, role: "in" }, W1: { data: W1, role: "in" }, b1: { data: b1, role: "in" }, W2: { data: W2, role: "in" },
      b2: { data: b2, role: "in" }, y: { data: labels, role: "in" },
      h: { data: new Float32Array(B * Hd), role: "out" }, z: { data: new Float32Array(B * O), role: "out" },
      dh: { data: new Float32Array(B * Hd), role: "out" }, dx: { data: new Float32Array(B * I), role: "out" },
      dW1: { data: new Float32Array(Hd * I), role: "out" }, db1: { data: new Float32Array(Hd), role: "out" },
      dW2: { data: new Float32Array(O * Hd), role: "out" }, db2: { data: new Float32Array(O), role: "out" },
      panels: { data: new Float32Array(B * Math.max(Hd, O)), role: "out" }, rows: { data: new Int32Array(2 * B * (Math.max(I, Hd) >> 4)), role: "out" },
      chunks: { data: new Int32Array(2 * Math.ceil(B / 4) * (Math.max(I, Hd) >> 2)), role: "out" },
    }, (k, p) => {
      k.linearForward(p.h!, p.x!, p.W1!, p.b1!, p.chunks!, B, I, Hd);
      k.reluForward(p.h!, p.h!, B * Hd);
      k.linearForward(p.z!, p.h!, p.W2!, p.b2!, p.chunks!, B, Hd, O);
      const loss = k.softmaxCrossEntropyForwardBackward(p.z!, p.z!, p.y!, 0, B, O, 0);
      k.linearBackward(p.dW2!, p.db2!, p.z!, p.h!, p.panels!, p.rows!, B, Hd, O);
      k.matmul(p.dh!, p.z!, p.W2!, B, O, Hd);
      k.reluBackward(p.dh!, p.dh!, p.h!, B * Hd);
      k.linearBackward(p.dW1!, p.db1!, p.dh!, p.x!, p.panels!, p.rows!, B, I, Hd);
      k.matmul(p.dx!, p.dh!, p.W1!, B, Hd, I);
      return loss;
    });

    it("has some inactive ReLUs, so the mask is exercised", () => {
      expect(basePre.some((v) => v < 0)).toBe(true);
      expect(basePre.some((v) => v > 0)).toBe(true);
    });

    it("computes the same loss as the f64 forward pass", () => {
      expect(grads().ret as number).toBeCloseTo(forward64({}).loss, 5);
    });

    it.each(["W1", "b1", "W2", "b2", "x"] as const)("d%s matches central differences away from ReLU kinks", (name) => {
      const values = { x, W1, b1, W2, b2 }[name];
      const numeric = numericGrad(values, (v) => forward64({ [name]: v }).loss, (v) => flips(forward64({ [name]: v }).pre));
      expect(numeric.skipped.filter(Boolean).length, "most parameters are checked").toBeLessThan(values.length / 4);
      expectGrad(grads().out[`d${name}`]!, numeric, `d${name}`);
    });
  });
});
