// One runtime-neutral smoke test: plain ESM, the package through its public entry, no Node APIs. Node, Deno,
// Bun, Chromium and workerd all run this same file (see runtimes.test.ts) and must agree bit for bit on the
// wasm backends' trained parameters.
import { init, createRuntime, Dataset, SoftmaxRegression, MLP, SGD, fit, evaluate, encodeModel, decodeModel } from "wasm-softmax";
import { encodeSafetensors, decodeSafetensors, encodeONNX, encodeWeightsJSON } from "wasm-softmax/io";
import { decodeImage, imageToPixels } from "wasm-softmax/image";
import { learningCurvesSVG } from "wasm-softmax/plot";
import * as predictOnly from "wasm-softmax/predict";
import { SeededRandom } from "../../bench/shared/random.js";

export const BACKENDS = ["wasm-simd", "wasm", "js"];

/** Which runtime this is, from globals each one defines. */
export function runtimeName() {
  const g = globalThis;
  if (typeof g.Deno === "object") return "deno";
  if (typeof g.Bun === "object") return "bun";
  if (typeof g.navigator === "object" && g.navigator.userAgent === "Cloudflare-Workers") return "workerd";
  if (typeof g.process === "object" && g.process?.versions?.node) return "node";
  if (typeof g.window === "object" && typeof g.document === "object") return "chromium";
  return "unknown";
}

/** This runtime's version, as it reports it. */
export function runtimeVersion() {
  const g = globalThis;
  if (typeof g.Deno === "object") return g.Deno.version.deno;
  if (typeof g.Bun === "object") return g.Bun.version;
  if (typeof g.process === "object" && g.process?.versions?.node) return g.process.versions.node;
  return g.navigator?.userAgent ?? "unknown";
}

/** 32-bit FNV-1a over the bytes of a Float32Array, as 8 hex digits. */
export function fnv1a(values) {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Deterministic blobs from integer arithmetic only: 4 classes, 32 Uint8 "pixels", a prototype each plus noise. */
export function makeData(n = 512, features = 32, classes = 4) {
  const rng = new SeededRandom(0x2545f491);
  const next = () => rng.u32();
  const prototypes = [];
  for (let c = 0; c < classes; c++) {
    const row = [];
    for (let f = 0; f < features; f++) row.push(next() % 200 + 28);
    prototypes.push(row);
  }
  const x = new Uint8Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = next() % classes;
    y[i] = c;
    for (let f = 0; f < features; f++) {
      const v = prototypes[c][f] + (next() % 121) - 60;
      x[i * features + f] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return Dataset.fromArrays(x, y, { features, classes });
}

async function trainOne(runtime, model, train, test, modelName, seed, lr) {
  const history = await fit(model, train, { epochs: 3, batchSize: 64, optimizer: new SGD({ lr }), seed, runtime });
  const predicted = model.predict(test, { runtime });
  let correct = 0;
  for (let i = 0; i < test.length; i++) if (predicted[i] === test.y[i]) correct++;
  const { loss } = evaluate(model, test, { runtime });
  return {
    model: modelName,
    hashParams: fnv1a(model.getParameters()),
    accuracy: correct / test.length,
    loss,
    trainLoss: history.epochs.map((e) => e.loss),
  };
}

/** A softmax regression and a small MLP trained on `rt`: their parameter hashes, worst accuracy and loss. */
async function trainBoth(rt, train, test) {
  const softmax = await trainOne(rt, new SoftmaxRegression({ inputs: 32, classes: 4, seed: 1 }), train, test, "softmax", 7, 0.1);
  // d2l's weightStd 0.01 barely moves a small MLP in 3 epochs; 0.1 and lr 0.5 learn this set.
  const mlp = await trainOne(rt, new MLP({ layers: [32, 16, 4], seed: 2, weightStd: 0.1 }), train, test, "mlp", 11, 0.5);
  return {
    hashParams: `${softmax.hashParams}-${mlp.hashParams}`,
    accuracy: Math.min(softmax.accuracy, mlp.accuracy),
    loss: Math.max(softmax.loss, mlp.loss),
    models: [softmax, mlp],
  };
}

/**
 * The subpath entries at work on the default runtime: a model through safetensors (back as the root's own class),
 * ONNX and JSON; a PGM decoded and made into pixels; learning curves as SVG.
 */
async function subpathChecks() {
  const model = new SoftmaxRegression({ inputs: 4, classes: 2, seed: 3 });
  const back = decodeSafetensors(encodeSafetensors(model));
  const pgm = new Uint8Array([...new TextEncoder().encode("P5 2 2 255 "), 0, 85, 170, 255]);
  const pixels = imageToPixels(await decodeImage(pgm), { size: 2 });
  const svg = learningCurvesSVG([{ epoch: 1, loss: 0.5, accuracy: 0.8, ms: 1 }, { epoch: 2, loss: 0.4, accuracy: 0.85, ms: 1 }]);
  return {
    safetensors: back instanceof SoftmaxRegression && fnv1a(back.getParameters()) === fnv1a(model.getParameters()),
    onnxBytes: encodeONNX(model).length,
    weightRows: encodeWeightsJSON(model).layers[0].weight.length,
    pixels: Array.from(pixels),
    svg: svg.startsWith("<svg"),
  };
}

/**
 * The predict-only entry against the full package: a pixel softmax regression and a float MLP trained on wasm-simd,
 * saved as f32, f16 and int8, each file's probabilities on the test rows from both entries, hashed.
 */
async function predictEntry(runtime, train, test) {
  const rt = await createRuntime({ backend: "wasm-simd", threads: 1 });
  const floats = Dataset.fromArrays(Float32Array.from(train.x, (v) => v / 64), train.y, { features: 32, classes: 4 });
  const floatTest = Float32Array.from(test.x, (v) => v / 64);
  const models = [[new SoftmaxRegression({ inputs: 32, classes: 4, seed: 1 }), train, test.x],
    [new MLP({ layers: [32, 16, 4], seed: 2, weightStd: 0.1 }), floats, floatTest]];
  const { backend } = await predictOnly.init();
  const full = [], lean = [];
  for (const [model, data, x] of models) {
    await fit(model, data, { epochs: 1, batchSize: 64, optimizer: new SGD({ lr: 0.1 }), seed: 3, runtime: rt });
    for (const dtype of ["f32", "f16", "int8"]) {
      const bytes = encodeModel(model, { dtype });
      full.push(fnv1a(decodeModel(bytes).predictProba(x, { runtime: rt })));
      lean.push(fnv1a(predictOnly.decodeModel(bytes).predictProba(x)));
    }
  }
  rt.close();
  return { runtime, backend: "predict", predictBackend: backend, hashProba: lean.join("-"), fullHashProba: full.join("-") };
}

/**
 * Trains a SoftmaxRegression and a small MLP under each backend and reports, per backend, the parameter hash,
 * test accuracy and loss. A backend this runtime cannot load is reported with `error` instead.
 */
export async function runSmoke(backends = BACKENDS) {
  const runtime = runtimeName(), version = runtimeVersion();
  const data = makeData(640);
  const train = data.subset(Array.from({ length: 512 }, (_, i) => i));
  const test = data.subset(Array.from({ length: 128 }, (_, i) => 512 + i));
  // init() with no options: the package finds its own .wasm (file:, http: or a module import) and picks SIMD.
  let defaultBackend;
  try {
    defaultBackend = (await init()).backend;
  } catch (error) {
    defaultBackend = `error: ${error}`;
  }
  let subpaths;
  try {
    subpaths = await subpathChecks();
  } catch (error) {
    subpaths = { error: String(error?.stack ?? error) };
  }
  const results = [];
  for (const backend of backends) {
    try {
      // A runtime per backend, side by side with init()'s default one.
      const rt = await createRuntime({ backend });
      if (rt.backend !== backend) throw new Error(`createRuntime({ backend: "${backend}" }) gave "${rt.backend}"`);
      results.push({ runtime, version, backend, defaultBackend, subpaths, ...(await trainBoth(rt, train, test)) });
      rt.close();
    } catch (error) {
      results.push({ runtime, version, backend, defaultBackend, subpaths, error: String(error?.stack ?? error) });
    }
  }
  try {
    results.push({ ...(await predictEntry(runtime, train, test)), version, defaultBackend });
  } catch (error) {
    results.push({ runtime, version, backend: "predict", defaultBackend, error: String(error?.stack ?? error) });
  }
  // The same training on two kernel threads, where the runtime has them: the same bits as on one.
  if (backends.includes("wasm-simd")) {
    try {
      const rt = await createRuntime({ backend: "wasm-simd", threads: 2 });
      results.push({
        runtime, version, backend: "wasm-simd", threaded: true, threads: rt.threads, threadsReason: rt.threadsReason, defaultBackend,
        ...(await trainBoth(rt, train, test)),
      });
      rt.close();
    } catch (error) {
      results.push({ runtime, version, backend: "wasm-simd", threaded: true, defaultBackend, error: String(error?.stack ?? error) });
    }
  }
  return results;
}
