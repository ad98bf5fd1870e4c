// Per-example weights in every loss kernel: Σ w·loss / Σ w and its gradient, against a float64 oracle and central
// differences of it; the unweighted bits kept exactly; the same bits from both wasm builds.
import { describe, expect, it } from "vitest";
import type { Backend, Kernels } from "../../src/kernels/contract.js";
import { kernels } from "../../src/runtime/public-kernels.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { expectClose } from "../helpers/close.js";
import { thrown } from "../helpers/errors.js";
import { rowLoss64, weightedMean64 } from "../helpers/loss64.js";
import { randomF32, randomI32 } from "../../bench/shared/random.js";
import { loadRuntimes, runKernel, type Buf } from "./harness.js";

const runtimes = await loadRuntimes();
const BACKENDS = ["wasm-simd", "wasm", "js"] as const satisfies readonly Backend[];
const H = 1e-3;

/** One loss kernel: how to call it (weights pointer last), and its per-row loss in float64 on (outputs, targets). */
interface Case {
  name: string;
  call(k: Kernels, p: Record<string, number>, weights: number, B: number, C: number): number;
  row(y: ArrayLike<number>, t: ArrayLike<number>, r: number, C: number): number;
  /** Targets the oracle compares with: label-smoothed one-hot rows for hard labels, else the target rows. */
  targets(labels: Int32Array, soft: Float32Array, C: number): ArrayLike<number>;
  /** Points where the loss has a kink, where central differences mean nothing. */
  kink?(residual: number): boolean;
}

const smoothed = (eps: number) => (labels: Int32Array, _soft: Float32Array, C: number) => {
  const t = new Float64Array(labels.length * C).fill(eps / C);
  labels.forEach((y, r) => { t[r * C + y] = eps / C + 1 - eps; });
  return t;
};
const given = (_labels: Int32Array, soft: Float32Array) => soft;

const CASES: Case[] = [
  { name: "cross-entropy", call: (k, p, w, B, C) => k.softmaxCrossEntropyForwardBackward(p.d!, p.z!, p.y!, w, B, C, 0), row: rowLoss64.crossEntropy, targets: smoothed(0) },
  { name: "cross-entropy with label smoothing 0.1", call: (k, p, w, B, C) => k.softmaxCrossEntropyForwardBackward(p.d!, p.z!, p.y!, w, B, C, 0.1), row: rowLoss64.crossEntropy, targets: smoothed(0.1) },
  { name: "soft-label cross-entropy", call: (k, p, w, B, C) => k.softmaxCrossEntropySoftForwardBackward(p.d!, p.z!, p.t!, w, B, C), row: rowLoss64.crossEntropy, targets: given },
  { name: "l2", call: (k, p, w, B, C) => k.l2LossForwardBackward(p.d!, p.z!, p.t!, w, B, C), row: rowLoss64.l2, targets: given },
  { name: "l1", call: (k, p, w, B, C) => k.l1LossForwardBackward(p.d!, p.z!, p.t!, w, B, C), row: rowLoss64.l1, targets: given, kink: (r) => Math.abs(r) < 2 * H },
  { name: "huber δ=0.75", call: (k, p, w, B, C) => k.huberLossForwardBackward(p.d!, p.z!, p.t!, w, B, C, 0.75), row: rowLoss64.huber(0.75), targets: given },
];

/** Seeded logits, labels, soft target rows (each a distribution) and weights (row 1 weighs 0). */
function inputs(B: number, C: number, seed: number) {
  const z = randomF32(B * C, seed, -3, 3), labels = randomI32(B, C, seed + 1);
  const raw = randomF32(B * C, seed + 2, 0, 1), soft = new Float32Array(B * C);
  for (let r = 0; r < B; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += raw[r * C + c]!;
    for (let c = 0; c < C; c++) soft[r * C + c] = raw[r * C + c]! / s;
  }
  const weights = randomF32(B, seed + 3, 0, 3);
  if (B > 1) weights[1] = 0;
  return { z, labels, soft, weights };
}

/** Runs one case with or without weights; returns the loss and the gradient. */
function run(backend: Backend, c: Case, z: Float32Array, labels: Int32Array, soft: Float32Array, weights: Float32Array | undefined, B: number, C: number) {
  const bufs: Record<string, Buf> = {
    d: { data: new Float32Array(B * C), role: "out" }, z: { data: z, role: "in" },
    y: { data: labels, role: "in" }, t: { data: soft, role: "in" },
    ...(weights && { w: { data: weights, role: "in" as const } }),
  };
  const { ret, out } = runKernel(runtimes[backend], bufs, (k, p) => c.call(k, p, weights ? p.w! : 0, B, C), `${c.name} B=${B} C=${C}`);
  return { loss: ret as number, grad: out.d as Float32Array };
}

const SHAPES = [[5, 4], [17, 3], [1, 10]] as const;

describe.each(CASES)("the weighted $name kernel", (c) => {
  describe.each(BACKENDS)("on %s", (backend) => {
    it.each(SHAPES)("returns Σ w·loss / Σ w of the float64 oracle, with its gradient by central differences, for B=%i C=%i", (B, C) => {
      const { z, labels, soft, weights } = inputs(B, C, 10 * B + C);
      const t = c.targets(labels, soft, C);
      const oracle = (y: ArrayLike<number>) => weightedMean64((r) => c.row(y, t, r, C), weights, B);
      const { loss, grad } = run(backend, c, z, labels, soft, weights, B, C);
      expectClose([loss], [oracle(z)], { atol: 1e-6, rtol: 2e-6, label: `${backend} loss` });
      const base = Float64Array.from(z), numeric: number[] = [], kernel: number[] = [];
      for (let j = 0; j < z.length; j++) {
        if (c.kink?.(z[j]! - t[j]!)) continue;
        const plus = base.slice(), minus = base.slice();
        plus[j] = base[j]! + H;
        minus[j] = base[j]! - H;
        numeric.push((oracle(plus) - oracle(minus)) / (2 * H));
        kernel.push(grad[j]!);
      }
      expect(numeric.length).toBeGreaterThan(z.length / 2);
      expectClose(kernel, numeric, { atol: 1e-5, rtol: 1e-3, label: `${backend} gradient` });
    });

    it("keeps the unweighted bits when every weight is 1, and the same bits when all weights are scaled by 4", () => {
      const B = 9, C = 5, { z, labels, soft, weights } = inputs(B, C, 77);
      const plain = run(backend, c, z, labels, soft, undefined, B, C);
      const ones = run(backend, c, z, labels, soft, new Float32Array(B).fill(1), B, C);
      expect(ones.loss).toBe(plain.loss);
      expect(ones.grad).toEqual(plain.grad);
      const weighted = run(backend, c, z, labels, soft, weights, B, C);
      const scaled = run(backend, c, z, labels, soft, weights.map((w) => 4 * w), B, C);
      expect(scaled.loss).toBe(weighted.loss);
      expect(scaled.grad).toEqual(weighted.grad);
    });

    it("gives a row of weight 0 a zero gradient and no part of the loss; all weights 0 give loss 0 and gradient 0", () => {
      const B = 4, C = 3, { z, labels, soft, weights } = inputs(B, C, 5);
      const { loss, grad } = run(backend, c, z, labels, soft, weights, B, C);
      expect(Array.from(grad.subarray(C, 2 * C)).every((g) => g === 0)).toBe(true);
      const keep = [0, 2, 3], pick = <T extends Float32Array | Int32Array>(a: T, n: number) =>
        a.constructor === Int32Array ? Int32Array.from(keep, (r) => a[r]!) as T : Float32Array.from(keep.flatMap((r) => Array.from(a.subarray(r * n, (r + 1) * n)))) as T;
      const without = run(backend, c, pick(z, C), pick(labels, 1), pick(soft, C), pick(weights, 1), 3, C);
      expectClose([loss], [without.loss], { atol: 1e-6, rtol: 1e-6 });
      const none = run(backend, c, z, labels, soft, new Float32Array(B), B, C);
      expect(none.loss).toBe(0);
      expect(Array.from(none.grad).every((g) => g === 0)).toBe(true);
    });

    it("weighs an example 2 as if it came twice", () => {
      const B = 3, C = 4, { z, labels, soft } = inputs(B, C, 31);
      const weighted = run(backend, c, z, labels, soft, new Float32Array([2, 1, 1]), B, C);
      const twice = (a: Float32Array | Int32Array, n: number) => {
        const out = new (a.constructor as Float32ArrayConstructor)(a.length + n);
        out.set(a.subarray(0, n)); out.set(a, n);
        return out;
      };
      const repeated = run(backend, c, twice(z, C), twice(labels, 1) as unknown as Int32Array, twice(soft, C), undefined, B + 1, C);
      expectClose([weighted.loss], [repeated.loss], { atol: 1e-6, rtol: 1e-6 });
      // The repeated row's two gradients add up to the weighted row's.
      const merged = Float32Array.from(repeated.grad.subarray(C), (g, i) => (i < C ? g + repeated.grad[i]! : g));
      expectClose(weighted.grad, merged, { atol: 1e-7, rtol: 1e-5 });
    });
  });

  it("gives the same bits from the SIMD and the scalar wasm builds, and agrees with the TS kernels", () => {
    for (const [B, C] of [...SHAPES, [33, 10], [256, 10]] as const) {
      const { z, labels, soft, weights } = inputs(B, C, B * 7 + C);
      const simd = run("wasm-simd", c, z, labels, soft, weights, B, C), scalar = run("wasm", c, z, labels, soft, weights, B, C);
      expect(simd.loss).toBe(scalar.loss);
      expect(simd.grad).toEqual(scalar.grad);
      const js = run("js", c, z, labels, soft, weights, B, C);
      expectClose([js.loss], [simd.loss], { atol: 1e-6, rtol: 1e-5, label: `B=${B} C=${C} loss` });
      expectClose(js.grad, simd.grad, { atol: 1e-8, rtol: 1e-5, label: `B=${B} C=${C} gradient` });
    }
  });
});

describe("the public loss kernels' weights option", () => {
  const runtime = runtimes["wasm-simd"];
  const logits = new Float32Array([2, 1, 3, 1, 1, 1]), labels = [2, 0];

  it("weighs each loss as the kernels do, and leaves the result unchanged for weights of 1", () => {
    const weighted = kernels.softmaxCrossEntropy(logits, labels, 2, 3, { runtime, weights: [3, 1] });
    const rows = [0, 1].map((r) => kernels.softmaxCrossEntropy(logits.subarray(r * 3, r * 3 + 3), [labels[r]!], 1, 3, { runtime }).loss);
    expect(weighted.loss).toBeCloseTo((3 * rows[0]! + rows[1]!) / 4, 6);
    expect(kernels.softmaxCrossEntropy(logits, labels, 2, 3, { runtime, weights: [1, 1] }))
      .toEqual(kernels.softmaxCrossEntropy(logits, labels, 2, 3, { runtime }));
    const targets = new Float32Array([0, 0, 0, 1, 1, 1]);
    for (const loss of ["l2Loss", "l1Loss", "softmaxCrossEntropySoft"] as const) {
      const { loss: value, grad } = kernels[loss](logits, targets, 2, 3, { runtime, weights: new Float32Array([0, 5]) });
      expect(Array.from(grad.subarray(0, 3)).every((g) => g === 0)).toBe(true);
      expect(value).toBeCloseTo(kernels[loss](logits.subarray(3), targets.subarray(3), 1, 3, { runtime }).loss, 6);
    }
    expect(kernels.huberLoss(logits, targets, 2, 3, 1, { runtime, weights: [1, 0] }).loss)
      .toBeCloseTo(kernels.huberLoss(logits.subarray(0, 3), targets.subarray(0, 3), 1, 3, 1, { runtime }).loss, 6);
  });

  it("refuses weights of the wrong count with a ShapeError, and a negative, NaN or infinite weight with an OptionError naming it", () => {
    const count = thrown(() => kernels.softmaxCrossEntropy(logits, labels, 2, 3, { runtime, weights: [1] }));
    expect(count).toBeInstanceOf(ShapeError);
    expect(count.message).toBe("Invalid weights: expected 2 weights, one per example, got 1. Give one weight per example.");
    for (const bad of [-1, NaN, Infinity, 1e39]) {
      const error = thrown(() => kernels.l2Loss(logits, logits, 2, 3, { runtime, weights: [1, bad] }));
      expect(error).toBeInstanceOf(OptionError);
      expect(error.message).toBe(`Invalid weights[1]: expected a finite number ≥ 0, got ${bad}. ` +
        "Weigh an example 0 to leave it out; no weight is negative or infinite.");
    }
    expect(thrown(() => kernels.l1Loss(logits, logits, 2, 3, { runtime, wieghts: [1, 1] } as never)).message)
      .toBe('Unknown kernel call option "wieghts". Did you mean "weights"?');
  });
});
