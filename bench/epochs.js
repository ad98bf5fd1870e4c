// Whole training epochs on the real Fashion-MNIST, through the public fit: softmax regression
// (784 → 10) and the MLP 784-256-10, batch 256, SGD lr 0.1, shuffled. Before timing, one epoch per backend
// from the same weights and seed must give the TS backend's loss within 1e-3 and its trained parameters within
// 1e-4 of their largest magnitude (measured differences are ~1e-7 of it).
import {
  createRuntime, fit, Trainer, SoftmaxRegression, MLP, SGD, loadFashionMNIST, DatasetNotFoundError,
} from "../dist/internal.js";
import { CheckError, assertClose, maxAbs } from "./check.js";
import { cpuTimes, stolenShare } from "./steal.js";

/** @typedef {import("../dist/internal.js").Backend} Backend */
/** @typedef {import("../dist/internal.js").Dataset} Dataset */
/** @typedef {{ wallMs: number, firstWallMs: number, trainMs: number, loss: number, acc: number, stolen?: number | null }} EpochRun */

export const LOSS_TOLERANCE = 1e-3, PARAM_TOLERANCE = 1e-4;
const BATCH = 256, LR = 0.1, SEED = 0;

/** The bench's models, each a fresh, identically initialised instance per call. */
export const MODELS = {
  softmax: { label: "softmax regression 784→10", make: () => new SoftmaxRegression({ inputs: 784, classes: 10, seed: SEED }) },
  mlp: { label: "MLP 784-256-10 (ReLU)", make: () => new MLP({ layers: [784, 256, 10], seed: SEED }) },
};

/** Loads Fashion-MNIST without downloading; a missing copy is an Error whose message says how to get it. */
export async function loadData() {
  try {
    return await loadFashionMNIST({ download: false });
  } catch (error) {
    if (!(error instanceof DatasetNotFoundError)) throw error;
    throw new Error(`The epoch benchmarks need the real Fashion-MNIST. ${error.message}\n${error.hint ?? ""}\n` +
      "Install it with `apt-get install -y dataset-fashion-mnist` or set FASHION_MNIST_DIR; " +
      "or run `node bench/run.js --only kernels`.");
  }
}

/**
 * Two epochs of a fresh model on `backend` (one runtime per backend, side by side) through `fit`, as a training
 * run has them.
 * The figure is the second epoch: its wall clock from the first epoch's end to its own (shuffle, batches,
 * everything but the one-time copy of the dataset into kernel memory) and its own `ms` (the batch loop only).
 * The first epoch's wall clock, with that copy, is kept as `firstWallMs`; `loss` and `acc` are the first
 * epoch's, from the initial weights, so every backend's can be compared.
 * @param {Backend} backend @param {keyof typeof MODELS} model @param {Dataset} data
 * @param {boolean} [withParams] also return the trained parameters (copied after the clock stops)
 * @returns {Promise<EpochRun & { params?: Float32Array }>}
 */
export async function oneEpoch(backend, model, data, withParams = false) {
  const runtime = await runtimeFor(backend);
  const m = MODELS[model].make();
  const optimizer = new SGD({ lr: LR });
  const ends = [performance.now()];
  const history = await fit(m, data, {
    epochs: 2, batchSize: BATCH, optimizer, shuffle: true, seed: SEED, runtime,
    callbacks: [({ phase }) => { if (phase === "epoch") ends.push(performance.now()); }],
  });
  const [first, second] = history.epochs;
  return {
    wallMs: ends[2] - ends[1], firstWallMs: ends[1] - ends[0], trainMs: second.ms, loss: first.loss, acc: first.accuracy,
    ...(withParams && { params: m.getParameters() }),
  };
}

/**
 * One epoch per backend from the same weights and seed; throws a CheckError when a wasm backend's train loss
 * is more than LOSS_TOLERANCE away from the TS backend's, or a trained parameter more than PARAM_TOLERANCE ·
 * max|parameter| away.
 * @param {keyof typeof MODELS} model @param {Dataset} data
 * @param {Backend[]} backends the backends to compare with js (which always runs, first)
 * @param {(line: string) => void} log
 */
export async function checkEpoch(model, data, backends, log) {
  /** @type {Record<string, EpochRun & { params?: Float32Array }>} */
  const runs = {};
  for (const backend of /** @type {Backend[]} */ (["js", ...backends.filter((b) => b !== "js")])) {
    runs[backend] = await oneEpoch(backend, model, data, true);
    log(`  check ${model} [${backend}] on ${data.length} images: loss ${runs[backend].loss.toFixed(6)}, ` +
      `acc ${runs[backend].acc.toFixed(4)} (${runs[backend].wallMs.toFixed(0)} ms)`);
  }
  for (const backend of backends) {
    if (backend === "js") continue;
    const diff = Math.abs(runs[backend].loss - runs.js.loss);
    if (!(diff <= LOSS_TOLERANCE)) {
      throw new CheckError(`${MODELS[model].label} epoch [${backend}]`,
        `train loss ${runs[backend].loss} vs js ${runs.js.loss} (|diff| ${diff.toExponential(2)} > ${LOSS_TOLERANCE})`);
    }
    const params = /** @type {Float32Array} */ (runs[backend].params), jsParams = /** @type {Float32Array} */ (runs.js.params);
    assertClose(`${MODELS[model].label} epoch [${backend}] trained parameters`, params, jsParams,
      { atol: PARAM_TOLERANCE * maxAbs(jsParams), rtol: 0 });
  }
  return Object.fromEntries(Object.entries(runs).map(([b, r]) => [b, {
    loss: r.loss, acc: r.acc, lossDiffVsJs: r.loss - runs.js.loss,
    maxParamDiffVsJs: maxAbs(/** @type {Float32Array} */ (r.params).map((v, i) => v - /** @type {Float32Array} */ (runs.js.params)[i])),
  }]));
}

/**
 * One batch of a fresh model on `backend`: the first epoch on a fresh runtime grows its memory and copies the
 * data set in (~30 ms more wall clock), so each block of timed epochs starts with this.
 * @param {Backend} backend @param {keyof typeof MODELS} model @param {Dataset} data
 */
async function prime(backend, model, data) {
  const trainer = new Trainer(MODELS[model].make(), { batchSize: BATCH, optimizer: new SGD({ lr: LR }), runtime: await runtimeFor(backend) });
  await trainer.trainEpoch(data, { callbacks: [() => "stop"] });
  trainer.close();
}

/** @type {Map<Backend, Promise<import("../dist/internal.js").Runtime>>} */
const runtimes = new Map();

/**
 * One runtime per backend for the whole benchmark: "wasm-simd" runs one kernel thread, "wasm-simd×N" N of them.
 * @param {string} label
 */
function runtimeFor(label) {
  if (!runtimes.has(label)) {
    const [backend, threads = "1"] = label.split("×");
    runtimes.set(label, createRuntime({ backend, threads: Number(threads) }).then((rt) => {
      if (rt.backend !== backend || rt.threads !== Number(threads)) {
        throw new Error(`createRuntime({ backend: "${backend}", threads: ${threads} }) gave ${rt.backend} on ${rt.threads} (${rt.threadsReason})`);
      }
      return rt;
    }));
  }
  return /** @type {Promise<import("../dist/internal.js").Runtime>} */ (runtimes.get(label));
}

/**
 * @typedef {{ model: keyof typeof MODELS, backend: Backend, warmup: number, runs: number }} Plan
 */

/**
 * Times every plan entry's `runs` epochs (each with a fresh model), interleaved over `rounds` rounds so that a
 * burst of load from other processes hits every backend alike: each round runs a share of every entry's epochs,
 * backend by backend. An entry's first block starts with `warmup` untimed epochs.
 * @param {Plan[]} plan @param {Dataset} data @param {number} rounds @param {(line: string) => void} log
 */
export async function timeEpochs(plan, data, rounds, log) {
  /** @type {EpochRun[][]} */
  const timed = plan.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, p] of plan.entries()) {
      const n = Math.floor((p.runs * (round + 1)) / rounds) - Math.floor((p.runs * round) / rounds);
      if (n === 0) continue;
      await prime(p.backend, p.model, data);
      const warmup = timed[i].length === 0 ? p.warmup : 0;
      for (let w = 0; w < warmup; w++) await oneEpoch(p.backend, p.model, data);
      for (let k = 0; k < n; k++) {
        const before = cpuTimes(), run = await oneEpoch(p.backend, p.model, data);
        timed[i].push({ ...run, stolen: stolenShare(before, cpuTimes()) });
      }
      log(`  round ${round + 1}/${rounds} ${MODELS[p.model].label} [${p.backend}]: ${warmup ? `${warmup} warm-up + ` : ""}` +
        `${n} epoch${n > 1 ? "s" : ""}, wall ms ${timed[i].slice(-n).map((r) => r.wallMs.toFixed(0)).join(", ")}`);
    }
  }
  return plan.map((p, i) => {
    const wall = timed[i].map((r) => r.wallMs), train = timed[i].map((r) => r.trainMs);
    return {
      model: p.model, backend: p.backend, images: data.length, warmup: p.warmup, runs: p.runs,
      medianWallMs: median(wall), minWallMs: Math.min(...wall), medianFirstWallMs: median(timed[i].map((r) => r.firstWallMs)),
      medianTrainMs: median(train), minTrainMs: Math.min(...train),
      imagesPerSec: data.length / (median(wall) / 1000),
      // The host's share of CPU time over this entry's fits (both epochs of each; see steal.js), null off Linux.
      stolen: timed[i].every((r) => r.stolen != null) ? median(timed[i].map((r) => /** @type {number} */ (r.stolen))) : null,
      loss: timed[i][0].loss, acc: timed[i][0].acc,
      samples: timed[i],
      /** @type {number | null} */ speedupVsJs: null,
      /** @type {number | null} */ trainSpeedupVsJs: null,
    };
  });
}

/** @param {number[]} v */
export function median(v) {
  const s = [...v].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * A user's own epoch loop against fit: 10 `Trainer.trainEpoch` calls and a 10-epoch `fit`, wasm-simd softmax
 * regression, same seed. Both copy the data set into kernel memory once, so the times should agree; the weights
 * must be the same bits (checked before the times count).
 * @param {Dataset} data
 */
export async function trainerVsFit(data) {
  const runtime = await runtimeFor("wasm-simd");
  const options = () => ({ batchSize: BATCH, optimizer: new SGD({ lr: LR }) });
  const viaFit = MODELS.softmax.make(), viaTrainer = MODELS.softmax.make();
  const t0 = performance.now();
  await fit(viaFit, data, { ...options(), epochs: 10, seed: SEED, runtime });
  const fitMs = performance.now() - t0;
  const t1 = performance.now();
  const idle = runtime.bytesInUse;
  const trainer = new Trainer(viaTrainer, { ...options(), runtime });
  let heldBytes = 0;
  for (let epoch = 1; epoch <= 10; epoch++) {
    await trainer.trainEpoch(data, { epoch, seed: SEED });
    // What the Trainer holds (the data set among it) is set by the first epoch; a later copy would show here.
    if (epoch === 1) heldBytes = runtime.bytesInUse - idle;
    else if (runtime.bytesInUse - idle !== heldBytes) throw new CheckError("10 × Trainer.trainEpoch", "kernel memory grew after the first epoch");
  }
  const trainerMs = performance.now() - t1;
  trainer.close();
  const a = viaFit.getParameters(), b = viaTrainer.getParameters();
  if (a.some((v, i) => !Object.is(v, b[i]))) throw new CheckError("10 × Trainer.trainEpoch", "weights differ from a 10-epoch fit");
  return { fitMs, trainerMs, heldBytes };
}
