// Every kernel of the two wasm builds against the plain-TS oracle (JsKernels) on seeded random data, over the
// awkward small dims (SIMD bodies, tails, odd blocks) and the real Fashion-MNIST shapes. Every call runs with
// guard bytes around each buffer, so a kernel that writes past its output or changes an input fails here.
import { describe, expect, it } from "vitest";
import type { Backend, Kernels } from "../../src/kernels/contract.js";
import { U8_SCALE } from "../../src/data/dataset.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { expectClose } from "../helpers/close.js";
import { randomF32, randomI32, randomPermutation, randomU8 } from "../../bench/shared/random.js";
import { loadRuntimes, runKernel, type Buf, type Result } from "./harness.js";

const runtimes = await loadRuntimes();
const js = runtimes.js;
const DIMS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33];
const U = 2 ** -24; // unit roundoff of f32
const EXACT = { atol: 0, rtol: 0 };

/** Dot products of length K summed in a different order: a couple of ulps per term, relative to the result. */
function dotTolerance(K: number, scale = 1): { atol: number; rtol: number } {
  return { atol: 4 * (K + 1) * U * scale, rtol: 4 * (K + 1) * U };
}

const seed = (...dims: number[]) => dims.reduce((s, d) => (Math.imul(s, 31) + d + 1) | 0, 0x2545f491);

/** Runs the same call on a wasm backend and on the TS oracle; returns both results. */
function both(rt: Runtime, bufs: Record<string, Buf>, call: (k: Kernels, p: Record<string, number>) => number | void, label: string): [Result, Result] {
  return [runKernel(rt, bufs, call, label), runKernel(js, bufs, call, label)];
}

describe("the guard harness", () => {
  it("fails a kernel that writes one element past its output", () => {
    const bufs: Record<string, Buf> = { out: { data: new Float32Array(3), role: "out" } };
    expect(() => runKernel(js, bufs, (k, p) => { new Float32Array(k.memory.buffer, p.out!, 4).fill(1); })).toThrow(/guard after "out"/);
  });

  it("fails a kernel that writes one element before its output", () => {
    const bufs: Record<string, Buf> = { out: { data: new Float32Array(3), role: "out" } };
    expect(() => runKernel(js, bufs, (k, p) => { new Float32Array(k.memory.buffer, p.out! - 4, 1).fill(1); })).toThrow(/guard before "out"/);
  });

  it("fails a kernel that modifies an input", () => {
    const bufs: Record<string, Buf> = { x: { data: new Float32Array(3), role: "in" } };
    expect(() => runKernel(js, bufs, (k, p) => { new Float32Array(k.memory.buffer, p.x!, 3)[2] = 1; })).toThrow(/modified its input "x"/);
  });

  it("leaves an unwritten output element different between the wasm and TS backends", () => {
    const bufs: Record<string, Buf> = { out: { data: new Float32Array(2), role: "out" } };
    const [a, b] = both(runtimes["wasm-simd"], bufs, () => undefined, "no-op");
    expect(() => expectClose(a.out.out!, b.out.out!, { atol: 1, rtol: 1 })).toThrow(/index 0/);
  });
});

describe.each(["wasm-simd", "wasm"] as const satisfies readonly Backend[])("the %s build against the TS kernels", (backend) => {
  const rt = runtimes[backend];

  function linearForward(B: number, I: number, O: number): void {
    const s = seed(1, B, I, O), label = `linearForward B=${B} I=${I} O=${O}`;
    const [a, b] = both(rt, {
      out: { data: new Float32Array(B * O), role: "out" }, x: { data: randomF32(B * I, s), role: "in" },
      w: { data: randomF32(O * I, s + 1), role: "in" }, bias: { data: randomF32(O, s + 2), role: "in" },
    }, (k, p) => k.linearForward(p.out!, p.x!, p.w!, p.bias!, B, I, O), label);
    expectClose(a.out.out!, b.out.out!, { ...dotTolerance(I + 1), label });
  }

  function linearBackward(B: number, I: number, O: number): void {
    const s = seed(2, B, I, O), label = `linearBackward B=${B} I=${I} O=${O}`;
    const [a, b] = both(rt, {
      dW: { data: new Float32Array(O * I), role: "out" }, db: { data: new Float32Array(O), role: "out" },
      g: { data: randomF32(B * O, s), role: "in" }, x: { data: randomF32(B * I, s + 1), role: "in" },
      panels: { data: new Float32Array(B * O), role: "out" },
    }, (k, p) => k.linearBackward(p.dW!, p.db!, p.g!, p.x!, p.panels!, B, I, O), label);
    expectClose(a.out.dW!, b.out.dW!, { ...dotTolerance(B), label: `${label} dW` });
    expectClose(a.out.db!, b.out.db!, { ...dotTolerance(B), label: `${label} db` });
  }

  function matmul(M: number, K: number, N: number): void {
    const s = seed(3, M, K, N), label = `matmul M=${M} K=${K} N=${N}`;
    const [a, b] = both(rt, {
      out: { data: new Float32Array(M * N), role: "out" }, a: { data: randomF32(M * K, s), role: "in" }, b: { data: randomF32(K * N, s + 1), role: "in" },
    }, (k, p) => k.matmul(p.out!, p.a!, p.b!, M, K, N), label);
    expectClose(a.out.out!, b.out.out!, { ...dotTolerance(K), label });
  }

  describe("linearForward", () => {
    it("matches for every (B, O) pair of the test dims with I in {0, 1, 4, 5, 17, 33}", () => {
      for (const B of DIMS) for (const O of DIMS) for (const I of [0, 1, 4, 5, 17, 33]) linearForward(B, I, O);
    });

    it("matches for every I of the test dims with (B, O) in {1, 3, 4, 5, 9} × {1, 2, 3}", () => {
      for (const I of DIMS) for (const B of [1, 3, 4, 5, 9]) for (const O of [1, 2, 3]) linearForward(B, I, O);
    });

    it("matches on the real shapes 256×784→10 and 256×784→256", () => {
      linearForward(256, 784, 10);
      linearForward(256, 784, 256);
    });
  });

  describe("linearBackward", () => {
    it("matches for every (B, O) pair of the test dims with I in {0, 1, 15, 16, 17, 33}", () => {
      for (const B of DIMS) for (const O of DIMS) for (const I of [0, 1, 15, 16, 17, 33]) linearBackward(B, I, O);
    });

    it("matches for every I of the test dims, and I = 31, 32, 48, with (B, O) in {0, 1, 3, 8} × {1, 2, 3}", () => {
      for (const I of [...DIMS, 31, 32, 48]) for (const B of [0, 1, 3, 8]) for (const O of [1, 2, 3]) linearBackward(B, I, O);
    });

    it("matches on the real shapes 256×784→10 and 256×784→256", () => {
      linearBackward(256, 784, 10);
      linearBackward(256, 784, 256);
    });
  });

  describe("linearBackwardRange (the threads' split of linearBackward)", () => {
    // Column ranges as threads cut them: the pieces give the whole call's bits, and only the piece that starts at
    // column 0 writes dBias (the harness leaves an unwritten output as its fill pattern, never a sum).
    it.each([[5, 33, 3, [16]], [8, 48, 2, [16, 32]], [256, 784, 10, [400]], [3, 17, 7, [1, 16, 16]], [9, 48, 66, [32]]] as const)(
      "B=%i I=%i O=%i cut at %j: the same bits as one call, on this build and the TS kernels",
      (B, I, O, cuts) => {
        const bounds = [0, ...cuts, I];
        const bufs = (s: number): Record<string, Buf> => ({
          dW: { data: new Float32Array(O * I), role: "out" }, db: { data: new Float32Array(O), role: "out" },
          g: { data: randomF32(B * O, s), role: "in" }, x: { data: randomF32(B * I, s + 1), role: "in" },
          panels: { data: new Float32Array(B * O), role: "out" },
        });
        for (const r of [rt, js]) {
          const whole = runKernel(r, bufs(seed(9, B, I, O)), (k, p) => k.linearBackward(p.dW!, p.db!, p.g!, p.x!, p.panels!, B, I, O));
          const pieces = runKernel(r, bufs(seed(9, B, I, O)), (k, p) => {
            k.packOutputPairs(p.panels!, p.g!, B, O);
            for (let c = 1; c < bounds.length; c++) k.linearBackwardRange(p.dW!, p.db!, p.g!, p.x!, p.panels!, B, I, O, bounds[c - 1]!, bounds[c]!);
          });
          expectClose(pieces.out.dW!, whole.out.dW!, { ...EXACT, label: `${r.backend} dW` });
          expectClose(pieces.out.db!, whole.out.db!, { ...EXACT, label: `${r.backend} db` });
          const tail = runKernel(r, bufs(seed(9, B, I, O)), (k, p) => {
            k.packOutputPairs(p.panels!, p.g!, B, O);
            k.linearBackwardRange(p.dW!, p.db!, p.g!, p.x!, p.panels!, B, I, O, bounds[1]!, I);
          });
          expect(tail.out.db!.some((v, o) => v === whole.out.db![o]), `${r.backend}: a range from ${bounds[1]} wrote dBias`).toBe(false);
        }
      });
  });

  describe("matmul", () => {
    it("matches for every (M, N) pair of the test dims with K in {0, 1, 5, 16, 33}", () => {
      for (const M of DIMS) for (const N of DIMS) for (const K of [0, 1, 5, 16, 33]) matmul(M, K, N);
    });

    it("matches for every K of the test dims with (M, N) in {1, 2, 3} × {1, 7, 8, 9, 17}", () => {
      for (const K of DIMS) for (const M of [1, 2, 3]) for (const N of [1, 7, 8, 9, 17]) matmul(M, K, N);
    });

    it("matches on the real shapes 256×10·10×256 and 256×256·256×10 (the input gradients)", () => {
      matmul(256, 10, 256);
      matmul(256, 256, 10);
      matmul(256, 10, 784);
    });
  });

  describe("softmaxRows", () => {
    const tolerance = (C: number) => ({ atol: 1e-9, rtol: 4 * (C + 4) * U });

    it("matches for every (R, C) pair of the test dims, logits in [-20, 20)", () => {
      for (const R of DIMS) for (const C of DIMS) {
        const label = `softmaxRows R=${R} C=${C}`;
        const [a, b] = both(rt, { out: { data: new Float32Array(R * C), role: "out" }, x: { data: randomF32(R * C, seed(4, R, C), -20, 20), role: "in" } },
          (k, p) => k.softmaxRows(p.out!, p.x!, R, C), label);
        expectClose(a.out.out!, b.out.out!, { ...tolerance(C), label });
      }
    });

    it("gives the same result when out aliases inp", () => {
      for (const [R, C] of [[1, 1], [3, 7], [5, 17], [256, 10]] as const) {
        const x = randomF32(R * C, seed(5, R, C), -20, 20), label = `softmaxRows in place R=${R} C=${C}`;
        const [separate] = both(rt, { out: { data: new Float32Array(R * C), role: "out" }, x: { data: x, role: "in" } },
          (k, p) => k.softmaxRows(p.out!, p.x!, R, C), label);
        const [inPlace, oracle] = both(rt, { x: { data: x, role: "inout" }, out: { alias: "x" } },
          (k, p) => k.softmaxRows(p.out!, p.x!, R, C), label);
        expectClose(inPlace.out.x!, separate.out.out!, { ...EXACT, label });
        expectClose(inPlace.out.x!, oracle.out.x!, { ...tolerance(C), label });
      }
    });
  });

  describe("softmaxCrossEntropyForwardBackward", () => {
    function crossEntropy(B: number, C: number, smoothing: number, inPlace: boolean): Result {
      const s = seed(6, B, C), label = `softmaxCrossEntropy B=${B} C=${C} ε=${smoothing}${inPlace ? " in place" : ""}`;
      const z = randomF32(B * C, s, -10, 10), y = randomI32(B, C, s + 1);
      const bufs: Record<string, Buf> = inPlace
        ? { z: { data: z, role: "inout" }, d: { alias: "z" }, y: { data: y, role: "in" } }
        : { d: { data: new Float32Array(B * C), role: "out" }, z: { data: z, role: "in" }, y: { data: y, role: "in" } };
      const [a, b] = both(rt, bufs, (k, p) => k.softmaxCrossEntropyForwardBackward(p.d!, p.z!, p.y!, 0, B, C, smoothing), label);
      expect(Number.isFinite(a.ret as number), label).toBe(true);
      expectClose([a.ret as number], [b.ret as number], { atol: 1e-6, rtol: 4 * (B + C + 4) * U, label: `${label} loss` });
      expectClose(a.out.d!, b.out.d!, { atol: 1e-9, rtol: 4 * (C + 4) * U, label: `${label} dLogits` });
      return a;
    }

    it("matches loss and dLogits for every (B, C) pair of the test dims with C ≥ 1, ε = 0 and ε = 0.1", () => {
      for (const B of DIMS) for (const C of DIMS) if (C > 0) for (const eps of [0, 0.1]) crossEntropy(B, C, eps, false);
    });

    it("gives the same bits when dLogits aliases logits", () => {
      for (const [B, C] of [[1, 1], [3, 7], [17, 10], [256, 10]] as const) {
        for (const eps of [0, 0.1]) {
          const separate = crossEntropy(B, C, eps, false), inPlace = crossEntropy(B, C, eps, true);
          expect(inPlace.ret, `B=${B} C=${C}`).toBe(separate.ret);
          expectClose(inPlace.out.d!, separate.out.d!, { ...EXACT, label: `B=${B} C=${C} ε=${eps}` });
        }
      }
    });
  });

  describe("softmaxCrossEntropySoftForwardBackward", () => {
    function softTargets(B: number, C: number, s: number): Float32Array {
      // Random distributions with about a third of the entries exactly 0.
      const t = randomF32(B * C, s, -0.5, 1).map((v) => Math.max(v, 0));
      for (let b = 0; b < B; b++) {
        const row = t.subarray(b * C, b * C + C), sum = row.reduce((x, y) => x + y, 0);
        if (sum === 0) row[0] = 1; else row.forEach((v, c) => { row[c] = v / sum; });
      }
      return t;
    }

    function soft(B: number, C: number, inPlace: boolean): Result {
      const s = seed(16, B, C), label = `softCrossEntropy B=${B} C=${C}${inPlace ? " in place" : ""}`;
      const z = randomF32(B * C, s, -10, 10), t = softTargets(B, C, s + 1);
      const bufs: Record<string, Buf> = inPlace
        ? { z: { data: z, role: "inout" }, d: { alias: "z" }, t: { data: t, role: "in" } }
        : { d: { data: new Float32Array(B * C), role: "out" }, z: { data: z, role: "in" }, t: { data: t, role: "in" } };
      const [a, b] = both(rt, bufs, (k, p) => k.softmaxCrossEntropySoftForwardBackward(p.d!, p.z!, p.t!, 0, B, C), label);
      expect(Number.isFinite(a.ret as number), label).toBe(true);
      expectClose([a.ret as number], [b.ret as number], { atol: 1e-6, rtol: 4 * (B + C + 4) * U, label: `${label} loss` });
      expectClose(a.out.d!, b.out.d!, { atol: 1e-9, rtol: 4 * (C + 4) * U, label: `${label} dLogits` });
      return a;
    }

    it("matches loss and dLogits for every (B, C) pair of the test dims with C ≥ 1", () => {
      for (const B of DIMS) for (const C of DIMS) if (C > 0) soft(B, C, false);
    });

    it("gives the same bits when dLogits aliases logits", () => {
      for (const [B, C] of [[1, 1], [3, 7], [256, 10]] as const) {
        const separate = soft(B, C, false), inPlace = soft(B, C, true);
        expect(inPlace.ret).toBe(separate.ret);
        expectClose(inPlace.out.d!, separate.out.d!, { ...EXACT, label: `B=${B} C=${C}` });
      }
    });
  });

  describe("regression losses", () => {
    const KERNELS = ["l2LossForwardBackward", "l1LossForwardBackward", "huberLossForwardBackward"] as const;
    function regression(kernel: (typeof KERNELS)[number], B: number, C: number, inPlace: boolean): Result {
      const s = seed(17, B, C), label = `${kernel} B=${B} C=${C}${inPlace ? " in place" : ""}`;
      const y = randomF32(B * C, s, -3, 3), t = randomF32(B * C, s + 1, -3, 3);
      if (y.length > 1) y[1] = t[1]!; // one zero residual: the l1 slope there is 0
      const call = (k: Kernels, p: Record<string, number>) =>
        kernel === "huberLossForwardBackward" ? k.huberLossForwardBackward(p.d!, p.y!, p.t!, 0, B, C, 1.25) : k[kernel](p.d!, p.y!, p.t!, 0, B, C);
      const bufs: Record<string, Buf> = inPlace
        ? { y: { data: y, role: "inout" }, d: { alias: "y" }, t: { data: t, role: "in" } }
        : { d: { data: new Float32Array(B * C), role: "out" }, y: { data: y, role: "in" }, t: { data: t, role: "in" } };
      const [a, b] = both(rt, bufs, call, label);
      expectClose([a.ret as number], [b.ret as number], { ...EXACT, label: `${label} loss` });
      expectClose(a.out.d!, b.out.d!, { ...EXACT, label: `${label} dOut` });
      return a;
    }

    it.each(KERNELS)("%s is bit-identical for every (B, C) pair of the test dims", (kernel) => {
      for (const B of DIMS) for (const C of DIMS) regression(kernel, B, C, false);
    });

    it.each(KERNELS)("%s gives the same bits when dOut aliases out", (kernel) => {
      for (const [B, C] of [[1, 1], [5, 3], [256, 10]] as const) {
        const separate = regression(kernel, B, C, false), inPlace = regression(kernel, B, C, true);
        expect(inPlace.ret).toBe(separate.ret);
        expectClose(inPlace.out.d!, separate.out.d!, { ...EXACT, label: `${kernel} B=${B} C=${C}` });
      }
    });
  });

  describe("element-wise kernels", () => {
    const LENGTHS = [...DIMS, 64, 1000, 1003];

    it("reluForward is bit-identical for every length, also in place", () => {
      for (const n of LENGTHS) {
        const x = randomF32(n, seed(7, n)), label = `reluForward n=${n}`;
        const [a, b] = both(rt, { out: { data: new Float32Array(n), role: "out" }, x: { data: x, role: "in" } }, (k, p) => k.reluForward(p.out!, p.x!, n), label);
        expectClose(a.out.out!, b.out.out!, { ...EXACT, label });
        const [c, d] = both(rt, { x: { data: x, role: "inout" }, out: { alias: "x" } }, (k, p) => k.reluForward(p.out!, p.x!, n), label + " in place");
        expectClose(c.out.x!, d.out.x!, { ...EXACT, label: label + " in place" });
        expectClose(c.out.x!, a.out.out!, { ...EXACT, label: label + " in place" });
      }
    });

    it("reluBackward is bit-identical for every length, also when dInp aliases dOut", () => {
      for (const n of LENGTHS) {
        const g = randomF32(n, seed(8, n)), y = randomF32(n, seed(9, n)).map((v) => Math.max(v, 0)), label = `reluBackward n=${n}`;
        const [a, b] = both(rt, { d: { data: new Float32Array(n), role: "out" }, g: { data: g, role: "in" }, y: { data: y, role: "in" } },
          (k, p) => k.reluBackward(p.d!, p.g!, p.y!, n), label);
        expectClose(a.out.d!, b.out.d!, { ...EXACT, label });
        const [c] = both(rt, { g: { data: g, role: "inout" }, d: { alias: "g" }, y: { data: y, role: "in" } },
          (k, p) => k.reluBackward(p.d!, p.g!, p.y!, n), label + " in place");
        expectClose(c.out.g!, a.out.d!, { ...EXACT, label: label + " in place" });
      }
    });

    it("sgdUpdate is bit-identical for every length, with and without momentum and weight decay", () => {
      for (const n of LENGTHS) for (const [lr, momentum, wd] of [[0.1, 0, 0], [0.0375, 0, 5e-4], [0.1, 0.9, 0], [0.05, 0.9, 1e-3]] as const) {
        const label = `sgdUpdate n=${n} lr=${lr} μ=${momentum} wd=${wd}`;
        const [a, b] = both(rt, {
          w: { data: randomF32(n, seed(10, n)), role: "inout" }, g: { data: randomF32(n, seed(11, n), -5, 5), role: "in" },
          // Without momentum the velocity is an input: the kernel must not touch it.
          v: { data: randomF32(n, seed(18, n)), role: momentum === 0 ? "in" : "inout" },
        }, (k, p) => k.sgdUpdate(p.w!, p.g!, p.v!, n, lr, momentum, wd), label);
        expectClose(a.out.w!, b.out.w!, { ...EXACT, label });
        expectClose(a.out.v!, b.out.v!, { ...EXACT, label });
      }
    });

    // Steps 1-3, and 164-166, where c1 = 1 − 0.9ᵗ becomes exactly 1 in f32 and the SIMD loop stops dividing by it.
    it("adamUpdate is bit-identical for every length over steps 1-3 and 164-166, with and without weight decay", () => {
      expect(Math.fround(1 - 0.9 ** 164)).toBeLessThan(1);
      expect(Math.fround(1 - 0.9 ** 165)).toBe(1);
      for (const n of LENGTHS) for (const wd of [0, 1e-2]) {
        const label = `adamUpdate n=${n} wd=${wd}`, b1 = 0.9, b2 = 0.999;
        let state: Record<"w" | "m" | "v", Float32Array> = { w: randomF32(n, seed(19, n)), m: new Float32Array(n), v: new Float32Array(n) };
        for (const t of [1, 2, 3, 164, 165, 166]) {
          const g = randomF32(n, seed(20, n, t), -2, 2);
          const [a, b] = both(rt, {
            w: { data: state.w, role: "inout" }, g: { data: g, role: "in" }, m: { data: state.m, role: "inout" }, v: { data: state.v, role: "inout" },
          }, (k, p) => k.adamUpdate(p.w!, p.g!, p.m!, p.v!, n, 1e-3, b1, b2, 1e-8, wd, 1 - b1 ** t, 1 - b2 ** t), `${label} t=${t}`);
          for (const key of ["w", "m", "v"] as const) expectClose(a.out[key]!, b.out[key]!, { ...EXACT, label: `${label} t=${t} ${key}` });
          state = { w: a.out.w as Float32Array, m: a.out.m as Float32Array, v: a.out.v as Float32Array };
        }
      }
    });
  });

  describe("gathering", () => {
    function gather(B: number, I: number, rows: number, idx: Int32Array): void {
      const label = `gather B=${B} I=${I} rows=${rows}`;
      const s = seed(12, B, I, rows);
      const [a, b] = both(rt, {
        out: { data: new Float32Array(B * I), role: "out" }, src: { data: randomU8(rows * I, s), role: "in" }, idx: { data: idx, role: "in" },
      }, (k, p) => k.gatherScaleU8(p.out!, p.src!, p.idx!, B, I, U8_SCALE), label + " u8");
      expectClose(a.out.out!, b.out.out!, { ...EXACT, label: label + " u8" });
      const [c, d] = both(rt, {
        out: { data: new Float32Array(B * I), role: "out" }, src: { data: randomF32(rows * I, s), role: "in" }, idx: { data: idx, role: "in" },
      }, (k, p) => k.gatherF32(p.out!, p.src!, p.idx!, B, I), label + " f32");
      expectClose(c.out.out!, d.out.out!, { ...EXACT, label: label + " f32" });
      const [e, f] = both(rt, {
        out: { data: new Int32Array(B), role: "out" }, y: { data: randomI32(rows, 10, s), role: "in" }, idx: { data: idx, role: "in" },
      }, (k, p) => k.gatherLabels(p.out!, p.y!, p.idx!, B), label + " labels");
      expectClose(e.out.out!, f.out.out!, { ...EXACT, label: label + " labels" });
    }

    it("gatherScaleU8, gatherF32 and gatherLabels are bit-identical for every (B, I) pair of the test dims", () => {
      for (const B of DIMS) for (const I of [...DIMS, 31, 32, 48]) gather(B, I, B + 3, randomI32(B, B + 3, seed(13, B, I)));
    });

    it("gather 256 rows of 784 in a permuted order from a set of 1000", () => {
      gather(256, 784, 1000, randomPermutation(1000, 14).slice(0, 256));
    });
  });

  describe("metrics", () => {
    it("argmaxRows and countCorrect are identical for every (R, C) pair with C ≥ 1, with many ties", () => {
      for (const R of DIMS) for (const C of DIMS) {
        if (C === 0) continue; // argmax of an empty row is undefined
        const s = seed(15, R, C), label = `argmax R=${R} C=${C}`;
        const scores = Float32Array.from(randomI32(R * C, 3, s)); // values in {0, 1, 2}: ties everywhere
        const [a, b] = both(rt, { out: { data: new Int32Array(R), role: "out" }, x: { data: scores, role: "in" } },
          (k, p) => k.argmaxRows(p.out!, p.x!, R, C), label);
        expectClose(a.out.out!, b.out.out!, { ...EXACT, label });
        // Half the labels are the argmax, the rest random: the count is neither 0 nor R.
        const argmax = b.out.out as Int32Array, random = randomI32(R, C, s + 1);
        const labels = Int32Array.from({ length: R }, (_, r) => (r % 2 === 0 ? argmax[r]! : random[r]!));
        const [c, d] = both(rt, { x: { data: scores, role: "in" }, y: { data: labels, role: "in" } },
          (k, p) => k.countCorrect(p.x!, p.y!, R, C), label);
        expect(c.ret, label).toBe(d.ret);
        expect(c.ret as number, label).toBeGreaterThanOrEqual(Math.ceil(R / 2));
      }
    });
  });
});
