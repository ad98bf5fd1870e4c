// What an app that only predicts ships: the three-line app of bench/footprint.js (PREDICT_APP, importing
// "wasm-softmax/predict" by self-reference), bundled and minified by esbuild as apps do. It must hold no
// optimizer, Trainer, loss or thread code, and stay within its target (docs/library.md, "wasm-softmax/predict",
// says where the bytes go).
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without declarations
import { PREDICT_APP, TARGET_PREDICT_APP_JS_GZIP_BYTES, bundleApp } from "../../bench/footprint.js";

// Identifiers and messages found only in training, loss and thread code.
const TRAINING = ["Trainer", "trainOnBatch", "SGD", "Adam", "momentum", "sgdUpdate", "adamUpdate", "linearBackward", "reluBackward",
  "softmaxCrossEntropy", "huberLoss", "l2Loss", "labelSmoothing", "DivergenceError", "ThreadPool", "Atomics", "worker_threads",
  "SharedArrayBuffer", "simd-threads"];

let js: string;
beforeAll(async () => {
  js = await bundleApp(PREDICT_APP) as string;
}, 60_000);

describe("a three-line app that imports wasm-softmax/predict", () => {
  it("bundles the model decoder and the forward pass", () => {
    expect(js).toContain("WSMX");
    expect(js).toContain("linearForward");
    expect(js).toContain("softmaxRows");
  });

  it("holds no optimizer, Trainer, loss or thread code", () => {
    expect(TRAINING.filter((word) => js.includes(word))).toEqual([]);
  });

  it(`is at most ${(TARGET_PREDICT_APP_JS_GZIP_BYTES as number) / 1024} KB of gzipped JavaScript`, () => {
    expect(gzipSync(js, { level: 9 }).length).toBeLessThanOrEqual(TARGET_PREDICT_APP_JS_GZIP_BYTES);
  });
});
