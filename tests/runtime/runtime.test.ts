// Runtimes as values (createRuntime), and the default runtime init() sets up: which backend each picks, the
// wasm they accept or refuse, and what a closed runtime does.
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createRuntime, init, runtimeOf } from "../../src/runtime/runtime.js";
import { kernels } from "../../src/runtime/public-kernels.js";
import { Scope } from "../../src/runtime/memory.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { Trainer } from "../../src/train/trainer.js";
import { ClosedError, OptionError, WasmError } from "../../src/errors.js";
import { rejection, thrown } from "../helpers/errors.js";
import { blobs } from "../helpers/data.js";
import { readF32 } from "../helpers/memory.js";

const simdBytes = new Uint8Array(readFileSync(new URL("../../build/simd.wasm", import.meta.url)));
const scalarBytes = new Uint8Array(readFileSync(new URL("../../build/scalar.wasm", import.meta.url)));

describe("createRuntime()", () => {
  it('picks wasm-simd for "auto" and by default on Node 20', async () => {
    const { simdSupported } = await import("../../src/runtime/load.js");
    expect(simdSupported()).toBe(true);
    expect((await createRuntime()).backend).toBe("wasm-simd");
    expect((await createRuntime({ backend: "auto" })).backend).toBe("wasm-simd");
  });

  it.each(["js", "wasm", "wasm-simd"] as const)("gives a runtime of backend %s when asked, with nothing in use", async (backend) => {
    const rt = await createRuntime({ backend });
    expect(rt.backend).toBe(backend);
    expect(rt.kernels.backend).toBe(backend);
    expect(rt.bytesInUse).toBe(0);
    expect(rt.memoryBytes).toBeGreaterThan(0);
    expect(rt.closed).toBe(false);
    expect(JSON.parse(JSON.stringify(rt))).toEqual({
      backend, build: "default", threads: rt.threads, ...(rt.threadsReason !== undefined && { threadsReason: rt.threadsReason }),
      memoryBytes: rt.memoryBytes, closed: false,
    });
  });

  it("gives a new runtime with its own memory on every call", async () => {
    const a = await createRuntime({ backend: "wasm-simd" }), b = await createRuntime({ backend: "wasm-simd" });
    expect(a).not.toBe(b);
    expect(a.kernels.memory).not.toBe(b.kernels.memory);
  });

  it("runs two runtimes side by side, each on its own data and giving its own results", async () => {
    const a = await createRuntime({ backend: "wasm-simd" }), b = await createRuntime({ backend: "wasm" });
    const sa = new Scope(a.arena), sb = new Scope(b.arena);
    // The same offsets in both memories, different values.
    const pa = sa.f32(3, new Float32Array([2, 1, 3])), pb = sb.f32(3, new Float32Array([0, 0, 0]));
    expect(pa).toBe(pb);
    a.kernels.softmaxRows(pa, pa, 1, 3);
    b.kernels.softmaxRows(pb, pb, 1, 3);
    expect(Array.from(readF32(a.arena, pa, 3)).map((v) => +v.toFixed(6))).toEqual([0.244728, 0.090031, 0.665241]);
    expect(Array.from(readF32(b.arena, pb, 3)).map((v) => +v.toFixed(6))).toEqual([0.333333, 0.333333, 0.333333]);
    sa.close();
    sb.close();
  });

  it("predicts the same classes on every backend, each call on the runtime it is given", async () => {
    const data = blobs(40, 6, 3, 1);
    const model = new SoftmaxRegression({ inputs: 6, classes: 3, seed: 2, weightStd: 1 });
    const runtimes = await Promise.all((["wasm-simd", "wasm", "js"] as const).map((backend) => createRuntime({ backend })));
    const [first, ...rest] = runtimes.map((runtime) => model.predict(data, { runtime }));
    for (const r of rest) expect(Array.from(r!)).toEqual(Array.from(first!));
    // Each keeps the model's parameters (21 f32 values in a 64-byte-aligned block) for the next prediction.
    for (const rt of runtimes) expect(rt.bytesInUse).toBe(128);
  });

  it("counts what a Trainer holds in bytesInUse, and gives it back when the Trainer closes", async () => {
    const rt = await createRuntime({ backend: "js" });
    const trainer = new Trainer(new SoftmaxRegression({ inputs: 6, classes: 3 }), { runtime: rt, batchSize: 8 });
    const held = rt.bytesInUse;
    expect(held).toBeGreaterThan(0);
    trainer.evaluate(blobs(20, 6, 3, 1));
    expect(rt.bytesInUse).toBeGreaterThan(held);
    trainer.close();
    expect(rt.bytesInUse).toBe(0);
  });

  it("refuses use after close() with a ClosedError that says to create a new runtime", async () => {
    const rt = await createRuntime({ backend: "wasm" });
    const model = new SoftmaxRegression({ inputs: 2, classes: 2 });
    rt.close();
    expect(rt.closed).toBe(true);
    rt.close(); // twice is harmless
    const attempts: [string, () => unknown][] = [
      ["runtimeOf", () => runtimeOf(rt)],
      ["predict", () => model.predict(new Float32Array([0, 1]), { runtime: rt })],
      ["predictProba", () => model.predictProba(new Float32Array([0, 1]), { runtime: rt })],
      ["Trainer", () => new Trainer(model, { runtime: rt })],
      ["kernels.softmax", () => kernels.softmax(new Float32Array([1]), 1, 1, undefined, { runtime: rt })],
    ];
    for (const [name, attempt] of attempts) {
      const error = thrown(attempt);
      expect(error, name).toBeInstanceOf(ClosedError);
      expect((error as ClosedError).what, name).toBe("wasm runtime");
      expect(error.message, name).toBe("This wasm runtime was closed. Create a new one with createRuntime(), or use init()'s default.");
    }
    expect(JSON.parse(JSON.stringify(rt)).closed).toBe(true);
  });

  it("closes at the end of a `using` block", async () => {
    let held;
    {
      using rt = await createRuntime({ backend: "js" });
      held = rt;
      expect(rt.closed).toBe(false);
    }
    expect(held.closed).toBe(true);
  });

  it("refuses a Trainer's calls once its runtime is closed", async () => {
    const rt = await createRuntime({ backend: "js" });
    const trainer = new Trainer(new SoftmaxRegression({ inputs: 6, classes: 3 }), { runtime: rt });
    rt.close();
    expect(thrown(() => trainer.evaluate(blobs(10, 6, 3, 1)))).toBeInstanceOf(ClosedError);
    expect(thrown(() => trainer.predictOnBatch(new Float32Array(6)))).toBeInstanceOf(ClosedError);
    trainer.close();
  });

  it("refuses an unknown option key with the nearest name", async () => {
    const error = await rejection(createRuntime({ backnd: "js" } as never));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe('Unknown createRuntime option "backnd". Did you mean "backend"?');
    expect((await rejection(createRuntime({ thread: 2 } as never))).message)
      .toBe('Unknown createRuntime option "thread". Did you mean "threads"?');
  });

  it("refuses an unknown key in { simd, scalar } with the nearest name", async () => {
    const error = await rejection(createRuntime({ wasm: { simd: simdBytes, scaler: scalarBytes } as never }));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe('Unknown wasm option "scaler". Did you mean "scalar"?');
  });

  it("refuses options that are not an object, and an unknown backend, with an OptionError naming the rule", async () => {
    expect((await rejection(createRuntime("js" as never))).message).toBe('Invalid createRuntime options: expected an object, got "js".');
    const error = await rejection(createRuntime({ backend: "gpu" as "js" }));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe("backend");
    expect(error.message).toBe('Invalid backend: expected one of "auto", "wasm-simd", "wasm", "js", got "gpu".');
  });

  it('with { simd, scalar } builds picks the SIMD one for "auto", and the scalar one for backend "wasm"', async () => {
    const simd = await WebAssembly.compile(simdBytes), scalar = await WebAssembly.compile(scalarBytes);
    const auto = await createRuntime({ wasm: { simd, scalar } });
    expect(auto.backend).toBe("wasm-simd");
    expect(auto.module).toBe(simd);
    const forced = await createRuntime({ backend: "wasm", wasm: { simd, scalar } });
    expect(forced.backend).toBe("wasm");
    expect(forced.module).toBe(scalar);
  });

  it("with one build takes its backend from the build", async () => {
    expect((await createRuntime({ wasm: scalarBytes })).backend).toBe("wasm");
    expect((await createRuntime({ wasm: await WebAssembly.compile(simdBytes) })).backend).toBe("wasm-simd");
  });

  it("refuses a build other than the backend asked for with a WasmError naming both", async () => {
    const error = await rejection(createRuntime({ backend: "wasm-simd", wasm: scalarBytes }));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toBe('The wasm passed to createRuntime() is the "wasm" build, but backend "wasm-simd" was asked for. ' +
      "Pass simd.wasm from wasm-softmax, or leave out `backend`.");
  });

  it("names the source that could not be compiled", async () => {
    const error = await rejection(createRuntime({ wasm: new Uint8Array([1, 2, 3]) }));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toMatch(/^Could not compile the wasm passed to createRuntime\(\): expected a wasm-softmax \.wasm file, got bytes that do not compile/);
  });

  it("names a threads build it could not compile the same way, with its address", async () => {
    const url = new URL("data:application/wasm;base64,AQID");
    const error = await rejection(createRuntime({ threads: 2, wasm: { simd: simdBytes, scalar: scalarBytes, threads: url } }));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toMatch(/^Could not compile the wasm passed to createRuntime\(\) \(data:application\/wasm;base64,AQID\): /);
  });
});

// ---- init(): each test gets fresh module state (no default runtime) through vi.resetModules. ----

async function fresh() {
  vi.resetModules();
  const runtime = await import("../../src/runtime/runtime.js");
  const load = await import("../../src/runtime/load.js");
  const errors = await import("../../src/errors.js");
  return { ...runtime, ...load, ...errors };
}

describe("init()", () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it("picks wasm-simd by default on Node 20, and runs a kernel with it", async () => {
    const { init, runtimeOf } = await fresh();
    const returned = await init();
    expect(returned.backend).toBe("wasm-simd");
    expect(returned).toBe(runtimeOf());
    expect(returned.threads).toBeGreaterThanOrEqual(1);
    const rt = runtimeOf(), scope = new Scope(rt.arena);
    const p = scope.f32(3, new Float32Array([2, 1, 3]));
    rt.kernels.softmaxRows(p, p, 1, 3);
    expect(readF32(rt.arena, p, 3)[2]).toBeCloseTo(0.66524095, 6);
    scope.close();
  });

  it("is idempotent: a second init() without options keeps the same runtime", async () => {
    const { init, runtimeOf } = await fresh();
    await init();
    const first = runtimeOf();
    expect(await init()).toBe(first);
    expect(runtimeOf()).toBe(first);
  });

  it('keeps the default when asked for "auto" and it already is the auto choice', async () => {
    const { init, runtimeOf } = await fresh();
    await init();
    const first = runtimeOf();
    expect(await init({ backend: "auto" })).toBe(first);
    expect(runtimeOf()).toBe(first);
  });

  it("keeps the default when given the module it was made from again", async () => {
    const { init, runtimeOf } = await fresh();
    const simd = await WebAssembly.compile(simdBytes), scalar = await WebAssembly.compile(scalarBytes);
    await init({ wasm: simd });
    const first = runtimeOf();
    await init({ wasm: simd });
    expect(runtimeOf()).toBe(first);
    await init({ wasm: { simd, scalar } });
    expect(runtimeOf()).toBe(first);
  });

  it.each(["js", "wasm", "wasm-simd"] as const)("forces backend %s on request", async (backend) => {
    const { init, runtimeOf } = await fresh();
    expect((await init({ backend })).backend).toBe(backend);
    expect(runtimeOf().backend).toBe(backend);
    expect(runtimeOf().kernels.softmaxRows).toBeTypeOf("function");
  });

  it("switches the default when called again with another backend, leaving the old runtime usable by its holder", async () => {
    const { init, runtimeOf } = await fresh();
    await init({ backend: "js" });
    const old = runtimeOf();
    await init({ backend: "wasm" });
    expect(runtimeOf().backend).toBe("wasm");
    expect(old.closed).toBe(false);
    const scope = new Scope(runtimeOf(old).arena), p = scope.f32(2, new Float32Array([1, 1]));
    old.kernels.softmaxRows(p, p, 1, 2);
    expect(Array.from(readF32(old.arena, p, 2))).toEqual([0.5, 0.5]);
    scope.close();
  });

  it("accepts the scalar and SIMD builds as bytes and as a compiled WebAssembly.Module", async () => {
    const { init, runtimeOf } = await fresh();
    expect((await init({ wasm: new Uint8Array(scalarBytes) })).backend).toBe("wasm");
    expect((await init({ wasm: await WebAssembly.compile(simdBytes) })).backend).toBe("wasm-simd");
    expect(runtimeOf().backend).toBe("wasm-simd");
  });

  it("rejects an unknown backend with an OptionError", async () => {
    const { init, OptionError } = await fresh();
    const error = await rejection(init({ backend: "nope" as "js" }));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as InstanceType<typeof OptionError>).option).toBe("backend");
    expect(error.message).toBe('Invalid backend: expected one of "auto", "wasm-simd", "wasm", "js", got "nope".');
  });

  it("rejects an unknown option key with the nearest name", async () => {
    const { init, OptionError } = await fresh();
    const error = await rejection(init({ wsam: simdBytes } as never));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe('Unknown init option "wsam". Did you mean "wasm"?');
  });

  it("rejects bytes that are not wasm with a WasmError", async () => {
    const { init, WasmError } = await fresh();
    const error = await rejection(init({ wasm: new Uint8Array([1, 2, 3]) }));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toMatch(/Could not compile/);
  });

  it("rejects a valid module without the kernels' ABI with a WasmError naming the ABI", async () => {
    const { init, WasmError, ABI_VERSION } = await fresh();
    const error = await rejection(init({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toMatch(new RegExp(`expected ABI ${ABI_VERSION}, got none`));
  });

  it("rejects a module that exports another ABI_VERSION, naming both versions and the missing kernels", async () => {
    const { init, WasmError, ABI_VERSION } = await fresh();
    const name = Array.from("ABI_VERSION", (c) => c.charCodeAt(0));
    const bytes = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0,
      6, 7, 1, 0x7f, 0, 0x41, 0xe7, 0x07, 0x0b, // global i32 = 999
      7, 15, 1, 11, ...name, 3, 0, // export "ABI_VERSION" (global 0)
    ]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const error = await rejection(init({ wasm: bytes }));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toMatch(new RegExp(`expected ABI ${ABI_VERSION}, got 999 \\(missing linearForward, `));
  });

  it("rejects the scalar build when wasm-simd is forced, and the SIMD build when wasm is forced", async () => {
    const { init, WasmError } = await fresh();
    const a = await rejection(init({ wasm: new Uint8Array(scalarBytes), backend: "wasm-simd" }));
    expect(a).toBeInstanceOf(WasmError);
    expect(a.message).toMatch(/"wasm" build, but backend "wasm-simd"/);
    const b = await rejection(init({ wasm: new Uint8Array(simdBytes), backend: "wasm" }));
    expect(b).toBeInstanceOf(WasmError);
  });

  it("keeps the previous runtime when a later init fails", async () => {
    const { init, runtimeOf } = await fresh();
    await init({ backend: "wasm" });
    const before = runtimeOf();
    await rejection(init({ wasm: new Uint8Array([1, 2, 3]) }));
    expect(runtimeOf()).toBe(before);
  });

  it("rejects a wasm URL that does not exist with a WasmError", async () => {
    const { init, WasmError } = await fresh();
    const error = await rejection(init({ wasm: new URL("../../build/missing.wasm", import.meta.url) }));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toMatch(/Could not read/);
  });

  it("loads a new default after the default runtime was closed", async () => {
    const { init, runtimeOf, WasmError } = await fresh();
    await init();
    const first = runtimeOf();
    first.close();
    expect(thrown(() => runtimeOf())).toBeInstanceOf(WasmError);
    expect((await init()).backend).toBe("wasm-simd");
    expect(runtimeOf()).not.toBe(first);
    expect(runtimeOf().closed).toBe(false);
  });

  it("leaves the default alone when another runtime closes", async () => {
    const { init, runtimeOf, createRuntime } = await fresh();
    await init();
    const other = await createRuntime();
    other.close();
    expect(runtimeOf().closed).toBe(false);
  });

  it("refuses runtimeOf() before init with a WasmError that says to call init() or pass a runtime", async () => {
    const { runtimeOf, WasmError } = await fresh();
    const error = thrown(() => runtimeOf());
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toBe("wasm-softmax is not initialized. Call `await init()` once before training, predicting or calling " +
      "kernels, or pass `{ runtime }` from createRuntime().");
  });

  it("gives a runtime passed to runtimeOf() precedence over the default", async () => {
    const { init, runtimeOf, createRuntime } = await fresh();
    await init({ backend: "wasm" });
    const js = await createRuntime({ backend: "js" });
    expect(runtimeOf(js)).toBe(js);
    expect(runtimeOf().backend).toBe("wasm");
  });
});

describe("init() and createRuntime() together", () => {
  it("leave a runtime from createRuntime() untouched when init() switches the default", async () => {
    const mine = await createRuntime({ backend: "js" });
    await init({ backend: "wasm" });
    await init({ backend: "wasm-simd" });
    expect(runtimeOf().backend).toBe("wasm-simd");
    expect(mine.closed).toBe(false);
    expect(runtimeOf(mine)).toBe(mine);
  });
});
