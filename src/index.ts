// wasm-softmax: the browser-safe public API for training (runtimes, data, models, optimizers, fit, models and
// checkpoints as bytes, errors). Interop, images and pictures are the subpath entries src/io.ts, src/image.ts and
// src/plot.ts; Node-only additions (dataset directories, the cache, files) are in src/node.ts, which Node, Deno
// and Bun load through the package's "node" export condition.
export { init, createRuntime, autoBackend, Runtime } from "./runtime/runtime.js";
export type { InitOptions, RuntimeOptions, WasmBuilds } from "./runtime/runtime.js";
export { simdSupported } from "./runtime/load.js";
export type { WasmSource } from "./runtime/load.js";
export type { Backend } from "./kernels/contract.js";
export { kernels } from "./runtime/public-kernels.js";
export type { KernelCallOptions } from "./runtime/public-kernels.js";

export { Dataset, U8_SCALE } from "./data/dataset.js";
export type { DatasetOptions } from "./data/dataset.js";
export { parseIdx, parseIdxPair } from "./data/idx.js";
export { loadFashionMNIST } from "./data/fashion-mnist/load.js";
export { FASHION_MNIST_CLASSES, MNIST_CLASSES, FASHION_MNIST_FILES, FASHION_MNIST_MIRROR } from "./data/fashion-mnist/constants.js";
export type { FashionMNISTFiles } from "./data/fashion-mnist/constants.js";

export { SoftmaxRegression, MLP } from "./model/models.js";
export type { SoftmaxRegressionOptions, MLPOptions } from "./model/models.js";
export { DenseNetwork } from "./model/network.js";
export { MAX_PARAMETERS } from "./model/layout.js";
export type { LayerLayout, ModelConfig, Inputs, PredictOptions } from "./model/network.js";
export { Optimizer, SGD, Adam } from "./optim/optimizer.js";
export type { SGDOptions, AdamOptions, OptimizerConfig } from "./optim/optimizer.js";
export type { Schedule } from "./optim/schedules.js";
export type { LossSpec, LossConfig } from "./train/losses.js";
export { Trainer, DEFAULT_RESIDENT_BYTES } from "./train/trainer.js";
export type { TrainerOptions, EpochOptions, Targets } from "./train/trainer.js";
export { fit, evaluate } from "./train/fit.js";
export type { FitOptions } from "./train/fit.js";
export type { Callback, TrainEvent, Logs, EpochLogs, EpochResult, History, RunOptions } from "./train/events.js";
export { progressLogger, earlyStopping } from "./train/callbacks.js";
export type { ProgressOptions, EarlyStoppingOptions } from "./train/callbacks.js";
export { confusionMatrix } from "./train/metrics.js";
export type { ClassReport } from "./train/metrics.js";
export {
  encodeCheckpoint, encodeModel, decodeCheckpoint, decodeModel, resumeOptions, checkpointEvery,
} from "./io/checkpoint.js";
export type { Checkpoint, ResumeOptions, DecodeCheckpointOptions } from "./io/checkpoint.js";
export type { ArrayInputs } from "./model/inputs.js";
export type { TrainingState } from "./io/format.js";

export {
  WasmSoftmaxError, OptionError, ShapeError, FormatError, DatasetNotFoundError, WasmError, DivergenceError,
} from "./errors.js";
