// Kernel threads: the same bits for 1, 2, 3 and 4 threads, a runtime that says how many it runs and why not
// more, workers that end with the runtime and never keep a process alive, and the split that makes it so.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Adam, MLP, OptionError, SGD, SoftmaxRegression, ClosedError, createRuntime, fit } from "../../src/index.js";
import type { DenseNetwork, Optimizer } from "../../src/index.js";
import { split } from "../../src/runtime/threads.js";
import { blobs } from "../helpers/data.js";

const ROOT = resolve(import.meta.dirname, "../..");
const data = blobs(700, 784, 10, 4, true);

async function trained(threads: number, make: () => DenseNetwork, optimizer: () => Optimizer): Promise<Float32Array> {
  const runtime = await createRuntime({ backend: "wasm-simd", threads });
  try {
    expect(runtime.threads).toBe(threads);
    const model = make();
    await fit(model, data, { epochs: 2, batchSize: 128, optimizer: optimizer(), seed: 3, runtime });
    return model.getParameters();
  } finally {
    runtime.close();
  }
}

describe("kernel threads", () => {
  it.each([
    ["an MLP 784-128-10 with SGD and momentum", () => new MLP({ layers: [784, 128, 10], seed: 1, weightStd: 0.1 }), () => new SGD({ lr: 0.1, momentum: 0.9 })],
    ["softmax regression with Adam", () => new SoftmaxRegression({ inputs: 784, classes: 10, seed: 2 }), () => new Adam({ lr: 0.01 })],
  ] as const)("train %s to the same bits on 1, 2, 3 and 4 threads", async (_, make, optimizer) => {
    const one = await trained(1, make, optimizer);
    expect(one.some((v, i) => v !== make().getParameters()[i])).toBe(true);
    for (const threads of [2, 3, 4]) {
      const many = await trained(threads, make, optimizer);
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

  it('use the cores available with "auto" (the default), at most 8', async () => {
    const { availableParallelism } = await import("node:os");
    const auto = await createRuntime();
    try {
      expect(auto.threads).toBe(Math.min(8, availableParallelism()));
      expect(auto.toJSON().threads).toBe(auto.threads);
    } finally {
      auto.close();
    }
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

describe("split", () => {
  it("covers [0, n) with at most `parts` non-empty ranges whose boundaries are multiples of align", () => {
    for (const [n, parts, align] of [[256, 2, 4], [10, 4, 1], [7850, 3, 64], [3, 4, 4], [1, 2, 1], [1000, 8, 64]] as const) {
      const ranges = split(n, parts, align);
      expect(ranges.length).toBeLessThanOrEqual(parts);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(n);
      ranges.forEach(([s, e], i) => {
        expect(e).toBeGreaterThan(s);
        if (i > 0) expect(s).toBe(ranges[i - 1]![1]);
        if (e !== n) expect(e % align).toBe(0);
      });
    }
    expect(split(256, 2, 4)).toEqual([[0, 128], [128, 256]]);
    expect(split(10, 4, 1)).toEqual([[0, 3], [3, 6], [6, 9], [9, 10]]);
  });
});
