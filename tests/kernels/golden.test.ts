// Hand-checkable cases for every kernel, on every backend, and every validation branch of the public kernels.
import { beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/kernels/contract.js";
import { kernels } from "../../src/runtime/public-kernels.js";
import { createRuntime, init } from "../../src/runtime/runtime.js";
import { ClosedError, OptionError, ShapeError } from "../../src/errors.js";
import { U8_SCALE } from "../../src/data/dataset.js";
import { expectClose } from "../helpers/close.js";
import { loadRuntimes, runKernel } from "./harness.js";
import { thrown } from "../helpers/errors.js";

const runtimes = await loadRuntimes();
const BACKENDS = ["wasm-simd", "wasm", "js"] as const satisfies readonly Backend[];
const f32 = (...v: number[]) => new Float32Array(v);
const i32 = (...v: number[]) => new Int32Array(v);
const P = [0.24472847105479767, 0.09003057317038046, 0.6652409557748219]; // softmax([2, 1, 3]) in float64
const EXACT = { atol: 0, rtol: 0 };
const F32 = { atol: 1e-7, rtol: 1e-6 };

describe.each(BACKENDS)("golden values on the %s backend", (backend) => {
  const rt = runtimes[backend];

  function softmax(x: Float32Array, R: number, C: number): Float32Array {
    const r = runKernel(rt, { out: { data: new Float32Array(R * C), role: "out" }, x: { data: x, role: "in" } },
      (k, p) => k.softmaxRows(p.out!, p.x!, R, C));
    return r.out.out as Float32Array;
  }

  function crossEntropy(z: Float32Array, y: Int32Array, B: number, C: number, smoothing = 0): { loss: number; grad: Float32Array } {
    const r = runKernel(rt, {
      grad: { data: new Float32Array(B * C), role: "out" }, z: { data: z, role: "in" }, y: { data: y, role: "in" },
    }, (k, p) => k.softmaxCrossEntropyForwardBackward(p.grad!, p.z!, p.y!, 0, B, C, smoothing));
    return { loss: r.ret as number, grad: r.out.grad as Float32Array };
  }

  function softCrossEntropy(z: Float32Array, t: Float32Array, B: number, C: number): { loss: number; grad: Float32Array } {
    const r = runKernel(rt, {
      grad: { data: new Float32Array(B * C), role: "out" }, z: { data: z, role: "in" }, t: { data: t, role: "in" },
    }, (k, p) => k.softmaxCrossEntropySoftForwardBackward(p.grad!, p.z!, p.t!, 0, B, C));
    return { loss: r.ret as number, grad: r.out.grad as Float32Array };
  }

  type Regression = "l2LossForwardBackward" | "l1LossForwardBackward" | "huberLossForwardBackward";
  function regression(kernel: Regression, y: Float32Array, t: Float32Array, B: number, C: number, delta = 1): { loss: number; grad: Float32Array } {
    const r = runKernel(rt, {
      grad: { data: new Float32Array(B * C), role: "out" }, y: { data: y, role: "in" }, t: { data: t, role: "in" },
    }, (k, p) => kernel === "huberLossForwardBackward" ? k.huberLossForwardBackward(p.grad!, p.y!, p.t!, 0, B, C, delta) : k[kernel](p.grad!, p.y!, p.t!, 0, B, C));
    return { loss: r.ret as number, grad: r.out.grad as Float32Array };
  }

  it("reports its own backend name", () => {
    expect(rt.kernels.backend).toBe(backend);
  });

  describe("softmaxRows", () => {
    it("maps [2, 1, 3] to [0.24472847, 0.09003057, 0.66524095]", () => {
      expectClose(softmax(f32(2, 1, 3), 1, 3), [0.24472847, 0.09003057, 0.66524095], F32);
    });

    it("maps [100, 100] to exactly [0.5, 0.5] without overflowing", () => {
      expectClose(softmax(f32(100, 100), 1, 2), [0.5, 0.5], EXACT);
    });

    it("maps [-1000, 1000] to exactly [0, 1]", () => {
      expectClose(softmax(f32(-1000, 1000), 1, 2), [0, 1], EXACT);
    });

    it("turns a row containing NaN into all NaN and leaves the other rows alone", () => {
      expectClose(softmax(f32(1, NaN, 2, 0, 0, 0), 2, 3), [NaN, NaN, NaN, 1 / 3, 1 / 3, 1 / 3], F32);
    });

    it("gives -Infinity probability 0 and the other entries their softmax", () => {
      expectClose(softmax(f32(-Infinity, 2, 1, 3, 2, 1, -Infinity, 3), 2, 4), [0, P[0]!, P[1]!, P[2]!, P[0]!, P[1]!, 0, P[2]!], F32);
    });

    it("spreads a row of equal huge values (3e38) evenly", () => {
      expectClose(softmax(f32(3e38, 3e38, 3e38, 3e38), 1, 4), [0.25, 0.25, 0.25, 0.25], EXACT);
    });

    it("returns 1 for a single column, whatever its value", () => {
      expectClose(softmax(f32(-5, 0, 123), 3, 1), [1, 1, 1], EXACT);
    });

    it("computes every row independently", () => {
      expectClose(softmax(f32(2, 1, 3, 12, 11, 13, 0, 0, 0), 3, 3), [...P, ...P, 1 / 3, 1 / 3, 1 / 3], F32);
    });

    it("writes nothing when there are no rows or no columns", () => {
      expect(softmax(f32(), 0, 5)).toHaveLength(0);
      expect(softmax(f32(), 4, 0)).toHaveLength(0);
    });
  });

  describe("softmaxCrossEntropyForwardBackward", () => {
    it("gives loss log(Σexp) − z[label] and gradient p − onehot for logits [2, 1, 3], label 2", () => {
      const { loss, grad } = crossEntropy(f32(2, 1, 3), i32(2), 1, 3);
      expect(loss).toBeCloseTo(0.40760596444438013, 6);
      expectClose(grad, [P[0]!, P[1]!, P[2]! - 1], F32);
    });

    it("averages the loss over rows and divides the gradient by the batch size", () => {
      const { loss, grad } = crossEntropy(f32(2, 1, 3, 1, 1, 1), i32(2, 0), 2, 3);
      expect(loss).toBeCloseTo((0.40760596444438013 + Math.log(3)) / 2, 6);
      expectClose(grad, [P[0]! / 2, P[1]! / 2, (P[2]! - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6], F32);
    });

    it("stays finite for logits ±1000: loss 2000, gradient [1, -1]", () => {
      const { loss, grad } = crossEntropy(f32(1000, -1000), i32(1), 1, 2);
      expect(loss).toBe(2000);
      expectClose(grad, [1, -1], EXACT);
    });

    it("gives loss 0 and gradient 0 when the label's logit dominates completely", () => {
      const { loss, grad } = crossEntropy(f32(-1000, 1000), i32(1), 1, 2);
      expect(loss).toBe(0);
      expectClose(grad, [0, 0], EXACT);
    });

    it("returns +Infinity when the label's logit is -Infinity, with gradient p − onehot", () => {
      const { loss, grad } = crossEntropy(f32(-Infinity, 0, 0), i32(0), 1, 3);
      expect(loss).toBe(Infinity);
      expectClose(grad, [-1, 0.5, 0.5], EXACT);
    });

    it("returns NaN loss and a NaN gradient row for a NaN logit", () => {
      const { loss, grad } = crossEntropy(f32(0, NaN, 0, 0, 0, 0), i32(0, 1), 2, 3);
      expect(loss).toBeNaN();
      expectClose(grad.subarray(0, 3), [NaN, NaN, NaN], EXACT);
      expectClose(grad.subarray(3), [1 / 6, (1 / 3 - 1) / 2, 1 / 6], F32);
    });

    it("returns loss 0 and writes nothing for zero rows", () => {
      const { loss, grad } = crossEntropy(f32(), i32(), 0, 10);
      expect(loss).toBe(0);
      expect(grad).toHaveLength(0);
    });

    it("gives loss 0 and a zero gradient for a single class", () => {
      const { loss, grad } = crossEntropy(f32(7, -3), i32(0, 0), 2, 1);
      expect(loss).toBe(0);
      expectClose(grad, [0, 0], EXACT);
    });

    it("stays finite when a logit other than the label's is -Infinity (no smoothing)", () => {
      const { loss, grad } = crossEntropy(f32(-Infinity, 1, 2), i32(2), 1, 3);
      expect(loss).toBeCloseTo(Math.log(1 + Math.exp(-1)), 6);
      const p1 = 1 / (1 + Math.E);
      expectClose(grad, [0, p1, -p1], F32); // p = [0, p1, 1 − p1], minus the one-hot at 2
    });

    it("with label smoothing ε = 0.1 targets ε/C everywhere plus 1 − ε at the label", () => {
      const t = [0.1 / 3, 0.1 / 3, 0.9 + 0.1 / 3];
      const { loss, grad } = crossEntropy(f32(2, 1, 3, 2, 1, 3), i32(2, 2), 2, 3, 0.1);
      expect(loss).toBeCloseTo(0.40760596444438013 + 3 - (t[0]! * 2 + t[1]! * 1 + t[2]! * 3), 6);
      expectClose(grad, [0, 1, 2, 0, 1, 2].map((c) => (P[c]! - t[c]!) / 2), F32);
    });

    it("with label smoothing returns +Infinity when any logit is -Infinity (the target gives it mass)", () => {
      expect(crossEntropy(f32(-Infinity, 1, 2), i32(2), 1, 3, 0.1).loss).toBe(Infinity);
    });
  });

  describe("softmaxCrossEntropySoftForwardBackward", () => {
    it("gives log(Σexp) − Σ t·z and gradient p − t for logits [2, 1, 3], targets [0.25, 0, 0.75]", () => {
      const { loss, grad } = softCrossEntropy(f32(2, 1, 3), f32(0.25, 0, 0.75), 1, 3);
      expect(loss).toBeCloseTo(0.40760596444438013 + 3 - 2.75, 6);
      expectClose(grad, [P[0]! - 0.25, P[1]!, P[2]! - 0.75], F32);
    });

    it("equals the hard-label kernel for one-hot targets, averaged over rows", () => {
      const soft = softCrossEntropy(f32(2, 1, 3, 1, 1, 1), f32(0, 0, 1, 1, 0, 0), 2, 3);
      const hard = crossEntropy(f32(2, 1, 3, 1, 1, 1), i32(2, 0), 2, 3);
      expect(soft.loss).toBeCloseTo(hard.loss, 6);
      expectClose(soft.grad, hard.grad, F32);
    });

    it("ignores a -Infinity logit whose target is 0, and returns +Infinity when its target is not", () => {
      const ok = softCrossEntropy(f32(-Infinity, 1, 2), f32(0, 0.5, 0.5), 1, 3);
      expect(ok.loss).toBeCloseTo(Math.log(Math.E + Math.E ** 2) - 1.5, 6);
      expect(softCrossEntropy(f32(-Infinity, 1, 2), f32(0.5, 0, 0.5), 1, 3).loss).toBe(Infinity);
    });

    it("returns loss 0 and writes nothing for zero rows", () => {
      const { loss, grad } = softCrossEntropy(f32(), f32(), 0, 4);
      expect(loss).toBe(0);
      expect(grad).toHaveLength(0);
    });
  });

  describe("regression losses", () => {
    // out (2,2) against targets: residuals [1, 0, -2, 0.5].
    const y = f32(1, 2, 3, 4), t = f32(0, 2, 5, 3.5);

    it("l2: mean over rows of ½Σr² and gradient r / B", () => {
      const { loss, grad } = regression("l2LossForwardBackward", y, t, 2, 2);
      expect(loss).toBe((0.5 * (1 + 0 + 4 + 0.25)) / 2);
      expectClose(grad, [0.5, 0, -1, 0.25], EXACT);
    });

    it("l1: mean over rows of Σ|r| and gradient sign(r) / B, 0 at r = 0", () => {
      const { loss, grad } = regression("l1LossForwardBackward", y, t, 2, 2);
      expect(loss).toBe(3.5 / 2);
      expectClose(grad, [0.5, 0, -0.5, 0.5], EXACT);
    });

    it("huber δ = 1: ½r² inside δ, δ(|r| − ½δ) outside, gradient clamp(r, −δ, δ) / B", () => {
      const { loss, grad } = regression("huberLossForwardBackward", y, t, 2, 2, 1);
      expect(loss).toBe((0.5 + 0 + 1.5 + 0.125) / 2);
      expectClose(grad, [0.5, 0, -0.5, 0.25], EXACT);
    });

    it("huber δ = 2 treats |r| = 2 as the quadratic side", () => {
      const { loss, grad } = regression("huberLossForwardBackward", y, t, 2, 2, 2);
      expect(loss).toBe((0.5 + 0 + 2 + 0.125) / 2);
      expectClose(grad, [0.5, 0, -1, 0.25], EXACT);
    });

    it.each(["l2LossForwardBackward", "l1LossForwardBackward", "huberLossForwardBackward"] as const)("%s returns 0 and writes nothing for zero rows", (kernel) => {
      const { loss, grad } = regression(kernel, f32(), f32(), 0, 3);
      expect(loss).toBe(0);
      expect(grad).toHaveLength(0);
    });
  });

  describe("argmaxRows and countCorrect", () => {
    const scores = f32(1, 3, 3, 2, /**/ 5, 5, 5, 5, /**/ -1, -2, -1, -3, /**/ 0, 0, 7, 7, /**/ -4, -3, -2, -1);

    it("picks the lowest index among tied maxima", () => {
      const r = runKernel(rt, { out: { data: new Int32Array(5), role: "out" }, x: { data: scores, role: "in" } },
        (k, p) => k.argmaxRows(p.out!, p.x!, 5, 4));
      expect(Array.from(r.out.out!)).toEqual([1, 0, 0, 2, 3]);
    });

    it("counts a row as correct only when its label is the lowest-index maximum", () => {
      const count = (labels: Int32Array) => runKernel(rt, { s: { data: scores, role: "in" }, y: { data: labels, role: "in" } },
        (k, p) => k.countCorrect(p.s!, p.y!, 5, 4)).ret;
      expect(count(i32(1, 0, 0, 2, 3))).toBe(5);
      expect(count(i32(2, 3, 2, 3, 3))).toBe(1);
      expect(count(i32(0, 1, 1, 0, 0))).toBe(0);
    });

    it("returns 0 correct for zero rows", () => {
      const r = runKernel(rt, { s: { data: f32(), role: "in" }, y: { data: i32(), role: "in" } }, (k, p) => k.countCorrect(p.s!, p.y!, 0, 10));
      expect(r.ret).toBe(0);
    });
  });

  describe("reluForward and reluBackward", () => {
    it("clamps negatives to 0 and keeps positives, across the SIMD body and the scalar tail", () => {
      const r = runKernel(rt, { out: { data: new Float32Array(7), role: "out" }, x: { data: f32(-2, -0, 0.5, 3, -1e-30, 1e-30, -7), role: "in" } },
        (k, p) => k.reluForward(p.out!, p.x!, 7));
      expectClose(r.out.out!, [0, 0, 0.5, 3, 0, Math.fround(1e-30), 0], EXACT);
    });

    it("propagates NaN, in the SIMD body and in the scalar tail", () => {
      const r = runKernel(rt, { out: { data: new Float32Array(5), role: "out" }, x: { data: f32(1, NaN, -1, 2, NaN), role: "in" } },
        (k, p) => k.reluForward(p.out!, p.x!, 5));
      expectClose(r.out.out!, [1, NaN, 0, 2, NaN], EXACT);
    });

    it("passes the gradient only where the ReLU output is positive", () => {
      const r = runKernel(rt, {
        dInp: { data: new Float32Array(7), role: "out" }, dOut: { data: f32(1, 2, 3, 4, 5, 6, 7), role: "in" },
        y: { data: f32(0, 1, 0, 2, 0.1, 0, 3), role: "in" },
      }, (k, p) => k.reluBackward(p.dInp!, p.dOut!, p.y!, 7));
      expectClose(r.out.dInp!, [0, 2, 0, 4, 5, 0, 7], EXACT);
    });
  });

  describe("sgdUpdate", () => {
    // 5 values: one SIMD block of 4 and a scalar tail of 1.
    function sgd(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, momentum: number, wd: number, vRole: "in" | "inout") {
      return runKernel(rt, { w: { data: w, role: "inout" }, g: { data: g, role: "in" }, v: { data: v, role: vRole } },
        (k, p) => k.sgdUpdate(p.w!, p.g!, p.v!, w.length, lr, momentum, wd)).out;
    }

    it("subtracts lr · grad from every parameter and leaves the velocity untouched without momentum", () => {
      const out = sgd(f32(1, 2, 3, 4, 5), f32(10, -10, 0.5, 0, 1), f32(9, 9, 9, 9, 9), 0.5, 0, 0, "in");
      expectClose(out.w!, [-4, 7, 2.75, 4, 4.5], EXACT);
    });

    it("rounds lr and each step to f32 (lr 0.1)", () => {
      const out = sgd(f32(1, 1, 1, 1, 1), f32(1, 2, 3, 4, 5), new Float32Array(5), 0.1, 0, 0, "in");
      const f = Math.fround, lr = f(0.1);
      expectClose(out.w!, [1, 2, 3, 4, 5].map((g) => f(1 - f(lr * g))), EXACT);
    });

    it("with momentum μ: v ← μv + g, p ← p − lr·v", () => {
      const out = sgd(f32(1, 2, 3, 4, 5), f32(1, 2, 3, 4, 5), f32(2, 2, 0, -2, 4), 0.5, 0.5, 0, "inout");
      expectClose(out.v!, [2, 3, 3, 3, 7], EXACT);
      expectClose(out.w!, [0, 0.5, 1.5, 2.5, 1.5], EXACT);
    });

    it("with weight decay adds wd·p to the gradient (and to the velocity)", () => {
      const plain = sgd(f32(2, 4, -2, 8, 6), f32(1, 1, 1, 1, 1), new Float32Array(5), 0.5, 0, 0.25, "in");
      expectClose(plain.w!, [1.25, 3, -2.25, 6.5, 4.75], EXACT);
      const withMomentum = sgd(f32(2, 4, -2, 8, 6), f32(1, 1, 1, 1, 1), f32(1, 1, 1, 1, 1), 0.5, 0.5, 0.25, "inout");
      expectClose(withMomentum.v!, [2, 2.5, 1, 3.5, 3], EXACT);
      expectClose(withMomentum.w!, [1, 2.75, -2.5, 6.25, 4.5], EXACT);
    });
  });

  describe("adamUpdate", () => {
    it("takes a first step of lr · g / (|g| + ε) from zero moments, with the bias corrections of step 1", () => {
      const g = f32(2, -0.5, 0, 1e-3, -4), w = f32(1, 1, 1, 1, 1);
      const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
      const r = runKernel(rt, {
        w: { data: w, role: "inout" }, g: { data: g, role: "in" }, m: { data: new Float32Array(5), role: "inout" }, v: { data: new Float32Array(5), role: "inout" },
      }, (k, p) => k.adamUpdate(p.w!, p.g!, p.m!, p.v!, 5, lr, b1, b2, eps, 0, 1 - b1, 1 - b2));
      expectClose(r.out.m!, Array.from(g, (x) => 0.1 * x), { atol: 0, rtol: 1e-6 });
      expectClose(r.out.v!, Array.from(g, (x) => 0.001 * x * x), { atol: 0, rtol: 1e-4 }); // 1 − f32(0.999) ≈ 0.99999·0.001
      expectClose(r.out.w!, Array.from(g, (x) => 1 - (lr * x) / (Math.abs(x) + eps)), { atol: 1e-7, rtol: 1e-6 });
    });

    it("adds weight decay to the gradient and keeps running moments", () => {
      // p = 2, g = 1, wd = 0.5 → g' = 2; m: 0.5 → 0.5·0.5 + 0.5·2 = 1.25; v: 1 → 0.5·1 + 0.5·4 = 2.5;
      // c1 = c2 = 0.5 → p − 1 · 2.5 / (√5 + 0).
      const r = runKernel(rt, {
        w: { data: f32(2), role: "inout" }, g: { data: f32(1), role: "in" }, m: { data: f32(0.5), role: "inout" }, v: { data: f32(1), role: "inout" },
      }, (k, p) => k.adamUpdate(p.w!, p.g!, p.m!, p.v!, 1, 1, 0.5, 0.5, 0, 0.5, 0.5, 0.5));
      expectClose(r.out.m!, [1.25], EXACT);
      expectClose(r.out.v!, [2.5], EXACT);
      expectClose(r.out.w!, [2 - 2.5 / Math.sqrt(5)], { atol: 0, rtol: 1e-6 });
    });
  });

  describe("data gathering", () => {
    const I = 20; // one 16-byte SIMD block and a 4-byte tail
    const src = Uint8Array.from({ length: 3 * I }, (_, j) => [0, 255, 128, 1, 254][j % 5]! + (j % 5 === 2 ? (j / 5) | 0 : 0));
    const idx = i32(2, 0, 2, 1);

    it("gathers u8 rows by index and scales them by U8_SCALE, bit-identical to Math.fround(v · U8_SCALE)", () => {
      const r = runKernel(rt, {
        out: { data: new Float32Array(4 * I), role: "out" }, src: { data: src, role: "in" }, idx: { data: idx, role: "in" },
      }, (k, p) => k.gatherScaleU8(p.out!, p.src!, p.idx!, 4, I, U8_SCALE));
      const expected = Array.from(idx).flatMap((row) => Array.from(src.subarray(row * I, row * I + I), (v) => Math.fround(v * U8_SCALE)));
      expectClose(r.out.out!, expected, EXACT);
      expect(r.out.out![I + 1]).toBe(1); // row 0, byte 255 → exactly 1
    });

    it("gathers f32 rows by a permuted index list", () => {
      const rows = f32(0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32);
      const r = runKernel(rt, {
        out: { data: new Float32Array(12), role: "out" }, src: { data: rows, role: "in" }, idx: { data: i32(3, 0, 2, 1), role: "in" },
      }, (k, p) => k.gatherF32(p.out!, p.src!, p.idx!, 4, 3));
      expectClose(r.out.out!, [30, 31, 32, 0, 1, 2, 20, 21, 22, 10, 11, 12], EXACT);
    });

    it("gathers labels by a permuted index list", () => {
      const r = runKernel(rt, {
        out: { data: new Int32Array(4), role: "out" }, y: { data: i32(7, 8, 9, 4), role: "in" }, idx: { data: i32(3, 0, 2, 1), role: "in" },
      }, (k, p) => k.gatherLabels(p.out!, p.y!, p.idx!, 4));
      expect(Array.from(r.out.out!)).toEqual([4, 7, 9, 8]);
    });
  });

  describe("linearForward, linearBackward and matmul", () => {
    // x (2,3), W (2,3), b (2): hand-multiplied.
    const x = f32(1, 2, 3, 4, 5, 6), W = f32(1, 0, -1, 0.5, 0.5, 0.5), bias = f32(10, -1);

    it("computes x · Wᵀ + b", () => {
      const r = runKernel(rt, {
        out: { data: new Float32Array(4), role: "out" }, x: { data: x, role: "in" }, w: { data: W, role: "in" }, b: { data: bias, role: "in" },
        chunks: { data: new Int32Array(0), role: "out" },
      }, (k, p) => k.linearForward(p.out!, p.x!, p.w!, p.b!, p.chunks!, 2, 3, 2));
      expectClose(r.out.out!, [10 - 2, -1 + 3, 10 - 2, -1 + 7.5], EXACT);
    });

    it("computes dW = dOutᵀ · x and db = column sums of dOut", () => {
      const r = runKernel(rt, {
        dW: { data: new Float32Array(6), role: "out" }, db: { data: new Float32Array(2), role: "out" },
        g: { data: f32(1, 2, 3, 4), role: "in" }, x: { data: x, role: "in" }, panels: { data: new Float32Array(4), role: "out" }, rows: { data: new Int32Array(0), role: "out" },
      }, (k, p) => k.linearBackward(p.dW!, p.db!, p.g!, p.x!, p.panels!, p.rows!, 2, 3, 2));
      expectClose(r.out.dW!, [1 + 12, 2 + 15, 3 + 18, 2 + 16, 4 + 20, 6 + 24], EXACT);
      expectClose(r.out.db!, [4, 6], EXACT);
    });

    it("packs dOut by output pairs, row by row, leaving a last odd output out", () => {
      const r = runKernel(rt, {
        panels: { data: new Float32Array(12), role: "out" }, g: { data: f32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), role: "in" },
      }, (k, p) => k.packOutputPairs(p.panels!, p.g!, 3, 5));
      // B = 3 rows of O = 5: pair 0 (outputs 0, 1) then pair 1 (outputs 2, 3); output 4 stays in dOut only.
      expectClose(r.out.panels!, [1, 2, 6, 7, 11, 12, 3, 4, 8, 9, 13, 14], EXACT);
    });

    it("computes a plain row-major matmul", () => {
      const r = runKernel(rt, { out: { data: new Float32Array(4), role: "out" }, a: { data: x, role: "in" }, b: { data: f32(1, 2, 3, 4, 5, 6), role: "in" } },
        (k, p) => k.matmul(p.out!, p.a!, p.b!, 2, 3, 2));
      expectClose(r.out.out!, [22, 28, 49, 64], EXACT);
    });

    it("overwrites outputs with the bias alone when there are no inputs (I = 0), and zeroes dW/db when B = 0", () => {
      const fwd = runKernel(rt, {
        out: { data: new Float32Array(6), role: "out" }, x: { data: f32(), role: "in" }, w: { data: f32(), role: "in" }, b: { data: f32(1, 2, 3), role: "in" },
        chunks: { data: new Int32Array(0), role: "out" },
      }, (k, p) => k.linearForward(p.out!, p.x!, p.w!, p.b!, p.chunks!, 2, 0, 3));
      expectClose(fwd.out.out!, [1, 2, 3, 1, 2, 3], EXACT);
      const bwd = runKernel(rt, {
        dW: { data: new Float32Array(6), role: "out" }, db: { data: new Float32Array(2), role: "out" },
        g: { data: f32(), role: "in" }, x: { data: f32(), role: "in" }, panels: { data: f32(), role: "out" }, rows: { data: new Int32Array(0), role: "out" },
      }, (k, p) => k.linearBackward(p.dW!, p.db!, p.g!, p.x!, p.panels!, p.rows!, 0, 3, 2));
      expectClose(bwd.out.dW!, [0, 0, 0, 0, 0, 0], EXACT);
      expectClose(bwd.out.db!, [0, 0], EXACT);
    });
  });
});

describe.each(BACKENDS)("public kernels on the %s backend", (backend) => {
  const rt = runtimes[backend];
  const runtime = { runtime: rt };

  it("multiplies matrices: [1, 2] · [3, 4]ᵀ = [11]", () => {
    expectClose(kernels.matmul(f32(1, 2), f32(3, 4), 1, 2, 1, undefined, runtime), [11], EXACT);
  });

  it("writes into and returns the given out array", () => {
    const out = new Float32Array(4);
    expect(kernels.matmul(f32(1, 2, 3, 4, 5, 6), f32(1, 2, 3, 4, 5, 6), 2, 3, 2, out, runtime)).toBe(out);
    expectClose(out, [22, 28, 49, 64], EXACT);
    const sm = new Float32Array(3);
    expect(kernels.softmax(f32(2, 1, 3), 1, 3, sm, runtime)).toBe(sm);
    expectClose(sm, P, F32);
  });

  it("computes softmax without modifying its input", () => {
    const x = f32(2, 1, 3, 100, 100, 100);
    expectClose(kernels.softmax(x, 2, 3, undefined, runtime), [...P, 1 / 3, 1 / 3, 1 / 3], F32);
    expectClose(x, [2, 1, 3, 100, 100, 100], EXACT);
  });

  it("returns the mean cross-entropy and its gradient", () => {
    const { loss, grad } = kernels.softmaxCrossEntropy(f32(2, 1, 3, 1, 1, 1), [2, 0], 2, 3, runtime);
    expect(loss).toBeCloseTo((0.40760596444438013 + Math.log(3)) / 2, 6);
    expectClose(grad, [P[0]! / 2, P[1]! / 2, (P[2]! - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6], F32);
  });

  it("returns loss 0 and an empty gradient for zero rows", () => {
    const { loss, grad } = kernels.softmaxCrossEntropy(f32(), new Int32Array(0), 0, 10, runtime);
    expect(loss).toBe(0);
    expect(grad).toHaveLength(0);
  });

  it("releases its scratch memory after every call", () => {
    const probe = () => { const ptr = rt.arena.alloc(1); rt.arena.free(ptr, 1); return ptr; };
    const before = { bytes: rt.bytesInUse, next: probe() };
    kernels.matmul(f32(1, 2), f32(3, 4), 1, 2, 1, undefined, runtime);
    kernels.softmax(f32(1, 2), 1, 2, undefined, runtime);
    kernels.softmaxCrossEntropy(f32(1, 2), [1], 1, 2, runtime);
    kernels.huberLoss(f32(1, 2), f32(0, 0), 1, 2, 1, runtime);
    expect({ bytes: rt.bytesInUse, next: probe() }).toEqual(before);
  });

  it("releases its scratch memory when a call is refused", () => {
    const before = rt.bytesInUse;
    expect(() => kernels.softmaxCrossEntropy(f32(1, 2), [5], 1, 2, runtime)).toThrow(OptionError);
    expect(rt.bytesInUse).toBe(before);
  });
});

describe("public kernels and runtimes", () => {
  it("run on the runtime given, leaving the others' memory untouched", async () => {
    using a = await createRuntime({ backend: "wasm-simd" });
    using b = await createRuntime({ backend: "js" });
    const before = b.memoryBytes;
    const big = new Float32Array(300_000).fill(1);
    expectClose(kernels.softmax(big, 1000, 300, undefined, { runtime: a }).subarray(0, 2), [1 / 300, 1 / 300], F32);
    expect(a.memoryBytes).toBeGreaterThan(big.byteLength);
    expect(b.memoryBytes).toBe(before);
  });

  it("refuse a closed runtime with a ClosedError", async () => {
    const rt = await createRuntime({ backend: "js" });
    rt.close();
    const error = thrown(() => kernels.matmul(f32(1), f32(1), 1, 1, 1, undefined, { runtime: rt }));
    expect(error).toBeInstanceOf(ClosedError);
    expect(error.message).toMatch(/^This js runtime was closed\. Create a new one with createRuntime\(\)/);
  });

  it("refuse a runtime that is not a Runtime with an OptionError", () => {
    const error = thrown(() => kernels.softmax(f32(1), 1, 1, undefined, { runtime: {} as never }));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe("Invalid runtime: expected a Runtime from createRuntime(), got Object.");
  });

  it("refuse an unknown option key with the nearest name", () => {
    const rt = runtimes.js;
    const error = thrown(() => kernels.softmax(f32(1), 1, 1, undefined, { runtim: rt } as never));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe('Unknown kernel call option "runtim". Did you mean "runtime"?');
    expect(thrown(() => kernels.softmaxCrossEntropy(f32(1, 2), [1], 1, 2, { labelSmooting: 0.1 } as never)).message)
      .toBe('Unknown kernel call option "labelSmooting". Did you mean "labelSmoothing"?');
  });
});

describe("public kernel validation, on the default runtime", () => {
  beforeAll(async () => {
    expect((await init()).backend).toBe("wasm-simd");
  });

  function optionError(fn: () => unknown, option: string, value: unknown): OptionError {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(OptionError);
    const e = error as OptionError;
    expect(e.option).toBe(option);
    expect(e.value).toBe(value);
    expect(e.message).toMatch(new RegExp(`^Invalid ${option.replace(/[[\]]/g, "\\$&")}: expected `));
    return e;
  }

  function shapeError(fn: () => unknown, what: string, expected: string, actual: string): void {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(ShapeError);
    const e = error as ShapeError;
    expect([e.what, e.expected, e.actual]).toEqual([what, expected, actual]);
  }

  const a = f32(1, 2, 3, 4, 5, 6);

  it.each([
    ["m", -1], ["m", 1.5], ["m", NaN], ["k", -2], ["k", Infinity], ["n", 0.5], ["n", "2"],
  ] as const)("matmul rejects dimension %s = %s with an OptionError", (name, value) => {
    const dims = { m: 2, k: 3, n: 2, [name]: value } as unknown as Record<"m" | "k" | "n", number>;
    const e = optionError(() => kernels.matmul(a, a, dims.m, dims.k, dims.n), name, value);
    expect(e.rule).toBe("an integer ≥ 0");
  });

  it("matmul rejects an a or b that is not a Float32Array", () => {
    const plain = [1, 2, 3, 4, 5, 6] as unknown as Float32Array;
    optionError(() => kernels.matmul(plain, a, 2, 3, 2), "a", plain);
    const f64 = new Float64Array(6) as unknown as Float32Array;
    optionError(() => kernels.matmul(a, f64, 2, 3, 2), "b", f64);
  });

  it("matmul rejects a, b or out of the wrong length with a ShapeError", () => {
    shapeError(() => kernels.matmul(f32(1, 2, 3), a, 2, 3, 2), "a", "6 values", "3");
    shapeError(() => kernels.matmul(a, f32(1), 2, 3, 2), "b", "6 values", "1");
    shapeError(() => kernels.matmul(a, a, 2, 3, 2, new Float32Array(5)), "out", "4 values", "5");
  });

  it("matmul rejects an out that is not a Float32Array", () => {
    const out = new Int32Array(4) as unknown as Float32Array;
    optionError(() => kernels.matmul(a, a, 2, 3, 2, out), "out", out);
  });

  it("softmax rejects bad dimensions, a non-Float32Array, and wrong lengths", () => {
    optionError(() => kernels.softmax(a, -1, 6), "rows", -1);
    optionError(() => kernels.softmax(a, 2, 3.5), "cols", 3.5);
    const plain = Array.from(a) as unknown as Float32Array;
    optionError(() => kernels.softmax(plain, 2, 3), "x", plain);
    shapeError(() => kernels.softmax(a, 2, 2), "x", "4 values", "6");
    shapeError(() => kernels.softmax(a, 2, 3, new Float32Array(3)), "out", "6 values", "3");
  });

  it("softmaxCrossEntropy rejects bad dimensions and logits", () => {
    optionError(() => kernels.softmaxCrossEntropy(a, [0, 0], -2, 3), "rows", -2);
    optionError(() => kernels.softmaxCrossEntropy(a, [0, 0], 2, 1.25), "cols", 1.25);
    const plain = Array.from(a) as unknown as Float32Array;
    optionError(() => kernels.softmaxCrossEntropy(plain, [0, 0], 2, 3), "logits", plain);
    shapeError(() => kernels.softmaxCrossEntropy(a, [0, 0, 0], 3, 3), "logits", "9 values", "6");
  });

  it("softmaxCrossEntropy rejects a labels array of the wrong length, or none", () => {
    shapeError(() => kernels.softmaxCrossEntropy(a, [0], 2, 3), "labels", "2 labels", "1");
    shapeError(() => kernels.softmaxCrossEntropy(a, new Int32Array(3), 2, 3), "labels", "2 labels", "3");
    shapeError(() => kernels.softmaxCrossEntropy(a, undefined as unknown as number[], 2, 3), "labels", "2 labels", "undefined");
  });

  it.each([[3], [-1], [0.5], [NaN]])("softmaxCrossEntropy rejects label %s outside the integers of [0, cols)", (label) => {
    const e = optionError(() => kernels.softmaxCrossEntropy(a, [0, label], 2, 3), "labels[1]", label);
    expect(e.rule).toBe("an integer in [0, 3)");
  });

  it("softmaxCrossEntropy accepts labels as a plain array, an Int32Array or a Uint8Array", () => {
    const expected = kernels.softmaxCrossEntropy(a, [2, 0], 2, 3);
    for (const labels of [new Int32Array([2, 0]), new Uint8Array([2, 0])]) {
      const got = kernels.softmaxCrossEntropy(a, labels, 2, 3);
      expect(got.loss).toBe(expected.loss);
      expectClose(got.grad, expected.grad, EXACT);
    }
  });
});
