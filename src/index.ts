// wasm-softmax: the browser-safe public API. Node-only additions (dataset directories, the cache) are in
// src/node.ts, which Node, Deno and Bun load through the package's "node" export condition.
export { init, createRuntime, autoBackend, Runtime } from "./runtime/runtime.js";
export type { InitOptions, RuntimeOptions, WasmBuilds } from "./runtime/runtime.js";
export { simdSupported } from "./runtime/load.js";
export type { WasmSource } from "./runtime/load.js";
export type { Backend, Build } from "./kernels/contract.js";
export { kernels } from "./runtime/public-kernels.js";
export type { KernelCallOptions } from "./runtime/public-kernels.js";

export { Dataset, U8_SCALE } from "./data/dataset.js";
export type { DatasetOptions } from "./data/dataset.js";
export { Normalizer } from "./data/normalizer.js";
export type { NormalizerKind, NormalizerConfig } from "./data/normalizer.js";
export { parseIdx, parseIdxPair } from "./data/idx.js";
export {
  loadFashionMNIST, FASHION_MNIST_CLASSES, MNIST_CLASSES, FASHION_MNIST_FILES, FASHION_MNIST_MIRROR,
} from "./data/fashion-mnist.js";
export type { FashionMNISTFiles } from "./data/fashion-mnist.js";

export { SoftmaxRegression, MLP } from "./model/models.js";
export type { SoftmaxRegressionOptions, MLPOptions } from "./model/models.js";
export { DenseNetwork } from "./model/network.js";
export { MAX_PARAMETERS } from "./model/layout.js";
export type { LayerLayout, ModelConfig, Inputs, PredictOptions, Prediction } from "./model/network.js";
export { MAX_METADATA_BYTES } from "./model/description.js";
export type { InputDescription, InputOptions, MeaningOptions, JSONValue } from "./model/description.js";
export { Optimizer, SGD, Adam } from "./optim/optimizer.js";
export type { SGDOptions, AdamOptions, OptimizerConfig } from "./optim/optimizer.js";
export type { Schedule } from "./optim/schedules.js";
export type { LossSpec, LossConfig } from "./train/losses.js";
export { Trainer, DEFAULT_RESIDENT_BYTES } from "./train/trainer.js";
export type { TrainerOptions, EpochOptions, Targets, TrainerSnapshot } from "./train/trainer.js";
export { fit } from "./train/fit.js";
export type { FitOptions } from "./train/fit.js";
export { evaluate } from "./train/evaluate.js";
export type { Evaluation, EvaluateOptions } from "./train/evaluate.js";
export type {
  Callback, TrainEvent, BatchCallback, BatchEvent, Logs, EpochLogs, EpochResult, History, RunOptions,
} from "./train/events.js";
export { progressLogger, earlyStopping } from "./train/callbacks.js";
export type { ProgressOptions, EarlyStoppingOptions } from "./train/callbacks.js";
export { confusionMatrix } from "./train/metrics.js";
export type { ClassReport } from "./train/metrics.js";
export { learningCurvesSVG, imageGridSVG } from "./plot/svg.js";
export type { ImageGridOptions } from "./plot/svg.js";
export {
  encodeCheckpoint, encodeModel, decodeCheckpoint, decodeModel, resumeOptions, checkpointEvery, encodeWeightsJSON,
} from "./io/checkpoint.js";
export type { Checkpoint, ResumeOptions, DecodeCheckpointOptions, EncodeModelOptions, LoadOptions } from "./io/checkpoint.js";
export type { WeightsDtype } from "./io/weights.js";
export { saveModel, loadModel, listModels, removeModel } from "./io/model-storage.js";
export { encodeONNX } from "./io/onnx.js";
export type { ONNXOptions } from "./io/onnx.js";
export { encodeSafetensors, decodeSafetensors } from "./io/safetensors.js";
export type { SafetensorsModel } from "./io/safetensors.js";
export { decodeImage, decodePNG, decodePGM, imageToPixels, IMAGE_MAX_PIXELS } from "./data/image.js";
export type { DecodedImage, DecodeOptions, ToPixelsOptions } from "./data/image.js";
export type { ArrayInputs } from "./model/inputs.js";
export type { TrainingState } from "./io/format.js";

export {
  WasmSoftmaxError, OptionError, ShapeError, FormatError, DatasetNotFoundError, WasmError, ClosedError, DivergenceError,
  StorageError,
} from "./errors.js";
export type { StorageErrorReason } from "./errors.js";
