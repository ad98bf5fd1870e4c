// The forward-only path: what it imports (nothing of training), the same bits however rows are batched and
// wherever the parameters live, and kernel memory given back at close.
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { Scope } from "../../src/runtime/memory.js";
import { MLP } from "../../src/model/models.js";
import { inferRows } from "../../src/model/inference.js";
import { randomF32 } from "../../bench/shared/random.js";

const SRC = resolve(import.meta.dirname, "../../src");

/** Every file `file` imports, directly or through others (type-only imports included). */
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gm)) {
    closure(resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")), seen);
  }
  return seen;
}

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime({ backend: "wasm-simd", threads: 1 });
});

describe("the inference path", () => {
  it("imports the kernels contract, runtime memory and the model layout, and nothing of training or threads", () => {
    const direct = new Set([...readFileSync(resolve(SRC, "model/inference.ts"), "utf8").matchAll(/from "(\.[^"]+)"/g)].map((m) => m[1]));
    // data/pixels.js for U8_SCALE, the one constant u8 pixels are scaled by; data/normalizer.js for the type of a
    // model's normalizer, applied as rows come in.
    expect([...direct].sort()).toEqual(["../data/normalizer.js", "../data/pixels.js", "../kernels/contract.js", "../runtime/memory.js", "./layout.js"]);
    const all = [...closure(resolve(SRC, "model/inference.ts"))].map((f) => relative(SRC, f));
    expect(all.filter((f) => /^(train|optim|io|cli)\/|runtime\/(pool|split|platform|runtime)\.ts/.test(f))).toEqual([]);
  });

  const model = new MLP({ layers: [12, 20, 5], seed: 2, weightStd: 0.5 });
  const x = randomF32(37 * 12, 5, -1, 1);

  // A parameter block of the model's values in kernel memory, freed by `close`, as a Trainer holds one.
  const block = () => {
    const scope = new Scope(runtime.arena);
    return { params: scope.f32(model.size, model.getParameters()), close: () => scope.close() };
  };

  it("gives the same bits batched 1, 7 or 64 rows at a time, as predictProba does", () => {
    const { params, close } = block();
    try {
      const whole = inferRows(runtime, model, params, x, 64, "proba");
      expect(inferRows(runtime, model, params, x, 7, "proba")).toEqual(whole);
      expect(inferRows(runtime, model, params, x, 1, "proba")).toEqual(whole);
      expect(model.predictProba(x, { runtime })).toEqual(whole);
    } finally {
      close();
    }
  });

  it("reads a parameter block in kernel memory in place, to the same classes as predict", () => {
    const { params, close } = block();
    try {
      expect(inferRows(runtime, model, params, x, 16, "class")).toEqual(model.predict(x, { runtime }));
    } finally {
      close();
    }
  });

  it("takes room for one batch while it runs and gives every byte back", () => {
    const { params, close } = block();
    const idle = runtime.bytesInUse;
    let peak = 0;
    const softmaxRows = runtime.kernels.softmaxRows;
    runtime.kernels.softmaxRows = (...args) => { peak = Math.max(peak, runtime.bytesInUse); return softmaxRows(...args); };
    try {
      const p = inferRows(runtime, model, params, x, 37, "proba");
      // 37 rows of every layer's activations, at least.
      expect(peak - idle).toBeGreaterThanOrEqual(37 * (12 + 20 + 5) * 4);
      expect(runtime.bytesInUse).toBe(idle);
      expect(p).toEqual(model.predictProba(x, { runtime }));
    } finally {
      runtime.kernels.softmaxRows = softmaxRows;
      close();
    }
  });
});
