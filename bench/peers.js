#!/usr/bin/env node
// Peers in the same run: wasm-softmax, TensorFlow.js 4.22 (wasm backend; a low-level loop and model.fit) and
// PyTorch (when /usr/bin/python3 can import torch; at 1 and 2 threads, with OpenBLAS free to pick its kernels and,
// when the environment pins them with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, as pinned too) train d2l's softmax
// regression and MLP 784-256-10 on the same Fashion-MNIST (read once by wasm-softmax's loader), batch 256, SGD lr
// 0.1, the same epoch count, shuffled every epoch. Each one's epoch clock covers its shuffle and batch loop,
// nothing else. The targets compare against PyTorch's fastest configuration in the run (bench/peer-targets.js).
// Then the pure-JavaScript libraries a user might pick instead (brain.js, ml-logistic-regression) train on the
// same data for a time budget; their epoch is scaled from the part they trained, and the table says so.
//
// Check before timing: every implementation trains its first epoch from scratch and parks; only when every
// first-epoch train loss is sane (below the band in CHECKS) and within LOSS_BAND of wasm-softmax's do they go on
// with the epochs that are timed (2..N: the first carries each framework's warm-up), in turns: epoch 2 of each
// implementation, one after another, then epoch 3 of each, and so on, so that a slower spell of a shared machine
// (they last minutes on a busy VM) falls on all of them alike. The test accuracy after the last epoch is checked
// too (above the band). A failed check exits 1 and reports no times.
//
//   npm run bench:peers                    build, then 4 epochs each (3 timed)
//   node bench/peers.js [--epochs N] [--threads N] [--only softmax|mlp] [--budget SECONDS] [--json FILE]
//
// Exit codes: 0 done, 1 a check failed, 2 usage or setup error. Markdown to stdout, progress to stderr.
import { parseArgs } from "node:util";
import { cpus, availableParallelism, tmpdir } from "node:os";
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRuntime, fit, evaluate, SoftmaxRegression, MLP, SGD, loadFashionMNIST } from "../dist/node.js";
import { cpuTimes, percent, stolenShare } from "./steal.js";
import { loadTfjs } from "./tfjs.js";
import { openblasConfigurations, scaleToEpoch, targetLines } from "./peer-targets.js";
import { SeededRandom } from "./shared/random.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const BATCH = 256, LR = 0.1, PIXELS = 784, HIDDEN = 256, CLASSES = 10;
const PYTHON = "/usr/bin/python3";
const USAGE = "usage: node bench/peers.js [--epochs N] [--threads N] [--only softmax|mlp] [--budget SECONDS] [--json FILE]";
/** Test images the pure-JavaScript libraries are scored on (their predictions take milliseconds each). */
const PURE_JS_TEST_IMAGES = 2000;
/** The pure-JavaScript rows' accuracy must be above this: far below any trained model, far above chance (0.1). */
const PURE_JS_MIN_ACC = 0.2;
const MODEL_NAMES = /** @type {const} */ (["softmax", "mlp"]);
const LABEL = { softmax: "softmax regression", mlp: "MLP 784-256-10" };
/** Sanity: epoch-1 train loss below `loss`; test accuracy after the last epoch above `acc`. */
const CHECKS = { softmax: { loss: 0.9, acc: 0.75 }, mlp: { loss: 1.2, acc: 0.7 } };
/** Different frameworks cannot start from the same weights: epoch-1 losses only have to be this close. */
const LOSS_BAND = 0.35;

/** @param {string} line */
const log = (line) => process.stderr.write(`${line}\n`);
const median = (/** @type {number[]} */ v) => {
  const s = [...v].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/**
 * @typedef {{ ms: number, loss: number, acc?: number }} Epoch
 * @typedef {{ epochs: Epoch[], testAcc: number }} Run
 * A peer's train calls `gate` after every epoch and waits on it before the next one starts its clock (or before
 * the test accuracy, after the last): true goes on, false stops (testAcc NaN).
 * @typedef {(epoch: Epoch) => Promise<boolean>} Gate
 * @typedef {{ id: string, label: string, models: readonly ("softmax"|"mlp")[],
 *             train: (model: "softmax"|"mlp", epochs: number, gate: Gate) => Promise<Run> }} Peer
 */

// ---------------------------------------------------------------------------------------------- wasm-softmax

/** @param {import("../dist/node.js").Runtime} runtime @param {any} data */
function wasmSoftmaxPeer(id, label, runtime, data) {
  return {
    id, label, models: MODEL_NAMES,
    /** @returns {Promise<Run>} */
    async train(model, epochs, gate) {
      const net = model === "softmax" ? new SoftmaxRegression({ inputs: PIXELS, classes: CLASSES, seed: 0 })
        : new MLP({ layers: [PIXELS, HIDDEN, CLASSES], seed: 0 });
      const out = [];
      let t0 = performance.now();
      await fit(net, data.train, {
        epochs, batchSize: BATCH, optimizer: new SGD({ lr: LR }), shuffle: true, seed: 0, runtime,
        // Wall clock from one epoch's end to the next (shuffle, batches, callbacks); the first also copies the
        // data set into kernel memory, as a user's first epoch does.
        callbacks: [async ({ phase, logs }) => {
          if (phase !== "epoch") return undefined;
          out.push({ ms: performance.now() - t0, loss: logs.loss, acc: logs.accuracy });
          const go = await gate(out.at(-1));
          t0 = performance.now();
          return go ? undefined : "stop";
        }],
      });
      return { epochs: out, testAcc: out.length === epochs ? evaluate(net, data.test, { runtime }).accuracy : NaN };
    },
  };
}

/**
 * A runtime on `threads` threads, or why there is none: the option is feature-detected, so this lights up in
 * a build whose `createRuntime` takes `threads` and reports `runtime.threads`.
 */
async function threadedRuntime(threads) {
  let runtime;
  try {
    runtime = await createRuntime({ backend: "wasm-simd", threads });
  } catch (error) {
    return { reason: "not available in this build", detail: error instanceof Error ? error.message : String(error) };
  }
  if (typeof runtime.threads !== "number") {
    runtime.close();
    return { reason: "not available in this build", detail: "the runtime does not report threads" };
  }
  if (!(runtime.threads > 1)) {
    const why = runtime.threadsReason ?? runtime.reason ?? "";
    runtime.close();
    return { reason: `the runtime runs ${runtime.threads} thread${why ? `: ${why}` : ""}` };
  }
  return { runtime };
}

// ------------------------------------------------------------------------------------------------ TensorFlow.js

/** The data as tfjs tensors, made once: x scaled to [0, 1] f32, labels int32 and one-hot. */
function tfData(tf, data) {
  const tensors = (set) => {
    const x = new Float32Array(set.length * PIXELS);
    for (let i = 0; i < x.length; i++) x[i] = set.x[i] / 255;
    const y = tf.tensor1d(Int32Array.from(set.y), "int32");
    return { x: tf.tensor2d(x, [set.length, PIXELS]), y, oneHot: tf.tidy(() => tf.oneHot(y, CLASSES).toFloat()), n: set.length };
  };
  return { train: tensors(data.train), test: tensors(data.test) };
}

/** The low-level loop: tf.variable weights, tf.tidy, optimizer.minimize, batches by tf.gather on a shuffled index. */
function tfjsLoopPeer(tf, t) {
  return {
    id: "tfjs-loop", label: "TensorFlow.js 4.22, wasm backend, low-level loop", models: MODEL_NAMES,
    async train(model, epochs, gate) {
      // d2l's init: weights normal(0, 0.01), biases 0.
      const dims = model === "softmax" ? [PIXELS, CLASSES] : [PIXELS, HIDDEN, CLASSES];
      const params = [];
      for (let l = 0; l + 1 < dims.length; l++) {
        params.push(tf.variable(tf.randomNormal([dims[l], dims[l + 1]], 0, 0.01, "float32", l + 1)), tf.variable(tf.zeros([dims[l + 1]])));
      }
      const forward = (x) => {
        let h = x;
        for (let l = 0; l < params.length; l += 2) {
          h = tf.add(tf.matMul(h, params[l]), params[l + 1]);
          if (l + 2 < params.length) h = tf.relu(h);
        }
        return h;
      };
      const optimizer = tf.train.sgd(LR);
      const out = [];
      for (let e = 0; e < epochs; e++) {
        const t0 = performance.now();
        const order = tf.tensor1d(Int32Array.from(tf.util.createShuffledIndices(t.train.n)), "int32");
        let total = 0;
        for (let start = 0; start < t.train.n; start += BATCH) {
          const size = Math.min(BATCH, t.train.n - start);
          const cost = tf.tidy(() => {
            const idx = order.slice(start, size);
            const xb = tf.gather(t.train.x, idx), yb = tf.gather(t.train.oneHot, idx);
            return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(xb)), true);
          });
          total += cost.dataSync()[0] * size;
          cost.dispose();
        }
        order.dispose();
        out.push({ ms: performance.now() - t0, loss: total / t.train.n });
        if (!(await gate(out[e]))) break;
      }
      const testAcc = out.length < epochs ? NaN : tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(forward(t.test.x), 1), t.test.y), "float32")).dataSync()[0]);
      optimizer.dispose();
      for (const p of params) p.dispose();
      return { epochs: out, testAcc };
    },
  };
}

/** Keras-style: tf.sequential of dense layers with a softmax output, compile, model.fit. */
function tfjsFitPeer(tf, t) {
  return {
    id: "tfjs-fit", label: "TensorFlow.js 4.22, wasm backend, `model.fit`", models: MODEL_NAMES,
    async train(model, epochs, gate) {
      // d2l's init, as in the other peers: weights normal(0, 0.01), biases 0.
      const init = () => ({ kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.01 }), biasInitializer: "zeros" });
      const net = tf.sequential();
      if (model === "mlp") net.add(tf.layers.dense({ units: HIDDEN, inputShape: [PIXELS], activation: "relu", ...init() }));
      net.add(tf.layers.dense({ units: CLASSES, activation: "softmax", ...init(), ...(model === "softmax" && { inputShape: [PIXELS] }) }));
      net.compile({ optimizer: tf.train.sgd(LR), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
      const out = [];
      let t0 = 0, stopped = false;
      // One fit for all epochs; it awaits its callbacks, so the gate parks it between epochs.
      await net.fit(t.train.x, t.train.oneHot, {
        batchSize: BATCH, epochs, shuffle: true, verbose: 0,
        callbacks: {
          onEpochBegin: async () => { t0 = performance.now(); },
          onEpochEnd: async (_epoch, logs) => {
            out.push({ ms: performance.now() - t0, loss: logs.loss, acc: logs.acc });
            if (!(await gate(out.at(-1)))) net.stopTraining = stopped = true;
          },
        },
      });
      if (stopped) { net.dispose(); return { epochs: out, testAcc: NaN }; }
      const scores = /** @type {any[]} */ (net.evaluate(t.test.x, t.test.oneHot, { batchSize: 1024 }));
      const testAcc = scores[1].dataSync()[0];
      tf.dispose(scores);
      net.dispose();
      return { epochs: out, testAcc };
    },
  };
}

// ------------------------------------------------------------------------------------------------------ PyTorch

/** Whether /usr/bin/python3 imports torch (and its version), or why not. */
function probeTorch() {
  try {
    const version = execFileSync(PYTHON, ["-c", "import torch, numpy; print(torch.__version__)"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    return { version };
  } catch (error) {
    const stderr = String(error.stderr ?? error.message).trim().split("\n").at(-1);
    return { reason: `${PYTHON} -c "import torch" failed: ${stderr}` };
  }
}

/**
 * Runs bench/peers_torch.py on the bytes in `dir` for one model: it prints each epoch as a JSON line and waits on
 * stdin for "go" (or EOF: stop) before the next; resolves with its final JSON line.
 */
function runTorch(dir, threads, model, epochs, gate, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, [join(HERE, "peers_torch.py"), "--data", dir, "--epochs", String(epochs),
      "--threads", String(threads), "--models", model, "--gate"],
    { stdio: ["pipe", "pipe", "pipe"], env: { ...env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) } });
    let stdout = "", stderr = "", last = "";
    child.stdout.on("data", async (c) => {
      stdout += c;
      for (let nl = stdout.indexOf("\n"); nl >= 0; nl = stdout.indexOf("\n")) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        const message = JSON.parse(line);
        if (message.runs) { last = line; continue; }
        if (await gate(message)) child.stdin.write("go\n");
        else child.stdin.end();
      }
    });
    child.stderr.on("data", (c) => { stderr += c; });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`peers_torch.py exited ${code}: ${stderr.trim()}`));
      else resolvePromise(JSON.parse(last));
    });
  });
}

/**
 * One peer per thread count and OpenBLAS configuration (openblasConfigurations); each call of train runs the
 * script for one model (a fresh process, warm data) and records the BLAS and kernel family it loaded.
 */
function torchPeer(dir, threads, version, config) {
  const openblas = config.id === "free" ? "OpenBLAS free to pick its kernels" : `OpenBLAS pinned by the environment (${config.pins})`;
  const peer = {
    id: `torch-${threads}t${config.id === "free" ? "" : `-${config.id}`}`, config: config.id, pins: config.pins,
    label: `PyTorch ${version}, preloaded tensors + randperm batches, ${openblas}, ${threads} thread${threads > 1 ? "s" : ""}`,
    models: MODEL_NAMES, blas: undefined,
    async train(model, epochs, gate) {
      const r = await runTorch(dir, threads, model, epochs, gate, config.env);
      if (r.threads !== threads) throw new Error(`torch.set_num_threads(${threads}) gave ${r.threads} threads`);
      peer.blas = r.blas;
      return r.runs[0];
    },
  };
  return peer;
}

// ------------------------------------------------------------------------------- pure-JavaScript libraries

/** Examples `order[from..from+n)` of `set` as plain arrays (these libraries take no typed arrays): pixels / 255, labels. */
function plainRows(set, order, from, n) {
  const x = [], y = [];
  for (let k = from; k < Math.min(from + n, order.length); k++) {
    const i = order[k];
    x.push(Array.from(set.x.subarray(i * PIXELS, (i + 1) * PIXELS), (v) => v / 255));
    y.push(set.y[i]);
  }
  return { x, y };
}

const argmax = (/** @type {ArrayLike<number>} */ v) => {
  let best = 0;
  for (let c = 1; c < v.length; c++) if (v[c] > v[best]) best = c;
  return best;
};

/**
 * brain.js's NeuralNetwork as its README uses it (sigmoid units, mean squared error, one example at a time with its
 * default learning rate 0.3 and momentum 0.1), with no hidden layer in softmax regression's place and 256 units for
 * the MLP. It trains 100-example chunks of a shuffled epoch until `budgetMs` has passed or the epoch is done; the
 * first chunk is its warm-up, outside the clock.
 */
async function brainRun(model, data, budgetMs) {
  const { default: brain } = await import("brain.js");
  const net = new brain.NeuralNetwork({ hiddenLayers: model === "softmax" ? [] : [HIDDEN] });
  const order = new SeededRandom(0).permutation(data.train.length), CHUNK = 100;
  let ms = 0, examples = 0, from = 0;
  const started = performance.now();
  do {
    const { x, y } = plainRows(data.train, order, from, CHUNK);
    const chunk = x.map((input, k) => ({ input, output: Array.from({ length: CLASSES }, (_, c) => (c === y[k] ? 1 : 0)) }));
    const t0 = performance.now();
    net.train(chunk, { iterations: 1 });
    if (from > 0) { ms += performance.now() - t0; examples += chunk.length; }
    from += chunk.length;
  } while (from < order.length && (examples === 0 || performance.now() - started < budgetMs));
  const test = plainRows(data.test, Int32Array.from({ length: PURE_JS_TEST_IMAGES }, (_, i) => i), 0, PURE_JS_TEST_IMAGES);
  const testAcc = test.x.filter((input, k) => argmax(net.run(input)) === test.y[k]).length / test.x.length;
  return { ms, examples, trained: from, testAcc };
}

/**
 * ml-logistic-regression: one-vs-rest logistic regressions over ml-matrix, each step a full-batch gradient step
 * (its default learning rate 5e-4; 50 000 steps by default). An epoch is one step of every class's model over the
 * training set; it trains on 1 000 shuffled images, one step as its warm-up, then as many steps as `budgetMs`
 * allows, at least 10 (each call starts from zero weights; from one or two steps it predicts one class for all).
 */
async function mlLogisticRun(data, budgetMs) {
  const { default: LogisticRegression } = await import("ml-logistic-regression");
  const { Matrix } = await import("ml-matrix");
  const ROWS = 1000, MIN_STEPS = 10;
  const { x, y } = plainRows(data.train, new SeededRandom(0).permutation(data.train.length), 0, ROWS);
  const X = new Matrix(x), Y = Matrix.columnVector(y);
  let t0 = performance.now();
  new LogisticRegression({ numSteps: 1 }).train(X, Y);
  const steps = Math.max(MIN_STEPS, Math.floor(budgetMs / (performance.now() - t0)));
  const lr = new LogisticRegression({ numSteps: steps });
  t0 = performance.now();
  lr.train(X, Y);
  const ms = (performance.now() - t0) / steps;
  const test = plainRows(data.test, Int32Array.from({ length: PURE_JS_TEST_IMAGES }, (_, i) => i), 0, PURE_JS_TEST_IMAGES);
  const predicted = lr.predict(new Matrix(test.x));
  const testAcc = predicted.filter((c, k) => c === test.y[k]).length / test.x.length;
  return { ms, examples: ROWS, trained: ROWS, steps, testAcc };
}

/** The pure-JavaScript libraries, each with the models it has a counterpart of, and its version. */
function pureJsPeers() {
  const require = createRequire(import.meta.url);
  const version = (name) => require(`${name}/package.json`).version;
  return [
    { id: "brain.js", label: `brain.js ${version("brain.js")}, NeuralNetwork (sigmoid, MSE, per-example SGD, its defaults)`,
      models: MODEL_NAMES, run: brainRun },
    { id: "ml-logistic-regression", label: `ml-logistic-regression ${version("ml-logistic-regression")} (one-vs-rest, full-batch steps)`,
      models: ["softmax"], run: (_model, data, budgetMs) => mlLogisticRun(data, budgetMs) },
  ];
}

/** What a pure-JavaScript row measured, in words, for the table's note. */
function pureJsNote(r) {
  const share = `${(100 * r.share).toFixed(r.share < 0.1 ? 1 : 0)} %`;
  if (r.steps !== undefined) {
    return `${r.steps} full-batch step${r.steps > 1 ? "s" : ""} on ${r.examples.toLocaleString("en-US")} images, timed per step and ` +
      `scaled to ${r.epochExamples.toLocaleString("en-US")} (${share} of an epoch each); accuracy after those steps`;
  }
  return r.scaled
    ? `${r.examples.toLocaleString("en-US")} images timed after a 100-image warm-up (${share} of an epoch), scaled to the epoch; accuracy after ${r.trained.toLocaleString("en-US")} images`
    : "a whole epoch";
}

// --------------------------------------------------------------------------------------------------------- main

async function main() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        epochs: { type: "string", default: "4" },
        threads: { type: "string" },
        only: { type: "string" },
        budget: { type: "string", default: "20" },
        json: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
    for (const name of ["epochs", "threads", "budget"]) {
      if (args[name] !== undefined && !/^[1-9][0-9]*$/.test(args[name])) throw new Error(`--${name} must be a positive integer, got "${args[name]}"`);
    }
    if (args.epochs === "1") throw new Error("--epochs must be at least 2: the first epoch is the check (and each one's warm-up), the rest are timed");
    if (args.only !== undefined && !MODEL_NAMES.includes(args.only)) throw new Error(`--only must be "softmax" or "mlp", got "${args.only}"`);
  } catch (error) {
    log(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const epochs = Number(args.epochs), threads = Number(args.threads ?? availableParallelism());
  const models = args.only ? [args.only] : [...MODEL_NAMES];
  const machine = { cpu: cpus()[0]?.model?.trim() ?? "unknown", cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}` };

  let data;
  try {
    data = await loadFashionMNIST({ download: false });
  } catch (error) {
    log(`${error.message}\nInstall it with \`apt-get install -y dataset-fashion-mnist\` or set FASHION_MNIST_DIR.`);
    return 2;
  }
  log(`Fashion-MNIST from ${data.source}: ${data.train.length} training, ${data.test.length} test images.`);

  /** @type {Peer[]} */
  const peers = [];
  const skipped = [];
  const rt1 = await createRuntime({ backend: "wasm-simd", threads: 1 });
  peers.push(wasmSoftmaxPeer("wasm-1t", "wasm-softmax, wasm-simd, 1 thread (`fit`)", rt1, data));
  const rtN = threads > 1 ? await threadedRuntime(threads) : { reason: "--threads 1" };
  if (rtN.runtime) peers.push(wasmSoftmaxPeer("wasm-Nt", `wasm-softmax, wasm-simd, ${rtN.runtime.threads} threads (\`fit\`)`, rtN.runtime, data));
  else skipped.push({ id: "wasm-Nt", label: `wasm-softmax, ${threads} threads`, reason: `threads: ${rtN.reason}`, detail: rtN.detail });

  const tfjs = await loadTfjs();
  if (tfjs.tf) {
    log(`TensorFlow.js ${tfjs.version}, wasm backend (SIMD ${tfjs.simd}, threads ${tfjs.threads}).`);
    const t = tfData(tfjs.tf, data);
    peers.push(tfjsLoopPeer(tfjs.tf, t), tfjsFitPeer(tfjs.tf, t));
  } else {
    skipped.push({ id: "tfjs", label: "TensorFlow.js", reason: tfjs.reason });
  }

  const torch = probeTorch();
  let torchDir;
  if (torch.version) {
    torchDir = await mkdtemp(join(tmpdir(), "wasm-softmax-peers-"));
    for (const [name, set] of [["train", data.train], ["test", data.test]]) {
      await writeFile(join(torchDir, `${name}-x.u8`), set.x);
      await writeFile(join(torchDir, `${name}-y.u8`), Uint8Array.from(set.y));
    }
    const configs = openblasConfigurations(process.env);
    if (configs.length === 1) log("The environment pins no OpenBLAS variable (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE): one PyTorch configuration.");
    for (const config of configs) for (const n of [1, 2]) peers.push(torchPeer(torchDir, n, torch.version, config));
  } else {
    skipped.push({ id: "torch", label: "PyTorch", reason: torch.reason });
  }
  for (const s of skipped) log(`Skipping ${s.label}: ${s.reason}${s.detail ? ` (${s.detail})` : ""}`);
  const budgetMs = Number(args.budget) * 1000;

  try {
    // Every peer trains its first epoch and parks on its gate, one after another; then, if every first epoch
    // passed, the timed epochs run in turns, one epoch of each peer after another.
    log(`Training ${epochs} epochs per implementation and model from scratch; the first epoch of each is checked before any other epoch runs, then the epochs run in turns…`);
    const checks = [], runs = [];
    for (const model of models) {
      const lanes = [];
      for (const p of peers) {
        const lane = parkedRun(p, model, epochs), first = await lane.next();
        lanes.push(lane);
        checks.push({ peer: p.id, model, loss: first.loss, ms: first.ms });
        log(`  ${p.id} ${model}: epoch-1 loss ${first.loss.toFixed(4)} (${first.ms.toFixed(0)} ms)`);
      }
      const failures = checkFailures(checks.filter((c) => c.model === model), "loss");
      if (failures.length) {
        for (const lane of lanes) lane.release(false);
        await Promise.all(lanes.map((lane) => lane.done));
        log(`\nCHECK FAILED:\n${failures.map((f) => `  ${f}`).join("\n")}\nNothing was timed.`);
        return 1;
      }
      for (let e = 2; e <= epochs; e++) {
        const line = [];
        for (const lane of lanes) line.push(`${lane.p.id} ${(await lane.timed()).ms.toFixed(0)}`);
        log(`  ${model} epoch ${e}: ${line.join(", ")} ms`);
      }
      for (const lane of lanes) {
        lane.release(true);
        const r = await lane.done, ms = r.epochs.slice(1).map((x) => x.ms);
        runs.push({ peer: lane.p.id, label: lane.p.label, model, medianMs: ms.length ? median(ms) : NaN, minMs: Math.min(...ms), epochs: r.epochs, testAcc: r.testAcc, stolen: lane.stolen() });
        log(`  ${lane.p.id} ${model}: test acc ${r.testAcc.toFixed(4)}; host steal ${percent(lane.stolen())} of the CPU time during its timed epochs`);
      }
    }
    const pureJs = [];
    for (const p of pureJsPeers()) {
      for (const model of models.filter((m) => p.models.includes(m))) {
        log(`  ${p.id} ${model}: training for ${budgetMs / 1000} s, then scoring ${PURE_JS_TEST_IMAGES} test images…`);
        const r = await p.run(model, data, budgetMs);
        const epoch = scaleToEpoch({ ms: r.ms, examples: r.examples, epochExamples: data.train.length });
        pureJs.push({ peer: p.id, label: p.label, model, ...r, ...epoch, epochExamples: data.train.length });
        log(`  ${p.id} ${model}: epoch ≈ ${ms(epoch.epochMs)} ms${epoch.scaled ? " (scaled)" : ""}, accuracy ${r.testAcc.toFixed(4)} on ${PURE_JS_TEST_IMAGES} test images`);
      }
    }
    const accFailures = [
      ...checkFailures(runs.map((r) => ({ peer: r.peer, model: r.model, loss: r.epochs[0].loss, testAcc: r.testAcc })), "acc"),
      ...pureJs.filter((r) => !(r.testAcc > PURE_JS_MIN_ACC))
        .map((r) => `${r.peer} ${r.model}: accuracy ${r.testAcc} is not above ${PURE_JS_MIN_ACC}: the data did not reach it as meant`),
    ];
    if (accFailures.length) {
      log(`\nCHECK FAILED:\n${accFailures.map((f) => `  ${f}`).join("\n")}\nNo times are reported.`);
      return 1;
    }
    for (const r of runs) {
      const base1 = runs.find((x) => x.peer === "wasm-1t" && x.model === r.model);
      const baseN = runs.find((x) => x.peer === "wasm-Nt" && x.model === r.model);
      r.vsWasm1 = r.medianMs / base1.medianMs;
      r.vsWasmN = baseN ? r.medianMs / baseN.medianMs : null;
    }
    for (const r of pureJs) {
      const base1 = runs.find((x) => x.peer === "wasm-1t" && x.model === r.model);
      const baseN = runs.find((x) => x.peer === "wasm-Nt" && x.model === r.model);
      r.vsWasm1 = r.epochMs / base1.medianMs;
      r.vsWasmN = baseN ? r.epochMs / baseN.medianMs : null;
    }
    const torchBlas = peers.filter((p) => p.blas).map((p) => ({ peer: p.id, config: p.config, pins: p.pins, ...p.blas }));
    const results = {
      date: new Date().toISOString(), machine, epochs, batchSize: BATCH, lr: LR, threads,
      data: { source: data.source, train: data.train.length, test: data.test.length },
      versions: { tfjs: tfjs.version ?? null, torch: torch.version ?? null }, torchBlas,
      peers: peers.map((p) => ({ id: p.id, label: p.label })), skipped, checks, runs, pureJs,
    };
    results.targets = targetLines(runs, threads);
    console.log(report(results, models));
    const jsonPath = resolve(args.json ?? join(HERE, "results", "peers.json"));
    await mkdir(dirname(jsonPath), { recursive: true });
    await writeFile(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    log(`Wrote ${jsonPath}`);
    return 0;
  } finally {
    rt1.close();
    rtN.runtime?.close();
    if (torchDir) await rm(torchDir, { recursive: true, force: true });
  }
}

/**
 * Starts `p` training `model`; it parks at its gate after every epoch. `next()` waits for the epoch it is on and
 * returns it; `release(go)` lets it go on (true: the next epoch, or after the last its test accuracy, then `done`)
 * or stops it (false); `timed()` releases it for one epoch and returns that epoch, counting the host's steal over
 * it into `stolen()`.
 * @param {Peer} p @param {"softmax"|"mlp"} model @param {number} epochs
 */
function parkedRun(p, model, epochs) {
  /** @type {(epoch: Epoch) => void} */
  let arrived = () => {};
  /** @type {(go: boolean) => void} */
  let open = () => {};
  let arrival = new Promise((r) => { arrived = r; });
  const done = p.train(model, epochs, (epoch) => new Promise((r) => { open = r; arrived(epoch); }));
  const cpu = { total: 0, steal: 0 };
  /** @returns {Promise<Epoch>} */
  const next = async () => {
    const epoch = await Promise.race([arrival, done.then(() => { throw new Error(`${p.id} ${model} ended before its last epoch`); })]);
    arrival = new Promise((r) => { arrived = r; });
    return epoch;
  };
  /** @param {boolean} go */
  const release = (go) => open(go);
  return {
    p, done, next, release,
    async timed() {
      const before = cpuTimes();
      release(true);
      const epoch = await next(), after = cpuTimes();
      if (before && after) { cpu.total += after.total - before.total; cpu.steal += after.steal - before.steal; }
      return epoch;
    },
    stolen: () => stolenShare({ total: 0, steal: 0 }, cpu),
  };
}

/** The sentences saying which checks failed (empty when all passed): of the first-epoch losses, or of the test accuracies. */
function checkFailures(checks, what) {
  const failures = [];
  for (const c of checks) {
    const band = CHECKS[c.model];
    const ref = checks.find((x) => x.peer === "wasm-1t" && x.model === c.model);
    if (what === "acc") {
      if (!(c.testAcc > band.acc)) failures.push(`${c.peer} ${c.model}: test accuracy ${c.testAcc} is not above ${band.acc}`);
      continue;
    }
    if (!(c.loss < band.loss)) failures.push(`${c.peer} ${c.model}: epoch-1 train loss ${c.loss} is not below ${band.loss}`);
    if (ref && !(Math.abs(c.loss - ref.loss) <= LOSS_BAND)) {
      failures.push(`${c.peer} ${c.model}: epoch-1 train loss ${c.loss} is more than ${LOSS_BAND} from wasm-softmax's ${ref.loss}`);
    }
  }
  return failures;
}

const ms = (x) => x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
const times = (x) => x == null ? "—" : `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;

/** The Markdown report: machine, the table (one row per implementation), the checks and what was skipped. */
function report(r, models) {
  const m = r.machine;
  const nLabel = r.peers.some((p) => p.id === "wasm-Nt") ? `${r.threads} threads` : `${r.threads} threads (none)`;
  const head = ["implementation", ...models.flatMap((model) => [`${LABEL[model]} median epoch ms`, "÷ wasm-softmax 1 thread", `÷ wasm-softmax ${nLabel}`])];
  const out = [
    "# wasm-softmax and its peers, one run", "",
    `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}. ${r.date.slice(0, 16).replace("T", " ")} UTC.`,
    `Fashion-MNIST (${r.data.train.toLocaleString("en-US")} training images), batch ${r.batchSize}, SGD lr ${r.lr}, ${r.epochs} epoch${r.epochs > 1 ? "s" : ""} ` +
      "from scratch per implementation; median wall clock (shuffle + batch loop) of epochs 2.." + r.epochs + " (the first, checked before " +
      "anything else runs, carries each one's warm-up); the timed epochs ran in turns, epoch 2 of each implementation, " +
      "then epoch 3 of each, and so on, so a slower spell of the machine falls on all of them. " +
      "÷ is the implementation's median over wasm-softmax's (above 1: wasm-softmax is faster).", "",
    `| ${head.join(" | ")} |`, `|---|${models.map(() => "--:|--:|--:|").join("")}`,
  ];
  for (const p of r.peers) {
    const cells = models.flatMap((model) => {
      const run = r.runs.find((x) => x.peer === p.id && x.model === model);
      return run ? [ms(run.medianMs), times(run.vsWasm1), times(run.vsWasmN)] : ["—", "—", "—"];
    });
    out.push(`| ${p.label} | ${cells.join(" | ")} |`);
  }
  for (const p of [...new Set(r.pureJs.map((x) => x.peer))]) {
    const cells = models.flatMap((model) => {
      const run = r.pureJs.find((x) => x.peer === p && x.model === model);
      return run ? [`${run.scaled ? "≈ " : ""}${ms(run.epochMs)}`, times(run.vsWasm1), times(run.vsWasmN)] : ["—", "—", "—"];
    });
    out.push(`| ${r.pureJs.find((x) => x.peer === p).label} | ${cells.join(" | ")} |`);
  }
  for (const s of r.skipped) out.push(`| ${s.label}: ${s.reason} | ${models.map(() => "— | — | —").join(" | ")} |`);
  if (r.pureJs.length) {
    out.push("", "≈: scaled from part of an epoch, as measured (pure-JavaScript libraries, accuracy on the first " +
      `${PURE_JS_TEST_IMAGES.toLocaleString("en-US")} test images):`, "",
      "| library | model | epoch ms | what was measured | test accuracy |", "|---|---|--:|---|--:|");
    for (const x of r.pureJs) out.push(`| ${x.peer} | ${LABEL[x.model]} | ${x.scaled ? "≈ " : ""}${ms(x.epochMs)} | ${pureJsNote(x)} | ${x.testAcc.toFixed(4)} |`);
  }
  for (const config of [...new Set(r.torchBlas.map((b) => b.config))]) {
    const b = r.torchBlas.find((x) => x.config === config);
    const reference = !/openblas|mkl|blis/i.test(b.library ?? "");
    const pinned = config === "free" ? "OpenBLAS free to pick its kernels (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)"
      : `as the environment pins it (${b.pins})`;
    out.push("", `PyTorch's BLAS, ${pinned}: ${b.api ?? ""} ${b.version ?? ""} ${b.library}, kernels: ${b.kernels ?? `unknown (${b.why})`}` +
      `${reference ? " — not OpenBLAS (the reference BLAS is about 15× slower at these matmuls): `apt-get install libopenblas0-pthread` for PyTorch's real speed" : ""}.`);
  }
  if (r.torchBlas.length) out.push("", "OMP_NUM_THREADS and OPENBLAS_NUM_THREADS are set to each PyTorch run's thread count.");
  out.push("", ...r.targets.map((t) => `- ${t.pass ? "PASS" : "FAIL"}: ${t.text}`));
  out.push("", "Checks (epoch-1 train loss, test accuracy after the last epoch), every epoch's wall clock, and the share of " +
    "CPU time the host took from this virtual machine while the timed epochs ran (steal, from /proc/stat; a stolen " +
    "vCPU stops every thread on it, and a kernel split over threads waits for the last one):", "",
    "| implementation | model | epoch-1 train loss | test acc | epochs ms | host steal |", "|---|---|--:|--:|---|--:|");
  for (const run of r.runs) {
    out.push(`| ${run.peer} | ${LABEL[run.model]} | ${run.epochs[0].loss.toFixed(4)} | ${run.testAcc.toFixed(4)} | ${run.epochs.map((e) => ms(e.ms)).join(", ")} | ${percent(run.stolen)} |`);
  }
  return out.join("\n");
}

process.exitCode = await main();
