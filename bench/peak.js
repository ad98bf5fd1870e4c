// The ceiling every training kernel is measured against: the f32x4 multiply + add peak of this engine on one
// thread (bench/peak/peak.ts, compiled here by asc), and the relaxed multiply-add peak where the engine validates
// relaxed SIMD. Timed in this process (run.js: right after the kernels), so both see the same engine and load.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Flops per loop iteration of each peak function (see peak.ts). */
export const FLOPS_PER_ITERATION = { mulAddPeak: 48, relaxedMaddPeak: 96 };

const compiled = new Map();

/** peak.ts compiled with `features` ("simd" or "simd,relaxed-simd"), as bytes (once per process). @param {string} features */
export function compilePeak(features) {
  if (!compiled.has(features)) compiled.set(features, compileWith(features));
  return compiled.get(features);
}

/** @param {string} features */
function compileWith(features) {
  const require = createRequire(import.meta.url);
  const asc = join(dirname(require.resolve("assemblyscript/package.json")), "bin", "asc.js");
  const dir = mkdtempSync(join(tmpdir(), "peak-"));
  try {
    const out = join(dir, "peak.wasm");
    execFileSync(process.execPath, [asc, join(HERE, "peak", "peak.ts"), "--outFile", out, "--enable", features, "-O3",
      "--runtime", "stub", "--use", "abort=", "--noAssert"], { stdio: ["ignore", "inherit", "inherit"] });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * GFLOP/s of the fastest of `calls` calls of `fn(iterations, 1)`. First the function is warmed up (engines run
 * new wasm code in a baseline compiler and swap in optimised code while it runs), then `iterations` is doubled
 * until a call takes ≥ 20 ms (quick: 5 ms). The fastest call is the ceiling: a slower one only met a busier machine.
 * @param {(iterations: number, c: number) => number} fn @param {number} flopsPerIteration
 * @param {{ calls?: number, quick?: boolean }} [options]
 */
export function timePeak(fn, flopsPerIteration, { calls = 15, quick = false } = {}) {
  const time = (/** @type {number} */ iterations) => {
    const t0 = performance.now();
    const sum = fn(iterations, 1);
    const ms = performance.now() - t0;
    if (!Number.isFinite(sum)) throw new Error(`the peak loop returned ${sum}`);
    return ms;
  };
  const warmUntil = performance.now() + (quick ? 100 : 300);
  while (performance.now() < warmUntil) time(1 << 16);
  const minMs = quick ? 5 : 20;
  let iterations = 1 << 12;
  while (time(iterations) < minMs && iterations < 1 << 30) iterations *= 2;
  let best = Infinity;
  for (let k = 0; k < (quick ? 3 : calls); k++) best = Math.min(best, time(iterations));
  return { gflops: (iterations * flopsPerIteration) / (best * 1e6), iterations, bestMs: best };
}

/**
 * The ceilings of this engine: `mulAdd` always (fixed-width SIMD, what the default build runs), `relaxedMadd` where
 * `WebAssembly.validate` accepts the relaxed module, else the reason it is missing.
 * @param {{ quick?: boolean, log?: (line: string) => void }} [options]
 * @returns {{ mulAdd: { gflops: number, iterations: number, bestMs: number }, relaxedMadd: { gflops: number, iterations: number, bestMs: number } | { reason: string } }}
 */
export function measurePeak({ quick = false, log = () => {} } = {}) {
  const simd = /** @type {any} */ (new WebAssembly.Instance(new WebAssembly.Module(compilePeak("simd")), {}).exports);
  const mulAdd = timePeak(simd.mulAddPeak, FLOPS_PER_ITERATION.mulAddPeak, { quick });
  log(`  f32x4 mul + add peak: ${mulAdd.gflops.toFixed(1)} GFLOP/s (one thread)`);
  const relaxedBytes = compilePeak("simd,relaxed-simd");
  let relaxedMadd;
  if (WebAssembly.validate(relaxedBytes)) {
    const relaxed = /** @type {any} */ (new WebAssembly.Instance(new WebAssembly.Module(relaxedBytes), {}).exports);
    relaxedMadd = timePeak(relaxed.relaxedMaddPeak, FLOPS_PER_ITERATION.relaxedMaddPeak, { quick });
    log(`  f32x4 relaxed multiply-add peak: ${relaxedMadd.gflops.toFixed(1)} GFLOP/s (one thread)`);
  } else {
    relaxedMadd = { reason: `this engine (${engine()}) does not validate relaxed SIMD` };
    log(`  relaxed multiply-add: not measured: ${relaxedMadd.reason}`);
  }
  return { mulAdd, relaxedMadd };
}

function engine() {
  const g = /** @type {any} */ (globalThis);
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return `Node ${process.versions.node}`;
}
