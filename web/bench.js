// The benchmark page: the package's kernels and one training epoch, in this browser, on the three runtimes
// (wasm-simd, wasm, js) side by side. Each case runs once on the same generated inputs in every runtime and is
// compared with the js result first; only when every comparison passes is anything timed and shown.
// It imports only the package's public browser entry, and the data makers and allclose the tests and bench/ use
// (bench/shared/, served under ./shared/).
import { createRuntime, autoBackend, simdSupported, kernels, Dataset, SoftmaxRegression, SGD, Trainer } from "./dist/index.js";
import { firstMismatch, maxAbsDiff } from "./shared/allclose.js";
import { bandedImages, BANDED_ROWS, BANDED_COLS } from "./shared/banded.js";
import { SeededRandom } from "./shared/random.js";

const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";
const ui = {
  env: $("env"), run: $("run"), copy: $("copy"), status: $("status"), progress: $("progress-bar"),
  chart: $("chart"), rows: $("results").tBodies[0], json: $("json"),
};

/** The js kernels are the reference, so they run first. */
const BACKENDS = ["js", "wasm", "wasm-simd"];
const SHOWN = ["wasm-simd", "wasm", "js"];
const COLORS = { "wasm-simd": "#1f6feb", wasm: "#8b5cf6", js: "#9aa3b2" };
const B = 256, PIXELS = 784, CLASSES = 10, HIDDEN = 256, EPOCH_EXAMPLES = 8192;
// For the test of the refusal: ?fault=wasm makes that runtime's results wrong, so its checks must fail.
const FAULT = new URLSearchParams(location.search).get("fault");

const environment = {
  userAgent: navigator.userAgent,
  hardwareConcurrency: navigator.hardwareConcurrency ?? null,
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  simd: simdSupported(),
  autoBackend: autoBackend(),
};

function showEnvironment() {
  const rows = [
    ["Browser", environment.userAgent],
    ["Logical cores", environment.hardwareConcurrency ?? "not reported"],
    ["WebAssembly SIMD", environment.simd ? "yes" : "no (the wasm-simd runtime is skipped)"],
    ["Threads", environment.crossOriginIsolated
      ? "the page is cross-origin isolated, but the package's kernels are single-threaded: nothing to compare"
      : "not measured: the page is not cross-origin isolated (no SharedArrayBuffer)"],
  ];
  ui.env.replaceChildren(...rows.flatMap(([k, v]) => [
    Object.assign(document.createElement("dt"), { textContent: k }),
    Object.assign(document.createElement("dd"), { textContent: String(v) }),
  ]));
}

/** The banded Fashion-MNIST look-alike, `n` examples: one linear layer learns it, so an epoch is real work. */
function generatedDataset(n) {
  const { images, labels } = bandedImages(n);
  return Dataset.fromArrays(images, Int32Array.from(labels), { features: PIXELS, classes: CLASSES, imageShape: [BANDED_ROWS, BANDED_COLS] });
}

// ---------------------------------------------------------------------------------------------------------------
// The cases. `prepare(runtime)` returns `run()` (what is timed, returning what is checked) and `close()`.

/** The one allclose, as the table shows it: { ok, maxDiff, at } (at: the first bad index, -1 when all agree). */
function compare(actual, expected, atol, rtol) {
  const m = firstMismatch(actual, expected, { atol, rtol });
  if (m === null) return { ok: true, maxDiff: maxAbsDiff(actual, expected), at: -1 };
  return { ok: false, maxDiff: Number.isFinite(m.maxDiff) ? m.maxDiff : String(m.maxDiff), at: m.index };
}

function matmulCase(n) {
  const rng = new SeededRandom(11 + n);
  const a = rng.f32(B * PIXELS, 0, 1), b = rng.f32(PIXELS * n, -0.1, 0.1);
  return {
    name: `matmul ${B}×${PIXELS}→${n}`, kind: "kernel", flops: 2 * B * PIXELS * n,
    prepare(runtime) {
      const out = new Float32Array(B * n);
      return { run: () => kernels.matmul(a, b, B, PIXELS, n, out, { runtime }), close() {} };
    },
    // A dot product of 784 terms: f32 rounding grows with its length and the size of its terms.
    check: (actual, expected) => compare(actual, expected, 1e-5 * Math.sqrt(PIXELS), 1e-4),
  };
}

function crossEntropyCase() {
  const rng = new SeededRandom(5);
  const logits = rng.f32(B * CLASSES, -4, 4), labels = rng.i32(B, CLASSES);
  return {
    name: `softmax cross-entropy ${B}×${CLASSES}`, kind: "kernel", flops: null,
    prepare(runtime) {
      return {
        run: () => {
          const { loss, grad } = kernels.softmaxCrossEntropy(logits, labels, B, CLASSES, { runtime });
          const both = new Float32Array(grad.length + 1);
          both[0] = loss;
          both.set(grad, 1);
          return both;
        },
        close() {},
      };
    },
    check: (actual, expected) => compare(actual, expected, 1e-6, 1e-5),
  };
}

function epochCase(data) {
  return {
    name: `softmax-regression epoch (${EPOCH_EXAMPLES.toLocaleString("en-US")} examples, batch ${B})`, kind: "epoch",
    flops: null, timedRuns: 3,
    prepare(runtime) {
      const model = new SoftmaxRegression({ inputs: PIXELS, classes: CLASSES, seed: 0 });
      const trainer = new Trainer(model, { runtime, batchSize: B, optimizer: new SGD({ lr: 0.1 }) });
      let epoch = 0;
      return {
        // The first (checked) epoch also copies the data into kernel memory; the timed ones find it there.
        run: async () => {
          const { loss } = await trainer.trainEpoch(data, { epoch: ++epoch, seed: 0 });
          const params = model.getParameters();
          const both = new Float32Array(params.length + 1);
          both[0] = loss;
          both.set(params, 1);
          return both;
        },
        close: () => trainer.close(),
      };
    },
    // 32 steps of SGD from the same start: the runtimes' sums differ in their last bits, and those differences grow.
    check: (actual, expected) => compare(actual, expected, 1e-3, 1e-3),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running

const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

// Browsers coarsen performance.now() (to 100 µs without cross-origin isolation), so a fast kernel is timed over
// a batch of calls long enough to measure: `reps` calls per sample, doubled until a sample takes ≥ 10 ms.
async function timeRuns(run, { minSamples = 5, maxSamples = 25, budgetMs = 600, fixed } = {}) {
  const call = async (reps) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const result = run();
      if (result instanceof Promise) await result;
    }
    return performance.now() - t0;
  };
  let reps = 1;
  if (!fixed) while (reps < 1 << 16 && (await call(reps)) < 10) reps *= 2;
  const times = [];
  const started = performance.now();
  while (fixed ? times.length < fixed
    : times.length < minSamples || (times.length < maxSamples && performance.now() - started < budgetMs)) {
    times.push((await call(reps)) / reps);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs: median, minMs: sorted[0], runs: times.length * reps };
}

function setStatus(text, kind = "") {
  ui.status.textContent = text;
  ui.status.className = kind;
}

async function runBenchmark() {
  document.body.dataset.state = "running";
  ui.run.disabled = true;
  ui.copy.disabled = true;
  ui.rows.replaceChildren();
  ui.chart.innerHTML = '<p class="muted">Drawn when the benchmark ends.</p>';
  ui.json.value = "";
  const backends = BACKENDS.filter((b) => b !== "wasm-simd" || environment.simd);
  setStatus("Generating the inputs…");
  await pause();
  const cases = [matmulCase(CLASSES), matmulCase(HIDDEN), crossEntropyCase(), epochCase(generatedDataset(EPOCH_EXAMPLES))];
  const runtimes = {};
  const prepared = cases.map(() => ({}));
  try {
    for (const backend of backends) runtimes[backend] = await createRuntime({ backend });
    const steps = cases.length * backends.length * 2;
    let done = 0;
    const progress = () => { ui.progress.style.width = `${(++done / steps) * 100}%`; };

    // 1. Checks: every runtime against the js result, before anything is timed.
    const results = cases.map(() => ({}));
    const failures = [];
    for (const [c, kase] of cases.entries()) {
      let reference;
      for (const backend of backends) {
        setStatus(`Checking ${kase.name} on ${backend}…`);
        await pause();
        const p = kase.prepare(runtimes[backend]);
        prepared[c][backend] = p;
        const output = Float32Array.from(await p.run());
        if (FAULT === backend) output[0] += 1;
        if (backend === "js") reference = output;
        const check = backend === "js" ? { ok: true, maxDiff: 0, at: -1, reference: true } : kase.check(output, reference);
        results[c][backend] = { check };
        if (!check.ok) failures.push(`${kase.name} on ${backend}: differs from js by ${check.maxDiff} at index ${check.at}`);
        progress();
      }
    }
    if (failures.length) {
      for (const [c, kase] of cases.entries()) addRows(kase, results[c], backends, false);
      document.body.dataset.state = "check-failed";
      setStatus(`Check failed, so no timings are shown: ${failures.join("; ")}.`, "error");
      ui.chart.innerHTML = '<p class="error-text">No chart: a runtime gave a wrong result (see the table).</p>';
      return;
    }

    // 2. Timings, each case on each runtime in turn.
    for (const [c, kase] of cases.entries()) {
      for (const backend of backends) {
        setStatus(`Timing ${kase.name} on ${backend}…`);
        await pause();
        Object.assign(results[c][backend], await timeRuns(prepared[c][backend].run, kase.timedRuns ? { fixed: kase.timedRuns } : {}));
        progress();
      }
      const js = results[c].js.medianMs;
      for (const backend of backends) results[c][backend].speedup = js / results[c][backend].medianMs;
      addRows(kase, results[c], backends, true);
    }
    const report = {
      package: "wasm-softmax",
      date: new Date().toISOString(),
      environment,
      backends,
      notes: "kernel timings include copying the inputs into kernel memory (the public kernels API); speedup = js median / median",
      cases: cases.map((kase, c) => ({
        name: kase.name, kind: kase.kind, ...(kase.flops && { flops: kase.flops }),
        results: Object.fromEntries(backends.map((b) => {
          const r = results[c][b];
          return [b, {
            check: { ok: r.check.ok, maxDiff: r.check.maxDiff }, medianMs: round(r.medianMs), minMs: round(r.minMs), runs: r.runs,
            speedup: round(r.speedup, 2), ...(kase.flops && { gflops: round(kase.flops / r.medianMs / 1e6, 2) }),
          }];
        })),
      })),
    };
    ui.json.value = JSON.stringify(report, null, 2);
    ui.copy.disabled = false;
    drawChart(report);
    document.body.dataset.state = "done";
    const simd = report.cases.find((r) => r.kind === "epoch")?.results[backends.at(-1)];
    setStatus(`Done: every result matched the js kernels. One epoch: ${simd ? `${round(simd.speedup, 1)}× faster with ${backends.at(-1)}` : ""} than js.`);
  } catch (error) {
    document.body.dataset.state = "error";
    setStatus(`The benchmark failed: ${error?.message ?? error}`, "error");
  } finally {
    for (const p of prepared.flatMap((byBackend) => Object.values(byBackend))) p.close();
    for (const runtime of Object.values(runtimes)) runtime.close();
    ui.run.disabled = false;
  }
}

function round(x, digits = 3) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const ms = (x) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(0)} µs`);

function addRows(kase, results, backends, timed) {
  for (const backend of [...backends].reverse()) {
    const r = results[backend];
    const tr = ui.rows.insertRow();
    tr.dataset.backend = backend;
    const check = r.check.reference ? "reference" : r.check.ok ? `ok (max diff ${Number(r.check.maxDiff).toExponential(1)})` : `FAILED (diff ${r.check.maxDiff} at ${r.check.at})`;
    const cells = [kase.name, backend, check, timed ? ms(r.medianMs) : "—", timed ? ms(r.minMs) : "—", timed ? String(r.runs) : "—",
      timed ? `${r.speedup.toFixed(1)}×` : "—"];
    for (const text of cells) tr.insertCell().textContent = text;
    if (!r.check.ok) tr.classList.add("failed");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The chart: one group of bars per case, a bar per runtime, its length the speed-up over js.

function svgEl(name, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawChart(report) {
  const W = 640, bar = 16, gap = 4, groupGap = 34, left = 96, right = 70, top = 10;
  const backends = SHOWN.filter((b) => report.backends.includes(b));
  const groupH = backends.length * (bar + gap) - gap;
  const H = top + report.cases.length * (groupH + groupGap) + 6;
  const max = Math.max(...report.cases.flatMap((c) => backends.map((b) => c.results[b].speedup)), 1);
  const x = (v) => left + (v / max) * (W - left - right);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "bench-chart",
    "aria-label": `Speed-up over JavaScript in ${report.environment.userAgent}` });
  report.cases.forEach((c, k) => {
    const y0 = top + k * (groupH + groupGap) + 18;
    svg.append(svgEl("text", { x: 0, y: y0 - 6, class: "case" }, c.name));
    backends.forEach((b, i) => {
      const r = c.results[b], y = y0 + i * (bar + gap);
      svg.append(
        svgEl("text", { x: left - 8, y: y + bar - 4, "text-anchor": "end", class: "runtime" }, b),
        svgEl("rect", { x: left, y, width: Math.max(1, x(r.speedup) - left), height: bar, rx: 2, fill: COLORS[b],
          "data-backend": b, "data-case": c.name, "data-speedup": r.speedup, class: "bar" }),
        svgEl("text", { x: x(r.speedup) + 6, y: y + bar - 4, class: "value" }, `${r.speedup.toFixed(1)}×`),
      );
    });
  });
  // 1× (the js bar's end) as a reference line.
  svg.append(svgEl("line", { x1: x(1), x2: x(1), y1: top, y2: H - 4, class: "one" }));
  const caption = document.createElement("p");
  caption.className = "muted chart-caption";
  caption.textContent = `${report.environment.userAgent} · ${report.environment.hardwareConcurrency ?? "?"} logical cores · ${report.date}`;
  ui.chart.replaceChildren(svg, caption);
}

async function copyJSON() {
  try {
    await navigator.clipboard.writeText(ui.json.value);
    setStatus("Copied the results to the clipboard.");
  } catch {
    // Without clipboard permission (or outside a secure context): select the text for Ctrl+C.
    ui.json.focus();
    ui.json.select();
    setStatus("Select-all done: press Ctrl+C (or ⌘C) to copy the JSON.");
  }
}

showEnvironment();
ui.run.addEventListener("click", () => void runBenchmark());
ui.copy.addEventListener("click", () => void copyJSON());
if (new URLSearchParams(location.search).has("run")) void runBenchmark();
