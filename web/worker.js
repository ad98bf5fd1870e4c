// The demo's training worker (a module worker): it owns the data, the model and the kernels, so the page stays
// responsive however long an epoch takes. It imports only the package's public browser entry.
//
// Page → worker:  { type: "load", source: "server" } | { type: "load", source: "files", files: { trainImages: File, … } }
//                 { type: "train", backend, model, epochs, batchSize, lr, seed } | { type: "stop" }
// Worker → page:  loading, loaded, started, batch, epoch, done, error (see the post() calls below).
import {
  createRuntime, loadFashionMNIST, SoftmaxRegression, MLP, SGD, fit, confusionMatrix, FASHION_MNIST_CLASSES,
} from "./dist/index.js";

/** How many test images the page shows, from the first. */
const GRID = 18;
/** Batch progress is posted at most this often; every epoch end is always posted. */
const BATCH_POST_MS = 80;

let data;
let gridImages;
let training = false;
let stopRequested = false;
let runtime;

const post = (message, transfer = []) => self.postMessage(message, transfer);

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "stop") {
    stopRequested = true;
    return;
  }
  const task = message.type === "load" ? load(message) : message.type === "train" ? train(message) : undefined;
  task?.catch((error) => {
    training = false;
    post({ type: "error", name: error?.name ?? "Error", message: error?.message ?? String(error) });
  });
};

async function load(message) {
  post({ type: "loading", text: message.source === "files" ? "Reading the files…" : "Downloading Fashion-MNIST from the demo server…" });
  const started = performance.now();
  // Checksums need crypto.subtle, which browsers give only to secure contexts (https, localhost, 127.0.0.1).
  const verify = Boolean(globalThis.crypto?.subtle);
  if (message.source === "files") {
    const entries = await Promise.all(Object.entries(message.files).map(async ([key, file]) => [key, new Uint8Array(await file.arrayBuffer())]));
    post({ type: "loading", text: "Decompressing and parsing…" });
    data = await loadFashionMNIST({ files: Object.fromEntries(entries) });
  } else {
    const received = new Map();
    let lastPost = 0;
    data = await loadFashionMNIST({
      url: new URL("./data/", self.location.href).href,
      verify,
      onProgress: ({ file, loaded, total }) => {
        received.set(file, { loaded, total: total ?? 0 });
        const now = performance.now();
        if (now - lastPost < 100) return;
        lastPost = now;
        let got = 0, all = 0;
        for (const v of received.values()) { got += v.loaded; all += v.total; }
        post({ type: "loading", text: `Downloading Fashion-MNIST… ${(got / 1e6).toFixed(1)}${all ? ` of ${(all / 1e6).toFixed(1)}` : ""} MB` });
      },
    });
  }
  const { train, test } = data;
  gridImages = test.x.slice(0, GRID * test.features);
  post({
    type: "loaded",
    train: train.length,
    test: test.length,
    ms: performance.now() - started,
    verified: message.source === "files" ? false : verify,
    images: gridImages.slice(),
    labels: Array.from(test.y.subarray(0, GRID)),
    imageShape: test.imageShape ?? [28, 28],
    classNames: test.classNames ?? FASHION_MNIST_CLASSES,
  });
}

async function train(options) {
  if (!data) throw new Error("Load Fashion-MNIST first.");
  if (training) throw new Error("Already training: press Stop first.");
  training = true;
  stopRequested = false;
  // A runtime per run: the backend asked for ("auto" included), with its own kernel memory, closed at the end.
  runtime?.close();
  // Its workers up, so that the page shows how many threads train.
  runtime = await (await createRuntime({ backend: options.backend })).ready;
  const backend = runtime.backend;
  const seed = options.seed ?? 0;
  const model = options.model === "mlp"
    ? new MLP({ layers: [data.train.features, 256, data.train.classes], seed })
    : new SoftmaxRegression({ inputs: data.train.features, classes: data.train.classes, seed });
  post({
    type: "started", backend, threads: runtime.threads, threadsReason: runtime.threadsReason,
    model: options.model, parameters: model.size, epochs: options.epochs,
  });

  let lastBatchPost = 0;
  let epochStart = performance.now();
  const callback = (event) => {
    const now = performance.now();
    if (event.phase === "batch") {
      if (now - lastBatchPost >= BATCH_POST_MS || event.batch === event.batches) {
        lastBatchPost = now;
        const { loss, accuracy, ms } = event.logs;
        post({ type: "batch", epoch: event.epoch, epochs: event.epochs, batch: event.batch, batches: event.batches, loss, accuracy, ms });
      }
    } else if (event.phase === "epoch") {
      const { loss, accuracy, valLoss, valAccuracy, ms, lr } = event.logs;
      post({
        type: "epoch", epoch: event.epoch, epochs: event.epochs, loss, accuracy, valLoss, valAccuracy, ms, lr,
        // Wall time of the epoch, test evaluation included; `ms` is the training alone.
        wallMs: now - epochStart,
        predictions: Array.from(model.predict(gridImages, { runtime })),
      });
      epochStart = performance.now();
    }
    return stopRequested ? "stop" : undefined;
  };

  try {
    const history = await fit(model, data.train, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      optimizer: new SGD({ lr: options.lr }),
      validationData: data.test,
      seed,
      callbacks: [callback],
      runtime,
    });
    const report = history.epochs.length > 0 ? confusionMatrix(model, data.test, { runtime }) : undefined;
    post({
      type: "done",
      backend: history.backend,
      stopped: history.stopped,
      epochs: history.epochs.length,
      ms: history.ms,
      ...(report && { confusion: report.confusion, perClass: report.perClass, accuracy: report.accuracy }),
    });
  } finally {
    training = false;
  }
}
