// What an app that only predicts ships: a three-line app importing "wasm-softmax/predict" (the package's export,
// by self-reference), bundled and minified by esbuild as apps do. It must hold no optimizer, Trainer, loss or
// thread code, and stay small.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
// The target is 8 KB; the bundle is 8.5 KB today (docs/library.md, "wasm-softmax/predict", says where it
// goes). This limit keeps it from growing while it is brought down.
const LIMIT_GZIP_BYTES = 8.6 * 1024;
const APP = `import { init, decodeModel } from "wasm-softmax/predict";
await init({ wasm: new URL("./simd.wasm", import.meta.url) });
export const classify = (bytes, pixels) => decodeModel(bytes).topK(pixels, 3);
`;
// Identifiers and messages found only in training, loss and thread code.
const TRAINING = ["Trainer", "trainOnBatch", "SGD", "Adam", "momentum", "sgdUpdate", "adamUpdate", "linearBackward", "reluBackward",
  "softmaxCrossEntropy", "huberLoss", "l2Loss", "labelSmoothing", "DivergenceError", "ThreadPool", "Atomics", "worker_threads",
  "SharedArrayBuffer", "simd-threads"];

let dir: string, js: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wsmx-predict-app-"));
  await mkdir(join(dir, "node_modules"));
  await symlink(ROOT, join(dir, "node_modules", "wasm-softmax"));
  await writeFile(join(dir, "app.js"), APP);
  const result = await build({ entryPoints: [join(dir, "app.js")], bundle: true, minify: true, format: "esm", platform: "browser",
    target: "es2022", write: false, outdir: join(dir, "out"), logLevel: "error" });
  expect(result.outputFiles.map((f) => f.path.slice(-3))).toEqual([".js"]);
  js = result.outputFiles[0]!.text;
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("a three-line app that imports wasm-softmax/predict", () => {
  it("bundles the model decoder and the forward pass", () => {
    expect(js).toContain("WSMX");
    expect(js).toContain("linearForward");
    expect(js).toContain("softmaxRows");
  });

  it("holds no optimizer, Trainer, loss or thread code", () => {
    expect(TRAINING.filter((word) => js.includes(word))).toEqual([]);
  });

  it(`is at most ${LIMIT_GZIP_BYTES / 1024} KB of gzipped JavaScript`, () => {
    expect(gzipSync(js, { level: 9 }).length).toBeLessThanOrEqual(LIMIT_GZIP_BYTES);
  });
});
