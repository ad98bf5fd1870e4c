// The arithmetic of bench/peers.js that decides what its table claims: the environment each PyTorch configuration
// runs in, the scaling of a pure-JavaScript library's partial epoch, and the target lines (issue 21, "Targets"),
// each against the fastest PyTorch configuration measured in the same run.

/** The variables with which the machine's environment pins OpenBLAS to one kernel family and cache size. */
export const OPENBLAS_PINS = /** @type {const} */ (["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]);

/**
 * The PyTorch configurations to run: OpenBLAS free to pick its kernels (both pins unset, as a user's machine
 * has it), and, when the environment sets a pin, the environment as given, as an extra row.
 * @param {Record<string, string | undefined>} env
 * @returns {{ id: "free" | "pinned", env: Record<string, string | undefined>, pins: string }[]}
 */
export function openblasConfigurations(env) {
  const free = { ...env };
  for (const name of OPENBLAS_PINS) delete free[name];
  const pins = OPENBLAS_PINS.filter((name) => env[name] !== undefined).map((name) => `${name}=${env[name]}`).join(", ");
  return [{ id: "free", env: free, pins: "" }, ...(pins ? [{ id: "pinned", env: { ...env }, pins }] : [])];
}

/**
 * An epoch's time from a measured part of it: the time per example times the examples of an epoch. `share` says
 * how much was measured (1 when the whole epoch ran, which is then not scaled).
 * @param {{ ms: number, examples: number, epochExamples: number }} measured
 * @returns {{ epochMs: number, share: number, scaled: boolean }}
 */
export function scaleToEpoch({ ms, examples, epochExamples }) {
  if (!(examples > 0) || !(epochExamples > 0)) throw new Error(`scaleToEpoch: expected examples > 0, got ${examples} of ${epochExamples}`);
  const share = Math.min(1, examples / epochExamples);
  return { epochMs: share === 1 ? ms : (ms / examples) * epochExamples, share, scaled: share < 1 };
}

/** The targets of issue 21, as ratios of medians measured in one run. */
export const TARGETS = { softmaxVsTorch: 3, mlpVsTorch: 1.0, mlpVsTorchAim: 1.2, mlpThreads: 1.7, tfjsFitSlower: 40 };

const times = (/** @type {number} */ x) => `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;

/**
 * The fastest of the runs whose peer id starts with "torch-" for `model` (lowest median epoch), or undefined.
 * @template {{ peer: string, model: string, medianMs: number }} R
 * @param {R[]} runs @param {string} model
 * @returns {R | undefined}
 */
export function fastestTorch(runs, model) {
  return runs.filter((x) => x.peer.startsWith("torch-") && x.model === model && Number.isFinite(x.medianMs))
    .reduce((/** @type {R | undefined} */ a, b) => (a === undefined || b.medianMs < a.medianMs ? b : a), undefined);
}

/**
 * The target lines, PASS or FAIL, for the runs that exist: wasm-softmax on N threads (peer "wasm-Nt") against
 * PyTorch's fastest configuration per model, the MLP on N threads against 1 ("wasm-1t"), and TensorFlow.js's
 * model.fit ("tfjs-fit") against wasm-softmax on N threads. A target whose runs are missing is left out.
 * @param {{ peer: string, model: string, medianMs: number }[]} runs @param {number} threads
 * @returns {{ pass: boolean, text: string }[]}
 */
export function targetLines(runs, threads) {
  const run = (/** @type {string} */ peer, /** @type {string} */ model) => runs.find((x) => x.peer === peer && x.model === model);
  const lines = [];
  /** @param {string} model @param {number} factor @param {string} what @param {string} [aim] */
  const vsTorch = (model, factor, what, aim = "") => {
    const mine = run("wasm-Nt", model), best = fastestTorch(runs, model);
    if (!mine || !best) return;
    const ratio = best.medianMs / mine.medianMs;
    lines.push({ pass: ratio >= factor,
      text: `${what} on ${threads} threads ≥ ${factor.toFixed(1)}× ${aim}as fast as PyTorch's fastest configuration in this run (${best.peer}): ${times(ratio)}` });
  };
  vsTorch("softmax", TARGETS.softmaxVsTorch, "softmax regression");
  vsTorch("mlp", TARGETS.mlpVsTorch, "MLP 784-256-10", `(aim ${TARGETS.mlpVsTorchAim.toFixed(1)}×) `);
  const one = run("wasm-1t", "mlp"), many = run("wasm-Nt", "mlp");
  if (one && many) {
    const ratio = one.medianMs / many.medianMs;
    lines.push({ pass: ratio >= TARGETS.mlpThreads, text: `MLP 784-256-10 on ${threads} threads ≥ ${TARGETS.mlpThreads}× faster than on 1: ${times(ratio)}` });
  }
  const tf = run("tfjs-fit", "softmax"), mine = run("wasm-Nt", "softmax");
  if (tf && mine) {
    const ratio = tf.medianMs / mine.medianMs;
    lines.push({ pass: ratio >= TARGETS.tfjsFitSlower,
      text: `TensorFlow.js \`model.fit\` (softmax regression) ≥ ${TARGETS.tfjsFitSlower}× slower than wasm-softmax on ${threads} threads: ${times(ratio)}` });
  }
  return lines;
}
