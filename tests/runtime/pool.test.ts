// Kernel threads: the same bits for 1, 2, 3 and 4 threads, a runtime that says how many it runs and why not
// more, workers that end with the runtime and never keep a process alive, and the split that makes it so.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { Adam, Dataset, MLP, OptionError, SGD, SoftmaxRegression, ClosedError, createRuntime, fit, init } from "../../src/index.js";
import { runtimeOf } from "../../src/runtime/runtime.js";
import type { DenseNetwork, Optimizer } from "../../src/index.js";
import { blobs } from "../helpers/data.js";

const ROOT = resolve(import.meta.dirname, "../..");
const data = blobs(700, 784, 10, 4, true);
/** The same kind of images with a zero frame 6 pixels wide, as Fashion-MNIST's: whole chunks and rows for the kernels to skip. */
const framed = (() => {
  const d = blobs(700, 784, 10, 5, true);
  const inside = (i: number) => Math.abs(Math.floor((i % 784) / 28) - 13.5) < 8 && Math.abs((i % 28) - 13.5) < 8;
  return Dataset.fromArrays((d.x as Uint8Array).map((v, i) => (inside(i) ? v : 0)), d.y, { features: 784, classes: 10 });
})();

async function trained(threads: number, make: () => DenseNetwork, optimizer: () => Optimizer, on = data): Promise<Float32Array> {
  const runtime = await createRuntime({ backend: "wasm-simd", threads });
  try {
    expect(runtime.threads).toBe(threads);
    const model = make();
    await fit(model, on, { epochs: 2, batchSize: 128, optimizer: optimizer(), seed: 3, runtime });
    return model.getParameters();
  } finally {
    runtime.close();
  }
}

describe("kernel threads", () => {
  it.each([
    ["an MLP 784-128-10 with SGD and momentum", () => new MLP({ layers: [784, 128, 10], seed: 1, weightStd: 0.1 }), () => new SGD({ lr: 0.1, momentum: 0.9 })],
    ["softmax regression with Adam", () => new SoftmaxRegression({ inputs: 784, classes: 10, seed: 2 }), () => new Adam({ lr: 0.01 })],
    ["an MLP 784-64-32-10 on images with zero borders (zeros skipped)", () => new MLP({ layers: [784, 64, 32, 10], seed: 4, weightStd: 0.1 }),
      () => new SGD({ lr: 0.1 }), framed],
  ] as const)("train %s to the same bits on 1, 2, 3 and 4 threads", async (_, make, optimizer, on = data) => {
    const one = await trained(1, make, optimizer, on);
    expect(one.some((v, i) => v !== make().getParameters()[i])).toBe(true);
    for (const threads of [2, 3, 4]) {
      const many = await trained(threads, make, optimizer, on);
      expect(Buffer.from(many.buffer).equals(Buffer.from(one.buffer)), `${threads} threads`).toBe(true);
    }
  }, 60_000);

  it("report one thread, and why, where threads cannot run or were not asked for", async () => {
    const js = await createRuntime({ backend: "js", threads: 4 });
    expect([js.threads, js.threadsReason]).toEqual([1, "the js backend runs on one thread"]);
    const scalar = await createRuntime({ backend: "wasm", threads: 4 });
    expect([scalar.threads, scalar.threadsReason]).toEqual([1, "threads need the wasm-simd backend"]);
    const one = await createRuntime({ threads: 1 });
    expect([one.threads, one.threadsReason]).toEqual([1, undefined]);
    const bytes = new Uint8Array(await import("node:fs/promises").then((fs) => fs.readFile(join(ROOT, "build/simd.wasm"))));
    const given = await createRuntime({ wasm: bytes, threads: 2 });
    expect([given.threads, given.threadsReason]).toEqual([1, "no threads build was given (wasm: { simd, threads })"]);
    for (const rt of [js, scalar, one, given]) rt.close();
  });

  it.skipIf(availableParallelism() < 2)('use the cores available with "auto" (the default), at most 8, counting workers once they are up', async () => {
    const auto = await createRuntime();
    try {
      const cores = Math.min(8, availableParallelism());
      expect([auto.threads, auto.threadsReason]).toEqual([1, `its ${cores - 1} worker${cores === 2 ? " is" : "s are"} starting`]);
      expect(await auto.ready).toBe(auto);
      expect([auto.threads, auto.threadsReason]).toEqual([cores, undefined]);
      expect(auto.toJSON().threads).toBe(auto.threads);
    } finally {
      auto.close();
    }
  });

  it.skipIf(availableParallelism() < 2)('let init({ threads: 1 }) replace an "auto" default whose workers are still starting', async () => {
    await init({ threads: "auto" });
    const auto = runtimeOf();
    expect(auto.threads).toBe(1);
    await init({ threads: 1 });
    const one = runtimeOf();
    expect(one).not.toBe(auto);
    await auto.ready;
    expect([one.threads, one.threadsReason, auto.threads > 1]).toEqual([1, undefined, true]);
    auto.close();
    one.close();
  });

  it("refuse a thread count that is not \"auto\" or an integer in [1, 8]", async () => {
    for (const threads of [0, -1, 1.5, 9, "two", null]) {
      const error = await createRuntime({ threads: threads as number }).then(() => undefined, (e: unknown) => e);
      expect(error, String(threads)).toBeInstanceOf(OptionError);
      expect((error as Error).message).toContain('Invalid threads: expected "auto" or an integer in [1, 8]');
    }
  });

  it("end with the runtime: a closed threaded runtime refuses work with a ClosedError", async () => {
    const runtime = await createRuntime({ threads: 2 });
    runtime.close();
    const model = new SoftmaxRegression({ inputs: 784, classes: 10 });
    await expect(fit(model, data, { epochs: 1, runtime })).rejects.toThrow(ClosedError);
    expect(() => model.predict(data, { runtime })).toThrow(/runtime was closed/);
  });

  it.skipIf(!existsSync(join(ROOT, "dist/node.js")))("never keep a Node process alive, even when the runtime is not closed", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsmx-threads-"));
    const script = join(dir, "main.mjs");
    writeFileSync(script, `
      import { createRuntime, fit, SoftmaxRegression, Dataset } from ${JSON.stringify(join(ROOT, "dist/node.js"))};
      const runtime = await createRuntime({ threads: 3 });
      const data = Dataset.fromArrays(new Uint8Array(600 * 784).fill(7), new Int32Array(600), { features: 784, classes: 10 });
      await fit(new SoftmaxRegression({ inputs: 784, classes: 10 }), data, { epochs: 1, runtime });
      console.log("trained on", runtime.threads, "threads");
    `);
    const child = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 20_000 });
    expect(child.error).toBeUndefined();
    expect(child.stdout).toBe("trained on 3 threads\n");
    expect(child.status).toBe(0);
  }, 30_000);
});

// A node process started with `flags` and `-e code` (as an ES module) that imports the built package as `pkg`;
// its stdout, and its stderr when it fails.
function nodeWith(flags: string[], code: string): { stdout: string; stderr: string; status: number | null } {
  const program = `import * as pkg from ${JSON.stringify(join(ROOT, "dist/node.js"))};\n${code}`;
  const child = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", program], { encoding: "utf8", timeout: 20_000, cwd: ROOT });
  return { stdout: child.stdout, stderr: child.stderr, status: child.status };
}

const waitForWorkers = `
  const runtime = await pkg.createRuntime({ threads: "auto" });
  const first = [runtime.threads, runtime.threadsReason];
  await runtime.ready;
  console.log(JSON.stringify({ first, threads: runtime.threads, reason: runtime.threadsReason ?? null }));`;

describe.skipIf(!existsSync(join(ROOT, "dist/node.js")))("kernel threads in a process started with flags of its own", () => {
  const dir = mkdtempSync(join(tmpdir(), "wsmx-flags-"));
  // A loader of the kind test runners and tools register: it refuses to run anywhere but the main thread.
  const mainOnly = join(dir, "main-only.mjs");
  writeFileSync(mainOnly, `import { isMainThread } from "node:worker_threads";
    if (!isMainThread) throw new Error("this loader runs on the main thread only");`);

  it.each([
    ["node --input-type=module -e", []],
    ["--import of a loader that only runs on the main thread", ["--import", pathToFileURL(mainOnly).href]],
    ["--conditions and --no-warnings", ["--conditions", "development", "--no-warnings"]],
  ] as const)("start 2 threads under %s, and train the same bits as 1 thread", (_, flags) => {
    const child = nodeWith([...flags], `
      const data = pkg.Dataset.fromArrays(new Uint8Array(600 * 784).map((_, i) => (i * 7) % 251), new Int32Array(600).map((_, i) => i % 10), { features: 784, classes: 10 });
      const hashes = [];
      for (const threads of [1, 2]) {
        const runtime = await pkg.createRuntime({ threads });
        const model = new pkg.SoftmaxRegression({ inputs: 784, classes: 10, seed: 1 });
        await pkg.fit(model, data, { epochs: 1, seed: 2, runtime });
        hashes.push(runtime.threads + ":" + Buffer.from(model.getParameters().buffer).toString("base64").slice(0, 40));
        runtime.close();
      }
      console.log(hashes[0].slice(2) === hashes[1].slice(2) ? hashes.map((h) => h.split(":")[0]).join(",") : "different bits");`);
    expect(child.stderr).toBe("");
    expect(child.stdout).toBe("1,2\n");
  }, 30_000);

  it('start the workers of threads: "auto" under node --input-type=module -e, saying 1 thread until they are up', async () => {
    const cores = Math.min(8, availableParallelism());
    const child = nodeWith([], waitForWorkers);
    expect(child.stderr).toBe("");
    const report = JSON.parse(child.stdout);
    expect(report).toEqual({ first: [1, expect.stringMatching(/^its \d+ workers? (is|are) starting$/)], threads: cores, reason: null });
  }, 30_000);

  it("say which flag to add when Node's permission model forbids workers: an explicit count throws, \"auto\" stays on 1 thread", () => {
    const flags = ["--experimental-permission", "--allow-fs-read=*", "--no-warnings"];
    const explicit = nodeWith(flags, `
      await pkg.createRuntime({ threads: 2 }).then(() => console.log("started"), (e) => console.log(e.name + ": " + e.message));`);
    expect(explicit.stdout).toBe("WasmError: Could not start worker 1 of 1: Node's permission model does not allow worker threads " +
      "(the process runs with --permission or --experimental-permission). Start node with --allow-worker as well, or use threads: 1.\n");
    const auto = nodeWith(flags, waitForWorkers);
    const report = JSON.parse(auto.stdout);
    expect(report.first[0]).toBe(1);
    expect(report.threads).toBe(1);
    expect(report.reason).toMatch(/^the workers could not start \(Could not start worker 1 of 1: Node's permission model .* --allow-worker/);
    const allowed = nodeWith([...flags, "--allow-worker"], waitForWorkers);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ reason: null });
  }, 30_000);
});
