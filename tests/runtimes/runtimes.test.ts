// The same smoke test (tests/runtimes/smoke.js) in Node (the one running the tests, 22 and 24), Deno, Bun,
// headless Chromium and workerd: every backend trains in every runtime, and the wasm backends' trained parameters
// are the same bits everywhere.
import { afterAll, describe, expect, it } from "vitest";
import { RUNNERS, selectedRuntimes } from "./harness.js";
import type { RuntimeName, SmokeResult } from "./harness.js";

const BACKENDS = ["wasm-simd", "wasm", "js"] as const;
const WASM_BACKENDS = ["wasm-simd", "wasm"] as const;
const V8: readonly string[] = ["node", "node22", "node24", "deno", "chromium", "workerd"];
const CHANCE = 1 / 4;

const runtimes = selectedRuntimes();
const results = new Map<RuntimeName, SmokeResult[]>();

/** "chromium" or "chromium/bundle": a runtime, and the flavour where it ran more than one. */
function label(r: SmokeResult): string {
  return r.variant && r.variant !== "direct" ? `${r.runtime}/${r.variant}` : r.runtime;
}

function table(): string {
  const rows = [...results.values()].flat();
  const labels = [...new Set(rows.map(label))];
  const lines = [`${"runtime".padEnd(18)}${BACKENDS.map((b) => b.padEnd(20)).join("")}version`];
  for (const l of labels) {
    const cells = BACKENDS.map((b) => {
      const r = rows.find((x) => label(x) === l && x.backend === b);
      return (r?.error ? "ERROR" : r?.hashParams ?? "-").padEnd(20);
    });
    const version = rows.find((x) => label(x) === l)?.version ?? "";
    lines.push(`${l.padEnd(18)}${cells.join("")}${version.length <= 20 ? version : ""}`);
  }
  return lines.join("\n");
}

afterAll(() => {
  if (results.size > 0) console.log(`hashParams (softmax-mlp FNV-1a of the trained parameters):\n${table()}`);
});

describe.each(runtimes)("under %s", (name) => {
  it("trains and predicts with every backend, above chance", async () => {
    const got = await RUNNERS[name]();
    results.set(name, got);
    const variants = [...new Set(got.map((r) => r.variant ?? ""))];
    // Every runtime here has fixed-width SIMD, and init() must find the package's own simd.wasm unaided.
    for (const r of got) expect(r.defaultBackend, `init() under ${label(r)}`).toBe("wasm-simd");
    // The subpath entries work here too, sharing the root's classes and default runtime.
    for (const r of got.filter((x) => !x.threaded && x.backend !== "predict")) {
      expect(r.subpaths, `wasm-softmax/io, /image and /plot under ${label(r)}`)
        .toEqual({ safetensors: true, onnxBytes: expect.any(Number), weightRows: 2, pixels: [0, 85, 170, 255], svg: true });
    }
    for (const variant of variants) {
      for (const backend of BACKENDS) {
        const r = got.find((x) => (x.variant ?? "") === variant && x.backend === backend && !x.threaded);
        expect(r, `${name}${variant ? `/${variant}` : ""} has a result for ${backend}`).toBeDefined();
        expect(r!.error, `${name}${variant ? `/${variant}` : ""} ${backend}`).toBeUndefined();
        expect(r!.runtime).toBe(name);
        expect(r!.hashParams).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}$/);
        expect(r!.accuracy).toBeGreaterThan(CHANCE + 0.25);
        expect(Number.isFinite(r!.loss)).toBe(true);
      }
    }
  });
});

describe.each(runtimes)("under %s, on two kernel threads", (name) => {
  it(name === "workerd" ? "runs one thread and says why (workerd has no workers)" : "runs two threads", async () => {
    const got = results.get(name) ?? await RUNNERS[name]();
    results.set(name, got);
    const threaded = got.filter((r) => r.threaded);
    expect(threaded.length, `${name} has threaded results`).toBeGreaterThan(0);
    for (const r of threaded) {
      expect(r.error, `${label(r)} threaded`).toBeUndefined();
      if (name === "workerd") {
        expect(r.threads).toBe(1);
        expect(r.threadsReason).toMatch(/\S/);
      } else {
        expect([r.threads, r.threadsReason], label(r)).toEqual([2, undefined]);
      }
    }
  });
});

describe.each(runtimes)("under %s, the predict-only entry", (name) => {
  it("gives the full package's probabilities bit for bit for f32, f16 and int8 files", async () => {
    const got = results.get(name) ?? await RUNNERS[name]();
    results.set(name, got);
    for (const r of got.filter((x) => x.backend === "predict")) {
      expect(r.error, label(r)).toBeUndefined();
      expect(r.predictBackend, label(r)).toBe("wasm-simd");
      expect(r.hashProba, label(r)).toMatch(/^([0-9a-f]{8}-){5}[0-9a-f]{8}$/);
      expect(r.hashProba, label(r)).toBe(r.fullHashProba);
    }
    expect(got.some((x) => x.backend === "predict")).toBe(true);
  });
});

describe("across runtimes", () => {
  it("the predict-only entry's probabilities are bit-identical in every runtime", () => {
    const hashes = Object.fromEntries([...results.values()].flat().filter((r) => r.backend === "predict").map((r) => [label(r), r.hashProba]));
    expect(Object.keys(hashes).length).toBeGreaterThan(0);
    expect(new Set(Object.values(hashes)).size, JSON.stringify(hashes, null, 2)).toBe(1);
  });

  it.each(WASM_BACKENDS)("the %s backend's trained parameters are bit-identical in every runtime (and on 1 or 2 threads)", (backend) => {
    const missing = runtimes.filter((r) => !results.get(r)?.some((x) => x.backend === backend && x.hashParams));
    expect(missing, `runtimes without a ${backend} result`).toEqual([]);
    const hashes = Object.fromEntries(
      [...results.values()].flat().filter((r) => r.backend === backend && r.hashParams).map((r) => [`${label(r)}${r.threaded ? `/${r.threads} threads` : ""}`, r.hashParams]),
    );
    expect(new Set(Object.values(hashes)).size, JSON.stringify(hashes, null, 2)).toBe(1);
  });

  it("the js backend's trained parameters are bit-identical in the V8 runtimes (Bun's are only reported)", () => {
    const js = [...results.values()].flat().filter((r) => r.backend === "js" && r.hashParams);
    const v8 = Object.fromEntries(js.filter((r) => V8.includes(r.runtime)).map((r) => [label(r), r.hashParams]));
    const bun = js.find((r) => r.runtime === "bun")?.hashParams;
    const v8Hashes = new Set(Object.values(v8));
    console.log(`js backend: V8 runtimes ${JSON.stringify(v8)}; bun ${bun ?? "not run"}` +
      (bun && v8Hashes.size === 1 ? (v8Hashes.has(bun) ? " (same bits as V8)" : " (differs from V8: JavaScriptCore's Math.exp/log)") : ""));
    expect(v8Hashes.size, JSON.stringify(v8, null, 2)).toBeLessThanOrEqual(1);
  });
});
