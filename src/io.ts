// wasm-softmax/io: models to and from other tools' formats (ONNX for onnxruntime, safetensors for PyTorch, plain
// JSON arrays). Works wherever the root entry works; import it when an app needs interop.
export { encodeONNX } from "./io/onnx.js";
export type { ONNXOptions } from "./io/onnx.js";
export { encodeSafetensors, decodeSafetensors } from "./io/safetensors.js";
export type { SafetensorsModel } from "./io/safetensors.js";
export { encodeWeightsJSON } from "./io/weights-json.js";
