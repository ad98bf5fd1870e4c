// Kernel benchmarks at the shapes training really runs (batch 256, Fashion-MNIST 784 → 10 and the MLP
// 784 → 256 → 10), on all three backends side by side. Every case is first run on the same seeded inputs in
// every backend and compared with the pure-TS kernels; only then is anything timed (tinybench).
import { Bench } from "tinybench";
import { createRuntime, Scope } from "../dist/internal.js";
import { U8_SCALE } from "../dist/internal.js";
import { assertClose, dotTolerance } from "./check.js";
import { SeededRandom } from "./shared/random.js";
import { checkReference, timeReference } from "./reference-gemm/reference.js";

/** @typedef {import("../dist/internal.js").Backend} Backend */
/** @typedef {import("../dist/internal.js").Runtime} Runtime */
/** @typedef {import("../dist/internal.js").Kernels} Kernels */
/** @typedef {Float32Array | Int32Array | Uint8Array} Arr */
/** @typedef {import("./shared/random.js").SeededRandom} SeededRandom */
/**
 * One benchmark case. `inputs` makes the seeded input arrays; `outputs` names the buffers the kernel writes
 * (compared after the check call); `scratch` those it may use as it likes (lists of non-zero chunks or rows, which the
 * TS kernels, summing everything, never write: not compared); `call` runs the kernel on pointers by buffer name; `step` counts the calls
 * (0 for the check call), for cases that walk through their inputs.
 * @typedef {{
 *   kernel: string, shape: string,
 *   inputs: (rng: SeededRandom) => Record<string, Arr>,
 *   outputs: Record<string, number>,
 *   scratch?: Record<string, number>,
 *   call: (k: Kernels, p: Record<string, number>, step: number) => number | void,
 *   work: { flops?: number, bytes?: number },
 *   tol: (inp: Record<string, Arr>) => import("./check.js").Tolerance,
 *   returns?: boolean,
 *   gemm?: Gemm,
 * }} Case
 */
/**
 * A GEMM case as the reference GEMM computes it: out (M,N) = op(a) · op(b), a (M,K) or stored (K,M) when
 * transA, b (K,N) or stored (N,K) when transB; `bias` is added by the training kernel only. Names are buffers.
 * @typedef {{ M: number, K: number, N: number, a: string, b: string, out: string, transA: 0|1, transB: 0|1, bias?: string }} Gemm
 */

export const BACKENDS = /** @type {const} */ (["wasm-simd", "wasm", "js"]);
const B = 256, PIXELS = 784, HIDDEN = 256, CLASSES = 10, TRAIN_ROWS = 60000;

/** out = inp · Wᵀ + b, as the forward pass of a dense layer I → O. @returns {Case} */
function linearForward(I, O) {
  return {
    kernel: "linearForward", shape: `${B}×${I}→${O}`,
    inputs: (rng) => ({ inp: rng.f32(B * I, 0, 1), weight: rng.f32(O * I), bias: rng.f32(O) }),
    outputs: { out: B * O },
    scratch: { chunks: 2 * Math.ceil(B / 4) * (I >> 2) },
    call: (k, p) => k.linearForward(p.out, p.inp, p.weight, p.bias, p.chunks, B, I, O),
    work: { flops: 2 * B * I * O },
    tol: (x) => dotTolerance(I, x.inp, x.weight),
    gemm: { M: B, K: I, N: O, a: "inp", b: "weight", out: "out", transA: 0, transB: 1, bias: "bias" },
  };
}

/** dW = dOutᵀ · inp and dBias = Σ dOut, the weight gradient of a dense layer I → O. @returns {Case} */
function linearBackward(I, O) {
  return {
    kernel: "linearBackward", shape: `${B}×${I}→${O}`,
    inputs: (rng) => ({ dOut: rng.f32(B * O, -1 / B, 1 / B), inp: rng.f32(B * I, 0, 1) }),
    // panels: the kernel's scratch (dOut regrouped by output pairs), written and checked like an output.
    outputs: { dWeight: O * I, dBias: O, panels: B * O },
    scratch: { rows: 2 * B * (I >> 4) },
    call: (k, p) => k.linearBackward(p.dWeight, p.dBias, p.dOut, p.inp, p.panels, p.rows, B, I, O),
    work: { flops: 2 * B * I * O },
    tol: (x) => dotTolerance(B, x.dOut, x.inp),
    gemm: { M: O, K: B, N: I, a: "dOut", b: "inp", out: "dWeight", transA: 1, transB: 0 },
  };
}

/** out (M,N) = a (M,K) · b (K,N); `what` says which product of training it is. @returns {Case} */
function matmul(M, K, N, what) {
  return {
    kernel: "matmul", shape: `${M}×${K}·${K}×${N} (${what})`,
    inputs: (rng) => ({ a: rng.f32(M * K, -1 / B, 1 / B), b: rng.f32(K * N) }),
    outputs: { out: M * N },
    call: (k, p) => k.matmul(p.out, p.a, p.b, M, K, N),
    work: { flops: 2 * M * K * N },
    tol: (x) => dotTolerance(K, x.a, x.b),
    gemm: { M, K, N, a: "a", b: "b", out: "out", transA: 0, transB: 0 },
  };
}

/** @type {Case[]} */
export const CASES = [
  linearForward(PIXELS, CLASSES),
  linearBackward(PIXELS, CLASSES),
  linearForward(PIXELS, HIDDEN),
  linearBackward(PIXELS, HIDDEN),
  linearForward(HIDDEN, CLASSES),
  linearBackward(HIDDEN, CLASSES),
  // dX of the MLP's 256 → 10 layer: dHidden (B,256) = dLogits (B,10) · W (10,256).
  matmul(B, CLASSES, HIDDEN, "dX"),
  // dX of a 784 → 256 layer, dInp (B,784) = dHidden (B,256) · W (256,784): not run by the MLP, whose first layer
  // needs no input gradient, but the third product of a hidden layer, measured against the reference too.
  matmul(B, HIDDEN, PIXELS, "dX of 784→256"),
  {
    kernel: "softmaxCrossEntropyForwardBackward", shape: `${B}×${CLASSES}`,
    inputs: (rng) => ({ logits: rng.f32(B * CLASSES, -8, 8), labels: rng.i32(B, CLASSES) }),
    outputs: { dLogits: B * CLASSES },
    // Label smoothing ε = 0: plain one-hot targets, as d2l trains.
    call: (k, p) => k.softmaxCrossEntropyForwardBackward(p.dLogits, p.logits, p.labels, 0, B, CLASSES, 0),
    returns: true,
    // Read logits and labels, write dLogits.
    work: { bytes: B * CLASSES * 8 + B * 4 },
    // exp and log differ between V8's Math and the wasm's libm by an ulp or so.
    tol: () => ({ atol: 1e-8, rtol: 1e-5 }),
  },
  {
    // 256 random rows of a 60 000 × 784 u8 set: the batch gather of a shuffled epoch. Each call takes the next
    // 256 indices of a permutation, as training does, so rows are cold (47 MB is bigger than the caches).
    kernel: "gatherScaleU8", shape: `${B} of ${TRAIN_ROWS}×${PIXELS} u8`,
    inputs: (rng) => ({ src: rng.u8(TRAIN_ROWS * PIXELS), idx: rng.permutation(TRAIN_ROWS) }),
    outputs: { out: B * PIXELS },
    call: (k, p, step) => {
      const batch = step % Math.floor(TRAIN_ROWS / B);
      k.gatherScaleU8(p.out, p.src, p.idx + batch * B * 4, B, PIXELS, U8_SCALE);
    },
    // Read B·I bytes and the indices, write B·I f32.
    work: { bytes: B * PIXELS * 5 + B * 4 },
    // u8 · f32 constant is exact up to one rounding in every backend: bit-identical.
    tol: () => ({ atol: 0, rtol: 0 }),
  },
  {
    // The plain SGD step (no momentum, no weight decay) of the whole MLP (784·256 + 256 + 256·10 + 10 parameters).
    kernel: "sgdUpdate", shape: `${PIXELS * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES} params`,
    inputs: (rng) => {
      const n = PIXELS * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES;
      return { param: rng.f32(n, -0.1, 0.1), grad: rng.f32(n, -0.01, 0.01) };
    },
    outputs: { param: 0 },
    call: (k, p) => k.sgdUpdate(p.param, p.grad, 0, PIXELS * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES, 0.1, 0, 0),
    work: { bytes: (PIXELS * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES) * 12 },
    tol: () => ({ atol: 0, rtol: 0 }),
  },
];

/**
 * Copies one case's inputs into a backend's memory. Outputs (other than in-place inputs) start as NaN, so an
 * element a kernel forgets to write cannot match the TS kernel's value.
 * @param {Runtime} rt @param {import("../dist/internal.js").Scope} scope
 * @param {Case} c @param {Record<string, Arr>} inputs
 */
export function place(rt, scope, c, inputs) {
  /** @type {Record<string, number>} */
  const p = {};
  for (const [name, data] of Object.entries(inputs)) {
    p[name] = data instanceof Float32Array ? scope.f32(data.length, data)
      : data instanceof Int32Array ? scope.i32(data.length, data) : scope.u8(data);
  }
  for (const [name, length] of Object.entries({ ...c.outputs, ...c.scratch })) {
    if (name in p) continue;
    p[name] = scope.f32(length);
    new Float32Array(rt.kernels.memory.buffer, p[name], length).fill(NaN);
  }
  return p;
}

/** @param {Runtime} rt @param {Case} c @param {Record<string, number>} p @param {Record<string, Arr>} inputs */
export function readOutputs(rt, c, p, inputs) {
  /** @type {Record<string, Float32Array>} */
  const out = {};
  for (const [name, length] of Object.entries(c.outputs)) {
    const n = length || inputs[name].length;
    out[name] = new Float32Array(rt.kernels.memory.buffer, p[name], n).slice();
  }
  return out;
}

/**
 * Loads the three backends side by side, places every case's inputs in each, checks every wasm output against
 * the TS kernels' (throwing a CheckError on the first difference), and the reference GEMM too; then times each
 * case on each backend, and each GEMM case on the reference right after, in alternation with the wasm-simd kernel
 * (reference-gemm/).
 * @param {{ quick: boolean, seed?: number, log: (line: string) => void }} options
 * @returns {Promise<{ kernels: any[], reference: any[] }>}
 */
export async function benchKernels({ quick, seed = 42, log }) {
  /** @type {Record<string, Runtime>} */
  const rts = {};
  for (const backend of BACKENDS) {
    rts[backend] = await createRuntime({ backend });
    if (rts[backend].backend !== backend) throw new Error(`createRuntime({ backend: "${backend}" }) gave ${rts[backend].backend}`);
  }
  const scopes = Object.fromEntries(BACKENDS.map((b) => [b, new Scope(rts[b].arena)]));
  try {
    const prepared = CASES.map((c, i) => {
      const inputs = c.inputs(new SeededRandom(seed, 1000 + i));
      const ptrs = Object.fromEntries(BACKENDS.map((b) => [b, place(rts[b], scopes[b], c, inputs)]));
      return { c, inputs, ptrs };
    });

    log(`Checking ${CASES.length} kernels × ${BACKENDS.length - 1} wasm backends against the TS kernels…`);
    for (const { c, inputs, ptrs } of prepared) {
      const ret = {}, outs = {};
      for (const b of ["js", "wasm-simd", "wasm"]) {
        ret[b] = c.call(rts[b].kernels, ptrs[b], 0);
        outs[b] = readOutputs(rts[b], c, ptrs[b], inputs);
      }
      const tol = c.tol(inputs);
      for (const b of ["wasm-simd", "wasm"]) {
        for (const name of Object.keys(c.outputs)) {
          assertClose(`${c.kernel} ${c.shape} [${b}] ${name}`, outs[b][name], outs.js[name], tol);
        }
        if (c.returns) assertClose(`${c.kernel} ${c.shape} [${b}] return value`, [ret[b]], [ret.js], { atol: 1e-6, rtol: 1e-5 });
      }
    }
    log("Kernel check passed.");
    const ref = await checkReference({ cases: CASES, place, readOutputs, seed, log });

    const results = [], reference = [];
    for (const { c, ptrs } of prepared) {
      for (const backend of BACKENDS) {
        const k = rts[backend].kernels, p = ptrs[backend];
        // The TS GEMMs at 784 → 256 take ~0.1 s a call: a minimum count of runs, not a long time budget.
        const slow = backend === "js";
        const bench = new Bench({
          time: quick ? 100 : slow ? 500 : 1000,
          iterations: quick ? 3 : slow ? 10 : 50,
          warmupTime: quick ? 20 : 100,
          warmupIterations: quick ? 1 : 5,
        });
        let step = 0;
        bench.add(`${c.kernel} ${c.shape} ${backend}`, () => { c.call(k, p, step++); });
        await bench.run();
        const r = bench.tasks[0].result;
        if (r.state !== "completed") throw new Error(`${c.kernel} [${backend}]: tinybench ${r.state}: ${"error" in r ? r.error : ""}`);
        results.push({
          kernel: c.kernel, shape: c.shape, backend,
          medianUs: r.latency.p50 * 1000, minUs: r.latency.min * 1000, meanUs: r.latency.mean * 1000,
          samples: r.latency.samplesCount, speedupVsJs: 1,
          ...(c.work.flops ? { flops: c.work.flops, gflops: c.work.flops / (r.latency.p50 * 1e6) } : {}),
          ...(c.work.bytes ? { bytes: c.work.bytes, gbps: c.work.bytes / (r.latency.p50 * 1e6) } : {}),
        });
        log(`  ${c.kernel} ${c.shape} [${backend}]: median ${(r.latency.p50 * 1000).toFixed(1)} µs`);
      }
      const callKernel = () => { c.call(rts["wasm-simd"].kernels, ptrs["wasm-simd"], 0); };
      const row = await timeReference(ref, c, { quick, log, callKernel });
      if (row) reference.push(row);
    }
    for (const r of results) {
      const js = results.find((x) => x.kernel === r.kernel && x.shape === r.shape && x.backend === "js");
      r.speedupVsJs = js.medianUs / r.medianUs;
    }
    return { kernels: results, reference };
  } finally {
    for (const b of BACKENDS) scopes[b].close();
  }
}
