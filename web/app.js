// The demo page (main thread): controls, learning curves, image grid and confusion matrix. Training runs in
// ./worker.js; this thread only draws what the worker reports, so it never blocks.
import { autoBackend, FASHION_MNIST_CLASSES } from "./dist/index.js";

const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";

const ui = {
  dataStatus: $("data-status"), files: $("files"), fileHint: $("file-hint"), fileLabel: $("file-label"),
  form: $("settings"), backend: $("backend"), model: $("model"), epochs: $("epochs"), batchSize: $("batch-size"), lr: $("lr"),
  start: $("start"), stop: $("stop"),
  backendActive: $("backend-active"), epoch: $("epoch"), epochTime: $("epoch-time"),
  trainLoss: $("train-loss"), trainAccuracy: $("train-acc"), testAccuracy: $("test-acc"),
  status: $("status"), progress: $("progress-bar"),
  curves: $("curves"), epochRows: $("epoch-table").tBodies[0], grid: $("grid"), confusion: $("confusion"),
};

const SERIES = [
  { key: "loss", name: "train loss", color: "#1f77b4", dash: "" },
  { key: "accuracy", name: "train acc", color: "#c026d3", dash: "7 4" },
  { key: "valAccuracy", name: "test acc", color: "#2ca02c", dash: "9 3 2 3" },
];

const state = {
  loaded: false,
  training: false,
  classNames: FASHION_MNIST_CLASSES,
  grid: undefined, // { images, labels, imageShape }
  run: undefined, // { epochs, history: [], live: { x, loss, accuracy } | undefined, backend }
};

const auto = autoBackend();
ui.backend.options[0].textContent = `auto (${auto} here)`;
if (auto !== "wasm-simd") {
  const simd = [...ui.backend.options].find((o) => o.value === "wasm-simd");
  simd.disabled = true;
  simd.textContent += " (not supported here)";
}

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
worker.onmessage = (event) => handle(event.data);
worker.onerror = (event) => fail(`The training worker failed to start: ${event.message || "see the console"}. ` +
  "Module workers need a current browser (Chrome 80+, Firefox 114+, Safari 15+).");

function setState(name) {
  document.body.dataset.state = name;
}

function setStatus(text, kind = "") {
  ui.status.textContent = text;
  ui.status.className = kind;
}

function setProgress(fraction) {
  ui.progress.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
}

function fail(message) {
  state.training = false;
  setState("error");
  setStatus(message, "error");
  setControls();
}

function setControls() {
  ui.start.disabled = !state.loaded || state.training;
  ui.stop.disabled = !state.training;
  for (const el of [ui.backend, ui.model, ui.epochs, ui.batchSize, ui.lr]) el.disabled = state.training;
  ui.files.disabled = state.training;
  ui.fileLabel.classList.toggle("disabled", state.training);
}

const fmt = (v, digits = 4) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—");
const seconds = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const thousands = (n) => n.toLocaleString("en-US").replace(/,/g, "\u202f");

// ---------------------------------------------------------------------------------------------------------------
// Worker messages

function handle(m) {
  switch (m.type) {
    case "loading":
      setState("loading");
      ui.dataStatus.textContent = m.text;
      setStatus(m.text);
      break;
    case "loaded": {
      state.loaded = true;
      state.classNames = m.classNames;
      state.grid = { images: m.images, labels: m.labels, imageShape: m.imageShape };
      ui.dataStatus.innerHTML = "";
      ui.dataStatus.append(
        Object.assign(document.createElement("strong"), { textContent: "Fashion-MNIST loaded: " }),
        `${thousands(m.train)} training and ${thousands(m.test)} test images` +
          ` (${m.verified ? "checksums verified, " : ""}${seconds(m.ms)}).`,
      );
      ui.fileHint.hidden = true;
      drawGrid();
      setState("ready");
      setStatus("Ready: choose the settings and press Start.");
      setControls();
      if (!state.run) drawCurves();
      break;
    }
    case "started":
      state.run.backend = m.threads > 1 ? `${m.backend} ×${m.threads}` : m.backend;
      ui.backendActive.textContent = state.run.backend;
      ui.backendActive.title = `${m.parameters.toLocaleString("en-US")} parameters; ` +
        (m.threads > 1 ? `${m.threads} kernel threads` : `one kernel thread${m.threadsReason ? `: ${m.threadsReason}` : ""}`);
      setStatus(`Training ${m.model === "mlp" ? "the MLP" : "softmax regression"} (${thousands(m.parameters)} parameters) with ${state.run.backend}…`);
      break;
    case "batch": {
      const run = state.run;
      run.live = { epoch: m.epoch, batch: m.batch, batches: m.batches, x: m.epoch - 1 + m.batch / m.batches, loss: m.loss, accuracy: m.accuracy };
      ui.epoch.textContent = `${m.epoch} / ${m.epochs}`;
      ui.trainLoss.textContent = fmt(m.loss);
      ui.trainAccuracy.textContent = fmt(m.accuracy);
      setProgress((m.epoch - 1 + m.batch / m.batches) / m.epochs);
      setStatus(`Epoch ${m.epoch}/${m.epochs}: batch ${m.batch}/${m.batches} · ${run.backend ?? ""}`);
      scheduleCurves();
      break;
    }
    case "epoch": {
      const run = state.run;
      run.history.push(m);
      run.live = undefined;
      ui.epoch.textContent = `${m.epoch} / ${m.epochs}`;
      ui.epochTime.textContent = seconds(m.ms);
      ui.epochTime.title = `training ${seconds(m.ms)}; with the test evaluation ${seconds(m.wallMs)}`;
      ui.trainLoss.textContent = fmt(m.loss);
      ui.trainAccuracy.textContent = fmt(m.accuracy);
      ui.testAccuracy.textContent = fmt(m.valAccuracy);
      setProgress(m.epoch / m.epochs);
      setStatus(`Epoch ${m.epoch}/${m.epochs} in ${seconds(m.ms)} (training; ${seconds(m.wallMs)} with the test pass) · ` +
        `backend ${run.backend} · test acc ${fmt(m.valAccuracy)}`);
      addEpochRow(m);
      drawGrid(m.predictions);
      scheduleCurves();
      break;
    }
    case "done": {
      state.training = false;
      const run = state.run;
      const epochs = run.history.length;
      // Stopped inside an epoch: the running figures and the cursor stay drawn, marked as partial, instead of
      // the chart falling back to what the last whole epoch showed (or to nothing during epoch 1).
      const partial = m.stopped !== "completed" ? run.live : undefined;
      if (partial) run.live = { ...partial, stopped: true };
      else run.live = undefined;
      drawCurves();
      const mean = epochs ? run.history.reduce((s, e) => s + e.ms, 0) / epochs : 0;
      const how = m.stopped === "completed" ? "Done" : "Stopped";
      const during = partial
        ? ` during epoch ${partial.epoch} (batch ${partial.batch}/${partial.batches}: train loss ${fmt(partial.loss)}, train acc ${fmt(partial.accuracy)} so far)`
        : "";
      setStatus(epochs
        ? `${how}${during}: ${epochs} ${partial ? "whole " : ""}epoch${epochs === 1 ? "" : "s"} in ${seconds(m.ms)} (${seconds(mean)} per epoch of training) · ` +
          `backend ${state.run?.backend ?? m.backend} · test accuracy ${fmt(m.accuracy)}`
        : `${how}${during || " before the first batch"}; no epoch finished, so there is no test accuracy yet.`);
      if (m.confusion) drawConfusion(m.confusion, m.perClass, m.accuracy);
      else ui.confusion.innerHTML = '<p class="muted">No epoch finished: nothing to draw.</p>';
      setProgress(partial ? (partial.x) / run.epochs : epochs / run.epochs);
      setState(m.stopped === "completed" ? "done" : "stopped");
      setControls();
      break;
    }
    case "error":
      fail(`${m.name === "Error" ? "" : `${m.name}: `}${m.message}`);
      if (!state.loaded) {
        ui.dataStatus.textContent = "Fashion-MNIST is not loaded.";
        ui.fileHint.hidden = false;
      }
      break;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Data: from the demo server when it has the files, else from the user's files

async function start() {
  setControls();
  let info = { data: false };
  try {
    const response = await fetch(new URL("./api/info", location.href));
    if (response.ok) info = await response.json();
  } catch { /* a static host without the API: ask for files */ }
  if (info.data) {
    worker.postMessage({ type: "load", source: "server" });
  } else {
    setState("need-files");
    ui.dataStatus.textContent = "The demo server has no copy of Fashion-MNIST: please pick the four files.";
    ui.fileHint.hidden = false;
    setStatus("Waiting for the Fashion-MNIST files.");
    state.needFiles = true;
    drawCurves();
  }
}

const FILE_KEYS = [
  ["trainImages", /train-images/i, "train-images-idx3-ubyte.gz"], ["trainLabels", /train-labels/i, "train-labels-idx1-ubyte.gz"],
  ["testImages", /(t10k|test)-images/i, "t10k-images-idx3-ubyte.gz"], ["testLabels", /(t10k|test)-labels/i, "t10k-labels-idx1-ubyte.gz"],
];

function useFiles(list) {
  const files = {};
  for (const file of list) {
    const match = FILE_KEYS.find(([, re]) => re.test(file.name));
    if (match) files[match[0]] = file;
  }
  const missing = FILE_KEYS.filter(([key]) => !files[key]).map(([, , name]) => name);
  if (missing.length) {
    ui.fileHint.hidden = false;
    setStatus(`Missing ${missing.join(", ")}: select all four files at once.`, "error");
    return;
  }
  state.loaded = false;
  setControls();
  worker.postMessage({ type: "load", source: "files", files });
}

ui.files.addEventListener("change", () => {
  if (ui.files.files?.length) useFiles(ui.files.files);
  ui.files.value = "";
});
document.addEventListener("dragover", (e) => { e.preventDefault(); });
document.addEventListener("drop", (e) => {
  e.preventDefault();
  if (!state.training && e.dataTransfer?.files.length) useFiles(e.dataTransfer.files);
});

// ---------------------------------------------------------------------------------------------------------------
// Training

// The browser's own checks (required, min, step) cover epochs and batch size; a learning rate must be > 0,
// which `min` cannot say (it is inclusive), so it gets its own message.
function checkLearningRate() {
  const lr = ui.lr.valueAsNumber;
  ui.lr.setCustomValidity(Number.isFinite(lr) && lr <= 0 ? "The learning rate must be greater than 0 (try 0.1)." : "");
}
ui.lr.addEventListener("input", checkLearningRate);

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  checkLearningRate();
  if (!ui.form.reportValidity() || !state.loaded || state.training) return;
  const options = {
    type: "train",
    backend: ui.backend.value,
    model: ui.model.value,
    epochs: Number(ui.epochs.value),
    batchSize: Number(ui.batchSize.value),
    lr: Number(ui.lr.value),
    seed: 0,
  };
  state.training = true;
  state.run = { epochs: options.epochs, history: [], live: undefined, backend: undefined };
  ui.epochRows.replaceChildren();
  ui.confusion.innerHTML = '<p class="muted">Drawn when training ends.</p>';
  for (const el of [ui.epochTime, ui.trainLoss, ui.trainAccuracy, ui.testAccuracy]) el.textContent = "—";
  ui.epoch.textContent = `0 / ${options.epochs}`;
  ui.backendActive.textContent = "…";
  setProgress(0);
  drawGrid();
  drawCurves();
  setState("training");
  setStatus("Starting the kernels…");
  setControls();
  worker.postMessage(options);
});

ui.stop.addEventListener("click", () => {
  worker.postMessage({ type: "stop" });
  ui.stop.disabled = true;
  setStatus("Stopping after this batch…");
});

function addEpochRow(e) {
  const tr = document.createElement("tr");
  for (const text of [String(e.epoch), fmt(e.loss), fmt(e.accuracy), fmt(e.valLoss), fmt(e.valAccuracy), (e.ms / 1000).toFixed(2)]) {
    tr.append(Object.assign(document.createElement("td"), { textContent: text }));
  }
  ui.epochRows.append(tr);
  tr.scrollIntoView({ block: "nearest" });
}

// ---------------------------------------------------------------------------------------------------------------
// Learning curves (inline SVG): train loss, train acc and test acc per epoch, as d2l's Animator draws them,
// on an x axis fixed to the run's epochs, with a cursor and running values inside the current epoch.

let curvesQueued = false;
function scheduleCurves() {
  if (curvesQueued) return;
  curvesQueued = true;
  requestAnimationFrame(() => {
    curvesQueued = false;
    drawCurves();
  });
}

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawCurves() {
  const W = 640, H = 340, m = { left: 46, right: 18, top: 38, bottom: 40 };
  const w = W - m.left - m.right, h = H - m.top - m.bottom;
  const run = state.run;
  const epochs = run?.epochs ?? (Number(ui.epochs.value) || 10);
  const history = run?.history ?? [];
  const live = run?.live;

  const values = history.flatMap((e) => SERIES.map((s) => e[s.key])).concat(live ? [live.loss, live.accuracy] : [])
    .filter((v) => typeof v === "number" && Number.isFinite(v));
  let lo = values.length ? Math.floor(Math.min(...values) * 10) / 10 - 0.1 : 0.3;
  let hi = values.length ? Math.ceil(Math.max(...values) * 10) / 10 : 0.9;
  lo = Math.max(0, lo);
  if (hi - lo < 0.4) lo = Math.max(0, hi - 0.4);
  if (hi - lo < 0.4) hi = lo + 0.4;
  const step = hi - lo > 2 ? 0.5 : hi - lo > 1 ? 0.2 : 0.1;

  const x = (epoch) => m.left + (epoch / Math.max(1, epochs)) * w;
  const y = (v) => m.top + h - ((v - lo) / (hi - lo)) * h;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Learning curves", class: "curves" });

  // Grid and axes.
  for (let v = lo, i = 0; v <= hi + 1e-9; v = lo + ++i * step) {
    svg.append(el("line", { x1: m.left, x2: m.left + w, y1: y(v), y2: y(v), class: "gridline" }),
      el("text", { x: m.left - 8, y: y(v) + 4, "text-anchor": "end", class: "tick" }, v.toFixed(1)));
  }
  const xStep = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 0; e <= epochs; e += xStep) {
    svg.append(el("line", { x1: x(e), x2: x(e), y1: m.top + h, y2: m.top + h + 5, class: "axis" }),
      el("text", { x: x(e), y: m.top + h + 19, "text-anchor": "middle", class: "tick" }, String(e)));
  }
  svg.append(el("rect", { x: m.left, y: m.top, width: w, height: h, class: "frame" }),
    el("text", { x: m.left + w / 2, y: H - 4, "text-anchor": "middle", class: "axis-label" }, "epoch"));

  // Cursor inside the running epoch.
  if (live?.stopped) {
    svg.append(el("text", { x: x(live.x) - 6, y: m.top + 14, "text-anchor": "end", class: "stopped-note" }, "stopped here"));
  }
  if (live) {
    svg.append(el("rect", { x: x(live.epoch - 1), y: m.top, width: Math.max(0, x(live.x) - x(live.epoch - 1)), height: h, class: "epoch-band" }),
    el("line", { x1: x(live.x), x2: x(live.x), y1: m.top, y2: m.top + h, class: "cursor" }));
  }

  // Series, with the legend above the plot so it never hides a curve.
  let counted = Infinity;
  SERIES.forEach((s, k) => {
    const points = history.filter((e) => Number.isFinite(e[s.key])).map((e) => [x(e.epoch), y(e[s.key])]);
    counted = Math.min(counted, points.length);
    const g = el("g", { class: "series", "data-series": s.name.replace(" ", "-"), "data-points": points.length });
    if (points.length > 1) {
      g.append(el("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none", stroke: s.color,
        "stroke-width": 2.2, "stroke-dasharray": s.dash, "stroke-linejoin": "round" }));
    }
    for (const [px, py] of points) g.append(el("circle", { cx: px, cy: py, r: 3.5, fill: s.color, class: "point" }));
    if (live && live[s.key] !== undefined) {
      const last = points[points.length - 1];
      if (last) {
        g.append(el("line", { x1: last[0], y1: last[1], x2: x(live.x), y2: y(live[s.key]), stroke: s.color,
          "stroke-width": 1.5, "stroke-dasharray": "2 3", opacity: 0.7 }));
      }
      g.append(el("circle", { cx: x(live.x), cy: y(live[s.key]), r: 3.5, fill: "white", stroke: s.color, "stroke-width": 1.5, class: "live" }));
    }
    svg.append(g);
    const lx = m.left + k * 120;
    svg.append(el("line", { x1: lx, x2: lx + 28, y1: 16, y2: 16, stroke: s.color, "stroke-width": 2.5, "stroke-dasharray": s.dash }),
      el("text", { x: lx + 34, y: 20, class: "legend" }, s.name));
  });
  if (!history.length && !live) {
    svg.append(el("text", { x: m.left + w / 2, y: m.top + h / 2, "text-anchor": "middle", class: "placeholder" },
      state.loaded ? "Press Start to train" : state.needFiles ? "Waiting for the Fashion-MNIST files" : "Loading Fashion-MNIST…"));
  }
  ui.curves.replaceChildren(svg);
  ui.curves.dataset.points = String(Number.isFinite(counted) ? counted : 0);
}

// ---------------------------------------------------------------------------------------------------------------
// The first test images with their true labels and, once an epoch has ended, the model's predictions.

function drawGrid(predictions) {
  const g = state.grid;
  if (!g) return;
  const [rows, cols] = g.imageShape, size = rows * cols, names = state.classNames;
  const cells = [];
  let mistakes = 0;
  g.labels.forEach((label, k) => {
    const cell = document.createElement("figure");
    cell.className = "cell";
    const canvas = Object.assign(document.createElement("canvas"), { width: cols, height: rows });
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(cols, rows);
    for (let i = 0; i < size; i++) {
      const v = g.images[k * size + i];
      image.data.set([v, v, v, 255], i * 4);
    }
    ctx.putImageData(image, 0, 0);
    const caption = document.createElement("figcaption");
    const truth = Object.assign(document.createElement("span"), { className: "true", textContent: names[label] ?? String(label) });
    const guess = predictions?.[k];
    const pred = Object.assign(document.createElement("span"), {
      className: "pred", textContent: guess === undefined ? "—" : names[guess] ?? String(guess),
    });
    cell.dataset.true = String(label);
    if (guess !== undefined) {
      cell.dataset.pred = String(guess);
      const wrong = guess !== label;
      cell.classList.add(wrong ? "wrong" : "right");
      if (wrong) mistakes++;
      pred.title = wrong ? "wrong prediction" : "right";
    }
    caption.append(truth, pred);
    cell.append(canvas, caption);
    cells.push(cell);
  });
  ui.grid.replaceChildren(...cells);
  ui.grid.dataset.mistakes = predictions ? String(mistakes) : "";
}

// ---------------------------------------------------------------------------------------------------------------
// Confusion matrix: counts, shaded by the fraction of the true class's row.

function drawConfusion(confusion, perClass, accuracy) {
  const names = state.classNames;
  const table = document.createElement("table");
  table.className = "confusion";
  const head = table.createTHead().insertRow();
  head.append(Object.assign(document.createElement("th"), { className: "corner", innerHTML: "predicted →<br>true ↓" }));
  for (const name of names) head.append(Object.assign(document.createElement("th"), { textContent: name, scope: "col" }));
  head.append(Object.assign(document.createElement("th"), { textContent: "recall", className: "recall" }));
  const body = table.createTBody();
  confusion.forEach((row, t) => {
    const tr = body.insertRow();
    tr.append(Object.assign(document.createElement("th"), { textContent: names[t], scope: "row" }));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, p) => {
      const td = tr.insertCell();
      const share = count / total;
      td.textContent = String(count);
      td.dataset.count = String(count);
      td.title = `${names[t]} predicted as ${names[p]}: ${count} (${(share * 100).toFixed(1)} %)`;
      if (t === p) td.classList.add("diagonal");
      // A square root, so the few-percent confusions (the interesting ones) are visible next to the diagonal.
      const alpha = Math.sqrt(share);
      td.style.background = t === p ? `rgba(31, 119, 180, ${alpha})` : `rgba(214, 39, 40, ${Math.min(1, alpha * 1.2)})`;
      if (alpha > 0.6) td.classList.add("dark");
    });
    tr.append(Object.assign(document.createElement("td"), { textContent: fmt(perClass[t], 3), className: "recall" }));
  });
  const caption = table.createCaption();
  caption.textContent = `Test accuracy ${fmt(accuracy)}.`;
  ui.confusion.replaceChildren(table);
}

ui.epochs.addEventListener("input", () => { if (!state.run) drawCurves(); });

drawCurves();
start();
