// The opt-in relaxed-SIMD build: how createRuntime picks it, refuses it or falls back from it, and its results
// against the TS oracle. Node 20 has relaxed SIMD only behind a V8 flag, so where this process lacks it the
// build's own results come from a child Node with the flag (Node 22 and later have it by default).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OptionError, WasmError, createRuntime, kernels } from "../../src/index.js";
import { relaxedSimdSupported } from "../../src/runtime/load.js";
import { expectClose } from "../helpers/close.js";
import { rejection } from "../helpers/errors.js";
import { randomF32 } from "../../bench/shared/random.js";

const ROOT = resolve(import.meta.dirname, "../..");
const U = 2 ** -24;
/**
 * The documented tolerance of the relaxed build against the TS oracle: a product of length K within
 * 4 (K + 1) units of roundoff, absolute and relative, the same bound the default build is held to (a fused
 * multiply-add rounds once where the default build rounds twice).
 */
const dotTolerance = (K: number) => ({ atol: 4 * (K + 1) * U, rtol: 4 * (K + 1) * U });

describe("createRuntime({ build })", () => {
  it('runs the default build unless asked, and says so in toJSON', async () => {
    const rt = await createRuntime({ threads: 1 });
    expect([rt.build, rt.buildReason]).toEqual(["default", undefined]);
    expect(rt.toJSON()).toMatchObject({ backend: "wasm-simd", build: "default" });
    expect(rt.toJSON()).not.toHaveProperty("buildReason");
    rt.close();
  });

  it("refuses an unknown build name with an OptionError naming the known ones", async () => {
    const error = await rejection(createRuntime({ build: "fast" as "auto" }));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toContain('Invalid build: expected one of "default", "relaxed-simd", "auto", got "fast"');
  });

  it("refuses the relaxed-SIMD build with the js or scalar backend, saying which backend to use", async () => {
    for (const backend of ["js", "wasm"] as const) {
      const error = await rejection(createRuntime({ backend, build: "relaxed-simd" }));
      expect(error, backend).toBeInstanceOf(OptionError);
      expect((error as Error).message).toContain(`Invalid build: expected "default" or "auto" with backend "${backend}", got "relaxed-simd"`);
      expect((error as Error).message).toContain('backend: "wasm-simd"');
    }
  });

  it('falls back to the default build under "auto" with the js or scalar backend, and says why', async () => {
    const js = await createRuntime({ backend: "js", build: "auto" });
    expect([js.build, js.buildReason]).toEqual(["default", "the js backend runs plain TypeScript"]);
    const scalar = await createRuntime({ backend: "wasm", build: "auto" });
    expect([scalar.build, scalar.buildReason]).toEqual(["default", "the wasm backend is the scalar build"]);
    expect(scalar.toJSON()).toMatchObject({ build: "default", buildReason: "the wasm backend is the scalar build" });
  });

  it('falls back under "auto" when the wasm builds given hold no relaxed one, and refuses it when asked for', async () => {
    const simd = new Uint8Array(readFileSync(join(ROOT, "build/simd.wasm")));
    const given = await createRuntime({ wasm: { simd }, build: "auto", threads: 1 });
    expect(given.build).toBe("default");
    expect(given.buildReason).toBe(relaxedSimdSupported()
      ? "no relaxed-SIMD build was given (wasm: { relaxedSimd })"
      : "this runtime's WebAssembly has no relaxed SIMD");
    await expect(createRuntime({ wasm: { simd }, build: "relaxed-simd" })).rejects.toThrow(WasmError);
  });

  it(`${relaxedSimdSupported() ? "gives" : "refuses with a WasmError (reason and remedy)"} the relaxed-SIMD build in this Node, ${process.version}`, async () => {
    if (relaxedSimdSupported()) {
      const rt = await createRuntime({ build: "relaxed-simd", threads: 1 });
      expect([rt.backend, rt.build, rt.buildReason]).toEqual(["wasm-simd", "relaxed-simd", undefined]);
      return;
    }
    const error = await rejection(createRuntime({ build: "relaxed-simd" }));
    expect(error).toBeInstanceOf(WasmError);
    expect((error as Error).message).toContain("The relaxed-SIMD build cannot run here: this runtime's WebAssembly has no relaxed SIMD");
    expect((error as Error).message).toContain('Use build: "auto" to fall back to the default build');
    const auto = await createRuntime({ build: "auto", threads: 1 });
    expect([auto.build, auto.buildReason]).toEqual(["default", "this runtime's WebAssembly has no relaxed SIMD"]);
    // The fallback is the default build itself: the same bits as a runtime that never asked.
    const a = randomF32(64 * 96, 1), b = randomF32(96 * 40, 2);
    const plain = await createRuntime({ threads: 1 });
    expect(kernels.matmul(a, b, 64, 96, 40, undefined, { runtime: auto })).toEqual(kernels.matmul(a, b, 64, 96, 40, undefined, { runtime: plain }));
  });
});

describe("the relaxed-SIMD build", () => {
  const wasmOps = (file: string) => readFileSync(join(ROOT, "build", file), "utf8");

  it("fuses the multiply-adds of the three matrix products, and only the relaxed builds do", () => {
    for (const file of ["simd-relaxed.wat", "simd-relaxed-threads.wat"]) {
      expect(wasmOps(file).match(/f32x4\.relaxed_madd/g)?.length ?? 0, file).toBeGreaterThanOrEqual(16);
    }
    for (const file of ["simd.wat", "simd-threads.wat", "scalar.wat"]) expect(wasmOps(file), file).not.toMatch(/relaxed/);
  });

  // Run in a child Node with relaxed SIMD (the V8 flag on Node 20), through the built package.
  it.skipIf(!existsSync(join(ROOT, "dist/node.js")))(
    "matches the TS oracle within the documented tolerance, and gives the same bits run to run and on 1 or 2 threads", async () => {
      const dir = mkdtempSync(join(tmpdir(), "wsmx-relaxed-"));
      const [M, K, N] = [256, 784, 64];
      const a = randomF32(M * K, 11), b = randomF32(K * N, 12);
      writeFileSync(join(dir, "a.bin"), a);
      writeFileSync(join(dir, "b.bin"), b);
      const script = join(dir, "main.mjs");
      writeFileSync(script, `
        import { readFileSync } from "node:fs";
        import { Dataset, MLP, SGD, createRuntime, fit, kernels } from ${JSON.stringify(join(ROOT, "dist/node.js"))};
        const f32 = (name) => { const b = readFileSync(${JSON.stringify(dir)} + "/" + name); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
        const [a, b] = [f32("a.bin"), f32("b.bin")];
        const rows = 600, x = new Uint8Array(rows * 784), y = new Int32Array(rows);
        for (let r = 0; r < rows; r++) { y[r] = r % 10; for (let i = 0; i < 784; i++) x[r * 784 + i] = (i * 7 + r * 13) % 97 < 40 + 5 * y[r] ? 0 : (i + 31 * y[r]) % 256; }
        const data = Dataset.fromArrays(x, y, { features: 784, classes: 10 });
        const hex = (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
        async function run(build, threads) {
          const runtime = await createRuntime({ build, threads });
          const product = kernels.matmul(a, b, ${M}, ${K}, ${N}, undefined, { runtime });
          const model = new MLP({ layers: [784, 64, 10], seed: 1, weightStd: 0.1 });
          await fit(model, data, { epochs: 2, batchSize: 128, optimizer: new SGD({ lr: 0.1, momentum: 0.9 }), seed: 3, runtime });
          const proba = model.predictProba(data, { runtime });
          const result = { build: runtime.build, threads: runtime.threads, product: hex(product), params: hex(model.getParameters()), proba: hex(proba) };
          runtime.close();
          return result;
        }
        const auto = await createRuntime({ build: "auto", threads: 1 });
        console.log(JSON.stringify({ auto: [auto.build, auto.buildReason ?? null],
          runs: [await run("relaxed-simd", 1), await run("relaxed-simd", 1), await run("relaxed-simd", 2), await run("default", 1)] }));
      `);
      const flags = relaxedSimdSupported() ? [] : ["--experimental-wasm-relaxed-simd"];
      const child = spawnSync(process.execPath, [...flags, script], { encoding: "utf8", timeout: 60_000, maxBuffer: 1 << 26 });
      expect(child.stderr).toBe("");
      expect(child.status).toBe(0);
      const { auto, runs } = JSON.parse(child.stdout) as {
        auto: [string, string | null];
        runs: { build: string; threads: number; product: string; params: string; proba: string }[];
      };
      const f32 = (s: string) => { const bytes = Buffer.from(s, "base64"); return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4); };
      expect(auto).toEqual(["relaxed-simd", null]);
      const [first, again, twoThreads, exact] = runs as [typeof runs[0], typeof runs[0], typeof runs[0], typeof runs[0]];
      expect([first.build, first.threads, twoThreads.threads, exact.build]).toEqual(["relaxed-simd", 1, 2, "default"]);

      const js = await createRuntime({ backend: "js" });
      expectClose(f32(first.product), kernels.matmul(a, b, M, K, N, undefined, { runtime: js }), { ...dotTolerance(K), label: "matmul" });
      // Stable on one machine: every run, and every thread count, gives the same bits.
      for (const run of [again, twoThreads]) {
        expect([run.product, run.params, run.proba]).toEqual([first.product, first.params, first.proba]);
      }
      // After two epochs of training, the relaxed and the default build differ by rounding only.
      expectClose(f32(first.params), f32(exact.params), { atol: 1e-4, rtol: 1e-3, label: "parameters after training" });
      expectClose(f32(first.proba), f32(exact.proba), { atol: 1e-4, rtol: 0, label: "probabilities" });
    }, 90_000);
});
