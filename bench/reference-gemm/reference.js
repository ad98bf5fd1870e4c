// The reference GEMM (bench/reference-gemm/gemm.ts) at every GEMM shape of bench/kernels.js: compiled here by
// asc, checked against the pure-TS kernel on the same seeded inputs in every configuration it may pick (before
// anything is timed), tuned per shape (form, micro-kernel and K block: the fastest minimum over a few calls), then
// timed in alternation with the wasm-simd training kernel; each is reported as a fraction of it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRuntime, Scope } from "../../dist/internal.js";
import { SeededRandom } from "../shared/random.js";
import { assertClose } from "../check.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Micro-kernels: rows × 8 columns (8 = 4 × 8 with the k loop unrolled twice). */
const MICRO = {
  2: "dot products 4×2", 4: "4×8, B packed", 9: "4×8, A and B packed",
  16: "direct 2×16, rows outer", 17: "direct 2×16, columns outer", 18: "direct 4×8, rows outer", 19: "direct 4×8, columns outer",
};

/** Compiles gemm.ts (SIMD, -O3, stub runtime) and instantiates it. */
function compile() {
  const require = createRequire(import.meta.url);
  const asc = join(dirname(require.resolve("assemblyscript/package.json")), "bin", "asc.js");
  const dir = mkdtempSync(join(tmpdir(), "reference-gemm-"));
  try {
    const out = join(dir, "gemm.wasm");
    execFileSync(process.execPath, [asc, join(HERE, "gemm.ts"), "--outFile", out, "--enable", "simd", "-O3",
      "--runtime", "stub", "--use", "abort=", "--noAssert"], { stdio: ["ignore", "inherit", "inherit"] });
    return new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), {}).exports;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Compiles the reference, places every GEMM case's inputs in its memory, and checks every configuration it
 * may pick against the TS kernel's output (plus the bias for linearForward, which the reference leaves out).
 * Throws a CheckError on the first difference.
 * @param {{ cases: import("../kernels.js").Case[], place: Function, readOutputs: Function, seed: number, log: (line: string) => void }} o
 */
export async function checkReference({ cases, place, readOutputs, seed, log }) {
  const ex = /** @type {any} */ (compile());
  const js = await createRuntime({ backend: "js" });
  const scope = new Scope(js.arena);
  const gemmCases = cases.map((c, i) => ({ c, i })).filter(({ c }) => c.gemm);
  // One region per case in the reference's memory, 64-byte aligned, above its static data.
  let at = 1 << 20;
  const alloc = (floats) => { const p = at; at += (floats * 4 + 63) & ~63; return p; };
  const prepared = [];
  try {
    for (const { c, i } of gemmCases) {
      const inputs = c.inputs(new SeededRandom(seed, 1000 + i));
      const p = place(js, scope, c, inputs);
      c.call(js.kernels, p, 0);
      const expected = readOutputs(js, c, p, inputs)[c.gemm.out];
      const g = c.gemm;
      const ptr = { a: alloc(inputs[g.a].length), b: alloc(inputs[g.b].length), c: alloc(g.M * g.N),
        pack: alloc((Math.ceil(g.N / 8) * 8 + 8) * g.K), packA: alloc((Math.ceil(g.M / 4) * 4 + 4) * g.K), tmp: alloc(8) };
      prepared.push({ c, g, inputs, expected, ptr, tol: c.tol(inputs) });
    }
    const need = at + 65536;
    if (ex.memory.buffer.byteLength < need) ex.memory.grow(Math.ceil((need - ex.memory.buffer.byteLength) / 65536));
    const f32 = new Float32Array(ex.memory.buffer);
    for (const r of prepared) {
      f32.set(r.inputs[r.g.a], r.ptr.a >> 2);
      f32.set(r.inputs[r.g.b], r.ptr.b >> 2);
      r.configs = configs(r.g);
    }
    log(`Checking the reference GEMM (${prepared.length} shapes × ${prepared[0]?.configs.length ?? 0} configurations) against the TS kernels…`);
    for (const r of prepared) {
      for (const cfg of r.configs) {
        const out = new Float32Array(ex.memory.buffer, r.ptr.c, r.g.M * r.g.N);
        out.fill(NaN);
        run(ex, r, cfg);
        const got = Float32Array.from(out);
        if (r.g.bias) {
          const bias = r.inputs[r.g.bias];
          for (let m = 0; m < r.g.M; m++) for (let n = 0; n < r.g.N; n++) got[m * r.g.N + n] += bias[n];
        }
        assertClose(`reference GEMM ${r.c.kernel} ${r.c.shape} [${MICRO[cfg.mr]}, kc ${cfg.kc}]`, got, r.expected, r.tol);
      }
    }
    log("Reference GEMM check passed.");
    return { ex, prepared };
  } finally {
    scope.close();
    js.close();
  }
}

/**
 * Every configuration the tuner tries: the packed forms × K block; the dot form where both operands run along K;
 * the direct forms (K not blocked) where B is stored (K,N) and M, N are multiples of their tile.
 */
function configs({ M, K, N, transA, transB }) {
  const kcs = [...new Set([64, 128, 256, K].filter((kc) => kc <= K))];
  const direct = transB ? [] : [16, 17, 18, 19].filter((mr) => M % (mr < 18 ? 2 : 4) === 0 && N % (mr < 18 ? 16 : 8) === 0);
  return [...(!transA && transB ? [{ mr: 2, kc: K }] : []), ...[4, 9].flatMap((mr) => kcs.map((kc) => ({ mr, kc }))),
    ...direct.map((mr) => ({ mr, kc: K }))];
}

function run(ex, r, { mr, kc }) {
  const { g, ptr } = r;
  ex.gemm(ptr.c, ptr.a, ptr.b, g.M, g.K, g.N, g.transA, g.transB, mr, kc, ptr.pack, ptr.tmp, ptr.packA);
}

/**
 * Tunes the reference for case `c` (fastest minimum of a few calls per configuration, rounds interleaved), then
 * times the chosen configuration and the wasm-simd training kernel in alternation, call by call (which one goes
 * first alternates too), so that both see the same load on a shared machine; returns the row of the fraction
 * table, undefined when `c` is not a GEMM.
 * @param {{ ex: any, prepared: any[] }} ref from checkReference
 * @param {import("../kernels.js").Case} c
 * @param {{ quick: boolean, log: (line: string) => void, callKernel: () => void }} o callKernel: one call of the
 *   wasm-simd training kernel on its inputs
 */
export async function timeReference({ ex, prepared }, c, { quick, log, callKernel }) {
  const r = prepared.find((x) => x.c === c);
  if (!r) return undefined;
  const best = new Map(r.configs.map((cfg) => [cfg, Infinity]));
  for (let round = 0; round < (quick ? 2 : 5); round++) {
    for (const cfg of r.configs) {
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        run(ex, r, cfg);
        best.set(cfg, Math.min(best.get(cfg), performance.now() - t0));
      }
    }
  }
  const [cfg] = [...best.entries()].sort((x, y) => x[1] - y[1])[0];
  // Pairs of calls: at least 3 (quick) or 50, and for at least 0.1 s (quick) or 1 s.
  const callRef = () => run(ex, r, cfg);
  const times = { kernel: [], ref: [] };
  const timeOne = (f, into) => { const t0 = performance.now(); f(); into.push(performance.now() - t0); };
  for (let k = 0; k < 3; k++) { callKernel(); callRef(); }
  const start = performance.now();
  for (let pair = 0; pair < (quick ? 3 : 50) || performance.now() - start < (quick ? 100 : 1000); pair++) {
    if (pair & 1) { timeOne(callRef, times.ref); timeOne(callKernel, times.kernel); }
    else { timeOne(callKernel, times.kernel); timeOne(callRef, times.ref); }
  }
  const median = (a) => { const s = a.slice().sort((x, y) => x - y); return s.length & 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  const flops = 2 * r.g.M * r.g.K * r.g.N;
  const gflops = (ms) => flops / (ms * 1e6);
  const refMedian = median(times.ref), refMin = Math.min(...times.ref);
  const kernelMedian = median(times.kernel), kernelMin = Math.min(...times.kernel);
  const row = {
    kernel: c.kernel, shape: c.shape, gemm: `${r.g.M}×${r.g.K}×${r.g.N}${r.g.transA ? " Aᵀ" : ""}${r.g.transB ? " Bᵀ" : ""}`,
    config: `${MICRO[cfg.mr]}, kc ${cfg.kc}`, pairs: times.ref.length,
    refMedianUs: refMedian * 1000, refMinUs: refMin * 1000, refGflops: gflops(refMedian), refMinGflops: gflops(refMin),
    kernelMedianUs: kernelMedian * 1000, kernelMinUs: kernelMin * 1000, kernelGflops: gflops(kernelMedian), kernelMinGflops: gflops(kernelMin),
    fraction: refMedian / kernelMedian, fractionBest: refMin / kernelMin,
  };
  log(`  reference GEMM ${c.kernel} ${c.shape} [${row.config}], ${row.pairs} alternating pairs: median ${row.refMedianUs.toFixed(1)} µs, ` +
    `${row.refGflops.toFixed(1)} GFLOP/s; wasm-simd kernel ${row.kernelGflops.toFixed(1)} GFLOP/s = ${(100 * row.fraction).toFixed(0)} % ` +
    `(best calls ${(100 * row.fractionBest).toFixed(0)} %)`);
  return row;
}
