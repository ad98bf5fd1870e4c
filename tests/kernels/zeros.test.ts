// Zero skipping in linearForward and linearBackward: on inputs with zeros they skip all-zero chunks (forward) and
// rows (weight gradient), and must give the dense blocks' bits. The dense bits come from the same call on the same
// values with every zero written as -0 instead: a -0 is a non-zero bit pattern, so no chunk or row is skipped,
// and a +0 or a -0 input adds the same nothing to sums that start at +0.
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Kernels } from "../../src/kernels/contract.js";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.js";
import { relaxedSimdSupported } from "../../src/runtime/load.js";
import { SeededRandom, randomF32 } from "../../bench/shared/random.js";
import { runKernel, type Buf, type Result } from "./harness.js";
import { Dataset, MLP, SGD, fit } from "../../src/index.js";

type Pattern = "all zero" | "no zero" | "clustered" | "random 50 %" | "random 90 %";
const PATTERNS: readonly Pattern[] = ["all zero", "no zero", "clustered", "random 50 %", "random 90 %"];

/** B rows of I inputs in (0, 1] with zeros as `pattern` says; clustered: each row non-zero on one random span only, with holes. */
function inputs(B: number, I: number, pattern: Pattern, seed: number): Float32Array {
  const rng = new SeededRandom(seed, 7), x = rng.f32(B * I, 0.01, 1);
  for (let b = 0; b < B; b++) {
    const from = Math.floor(rng.f32(1, 0, 1)[0]! * I), to = from + Math.floor(rng.f32(1, 0, 1)[0]! * (I - from));
    for (let i = 0; i < I; i++) {
      const u = rng.f32(1, 0, 1)[0]!;
      const zero = pattern === "all zero" || (pattern === "clustered" && (i < from || i >= to || u < 0.2))
        || (pattern === "random 50 %" && u < 0.5) || (pattern === "random 90 %" && u < 0.9);
      if (zero) x[b * I + i] = 0;
    }
  }
  return x;
}

/** The same values with every +0 written as -0. */
const negativeZeros = (x: Float32Array) => x.map((v) => (v === 0 ? -0 : v));

function expectSameBits(actual: Float32Array, expected: Float32Array, label: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length), e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const i = a.findIndex((v, j) => v !== e[j]);
  expect(i, `${label}: first different bits at ${i}: ${actual[i]} against ${expected[i]}`).toBe(-1);
  expect(a.length).toBe(e.length);
}

function forward(rt: Runtime, x: Float32Array, w: Float32Array, bias: Float32Array, B: number, I: number, O: number): Result {
  return runKernel(rt, {
    out: { data: new Float32Array(B * O), role: "out" }, x: { data: x, role: "in" }, w: { data: w, role: "in" },
    bias: { data: bias, role: "in" }, chunks: { data: new Int32Array(2 * Math.ceil(B / 4) * (I >> 2)), role: "out" },
  }, (k: Kernels, p) => k.linearForward(p.out!, p.x!, p.w!, p.bias!, p.chunks!, B, I, O));
}

function backward(rt: Runtime, g: Float32Array, x: Float32Array, B: number, I: number, O: number, cuts: readonly number[] = []): Result {
  const bufs: Record<string, Buf> = {
    dW: { data: new Float32Array(O * I), role: "out" }, db: { data: new Float32Array(O), role: "out" },
    g: { data: g, role: "in" }, x: { data: x, role: "in" }, panels: { data: new Float32Array(B * O), role: "out" },
    rows: { data: new Int32Array(2 * B * (I >> 4)), role: "out" },
  };
  // Column ranges as threads cut them, or one call.
  return runKernel(rt, bufs, (k: Kernels, p) => {
    if (cuts.length === 0) return k.linearBackward(p.dW!, p.db!, p.g!, p.x!, p.panels!, p.rows!, B, I, O);
    k.packOutputPairs(p.panels!, p.g!, B, O);
    const bounds = [0, ...cuts, I];
    for (let c = 1; c < bounds.length; c++) k.linearBackwardRange(p.dW!, p.db!, p.g!, p.x!, p.panels!, p.rows!, B, I, O, bounds[c - 1]!, bounds[c]!);
  });
}

function checkForward(rt: Runtime, x: Float32Array, B: number, I: number, O: number, label: string): void {
  const w = randomF32(O * I, B + 3 * I + 7 * O), bias = randomF32(O, O + 1);
  const sparse = forward(rt, x, w, bias, B, I, O), dense = forward(rt, negativeZeros(x), w, bias, B, I, O);
  expectSameBits(sparse.out.out as Float32Array, dense.out.out as Float32Array, `linearForward ${label}`);
}

function checkBackward(rt: Runtime, x: Float32Array, B: number, I: number, O: number, label: string, cuts: readonly number[] = []): void {
  const g = randomF32(B * O, B + 5 * I + 11 * O);
  const sparse = backward(rt, g, x, B, I, O, cuts), dense = backward(rt, g, negativeZeros(x), B, I, O);
  expectSameBits(sparse.out.dW as Float32Array, dense.out.dW as Float32Array, `linearBackward dW ${label}`);
  expectSameBits(sparse.out.db as Float32Array, dense.out.db as Float32Array, `linearBackward db ${label}`);
}

/** 256 Fashion-MNIST training images scaled to [0, 1] as training scales them, when the Debian package is installed. */
function fashionRows(): Float32Array | undefined {
  const file = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  if (!existsSync(file)) return undefined;
  const bytes = gunzipSync(readFileSync(file)).subarray(16 + 784 * 1000, 16 + 784 * 1256);
  return Float32Array.from(bytes, (v) => v * Math.fround(1 / 255));
}

const builds: [string, () => Promise<Runtime>, boolean][] = [
  ["wasm-simd", () => createRuntime({ backend: "wasm-simd" }), true],
  ["wasm (scalar)", () => createRuntime({ backend: "wasm" }), true],
  ["wasm-simd relaxed", () => createRuntime({ backend: "wasm-simd", build: "relaxed-simd" }), relaxedSimdSupported()],
];

describe.each(builds)("zero skipping in the %s build", (_, make, available) => {
  const DIMS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33];

  it.skipIf(!available)("gives linearForward the dense bits for every zero pattern over the test dims", async () => {
    const rt = await make();
    for (const pattern of PATTERNS) for (const B of DIMS) for (const I of [0, 1, 4, 5, 8, 17, 33]) for (const O of [1, 2, 3, 4, 5, 9, 32, 33, 34, 35]) {
      checkForward(rt, inputs(B, I, pattern, B * 1000 + I), B, I, O, `${pattern} B=${B} I=${I} O=${O}`);
    }
    rt.close();
  });

  it.skipIf(!available)("gives linearBackward the dense bits for every zero pattern over the test dims", async () => {
    const rt = await make();
    for (const pattern of PATTERNS) for (const B of DIMS) for (const I of [0, 1, 15, 16, 17, 31, 32, 33, 48]) for (const O of [1, 2, 3, 4, 5, 7, 9, 32, 33, 34, 35]) {
      checkBackward(rt, inputs(B, I, pattern, B * 1000 + I), B, I, O, `${pattern} B=${B} I=${I} O=${O}`);
    }
    rt.close();
  });

  it.skipIf(!available)("gives the dense bits on the real shapes 256×784→256, 256×784→10 and 256×256→10", async () => {
    const rt = await make();
    for (const pattern of PATTERNS) for (const [I, O] of [[784, 256], [784, 10], [256, 10]] as const) {
      const x = inputs(256, I, pattern, I + O);
      checkForward(rt, x, 256, I, O, `${pattern} 256×${I}→${O}`);
      checkBackward(rt, x, 256, I, O, `${pattern} 256×${I}→${O}`);
    }
    rt.close();
  }, 60_000);

  it.skipIf(!available)("gives the dense bits when threads split the rows and the weight gradient's columns", async () => {
    const rt = await make();
    for (const pattern of ["clustered", "random 90 %"] as const) {
      for (const [B, I, O, cuts] of [[256, 784, 256, [400]], [9, 48, 66, [16, 32]], [33, 784, 10, [208, 400, 592]], [33, 784, 37, [208, 400, 592]]] as const) {
        checkBackward(rt, inputs(B, I, pattern, B + I), B, I, O, `${pattern} B=${B} I=${I} O=${O} cut at ${cuts}`, cuts);
      }
    }
    rt.close();
  });

  it.skipIf(!available)("gives a row predicted alone the bits it gets inside a batch, zeros or not", async () => {
    const rt = await make();
    for (const pattern of ["no zero", "clustered", "random 50 %"] as const) for (const [I, O] of [[1, 1], [5, 3], [17, 9], [33, 16], [784, 10], [784, 256]] as const) {
      const B = 6, x = inputs(B, I, pattern, I * 31 + O), w = randomF32(O * I, I + O), bias = randomF32(O, O + 2);
      for (const values of [x, negativeZeros(x)]) {
        const batch = forward(rt, values, w, bias, B, I, O).out.out as Float32Array;
        for (let b = 0; b < B; b++) {
          const alone = forward(rt, values.slice(b * I, (b + 1) * I), w, bias, 1, I, O).out.out as Float32Array;
          expectSameBits(alone, batch.subarray(b * O, (b + 1) * O), `${pattern} row ${b} of ${B}×${I}→${O}`);
        }
      }
    }
    rt.close();
  });

  const real = fashionRows();
  it.skipIf(!available || !real)("gives the dense bits on 256 real Fashion-MNIST images (784→256 and 784→10)", async () => {
    const rt = await make();
    for (const O of [256, 10]) {
      checkForward(rt, real!, 256, 784, O, `Fashion-MNIST 256×784→${O}`);
      checkBackward(rt, real!, 256, 784, O, `Fashion-MNIST 256×784→${O}`);
    }
    rt.close();
  });
});

describe("a whole training run with zeros skipped", () => {
  it("trains an MLP to the same bits whether its zero inputs are skipped (+0) or summed (-0)", async () => {
    const rows = 300, x = inputs(rows, 784, "clustered", 21), y = Int32Array.from({ length: rows }, (_, i) => (i * 7) % 10);
    const train = async (features: Float32Array) => {
      const runtime = await createRuntime({ backend: "wasm-simd" });
      const model = new MLP({ layers: [784, 48, 10], seed: 5, weightStd: 0.1 });
      await fit(model, Dataset.fromArrays(features, y, { features: 784, classes: 10 }), { epochs: 2, batchSize: 64, optimizer: new SGD({ lr: 0.1 }), seed: 1, runtime });
      runtime.close();
      return model.getParameters();
    };
    const skipped = await train(x), summed = await train(negativeZeros(x));
    expect(skipped.some((v, i) => v !== new MLP({ layers: [784, 48, 10], seed: 5, weightStd: 0.1 }).getParameters()[i])).toBe(true);
    expectSameBits(skipped, summed, "parameters after 2 epochs");
  });
});
