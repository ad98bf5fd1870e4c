// ONNX export: the model as a standard graph ([Cast → Mul] → [Sub → Div] → Gemm → Relu → … → Gemm → Softmax) that
// onnxruntime, and any other ONNX runtime, runs on the same raw inputs as predict. Only the parts of onnx.proto that
// such a graph needs are written (see protobuf.ts).
import type { DenseNetwork } from "../model/network.js";
import { U8_SCALE } from "../data/dataset.js";
import { OptionError } from "../errors.js";
import { divisors } from "../data/normalization.js";
import { check, checkFewKeys, checkOr, oneOf, rule } from "../validate.js";
import { bytes, message, string, varint } from "../codecs/protobuf.js";
import { denseLayers, linearName } from "./layers.js";

/** Options of `encodeONNX`. */
export interface ONNXOptions {
  /**
   * The graph input's element type. `"float32"` (default): what `predict` takes as a `Float32Array`, so images are
   * the caller's to scale from 0–255 to [0, 1] (divide by 255), as PyTorch's `ToTensor` does. `"uint8"`: raw pixels,
   * which the graph casts to float and multiplies by 1/255 itself, as `predict` does with a `Uint8Array` (refused
   * for a model of float features, `input.pixels` false). Either way a model's normaliser is applied in the graph.
   */
  input?: "float32" | "uint8";
  /** `[height, width]` to take input `[N, 1, height, width]` (PyTorch's image layout) and flatten it in the graph. */
  imageShape?: readonly [number, number];
}

/** The ONNX names of the graph's input and output. */
export const ONNX_INPUT = "input";
export const ONNX_OUTPUT = "probabilities";

// Opset 13 is the first with Softmax over one axis (the older opsets' 2-D coercion is a trap). IR version 7 is
// the one that opset shipped with; every runtime since 2021 reads it.
const OPSET = 13;
const IR_VERSION = 7;
// A protobuf message is at most 2 GiB; keep room for the graph around the weights.
const MAX_PARAMETER_BYTES = 2 ** 31 - 2 ** 20;

const INPUT = oneOf(["float32", "uint8"]);

// onnx.proto enums.
const FLOAT = 1, UINT8 = 2;
const ATTR_INT = 2;

/**
 * The model as the bytes of an ONNX model (opset 13): input `[N, inputs]` as `predict` takes it (its normaliser, if
 * any, is part of the graph), output `probabilities` `[N, classes]`; its labels and metadata as JSON in the
 * model's `metadata_props` (keys `labels` and `metadata`).
 * @throws {OptionError} for a model with parts ONNX export does not support (named in the message), one too big
 *   for a 2 GB protobuf, an unknown option, an `input` or `imageShape` that breaks its rule, or `input: "uint8"` for
 *   a model whose inputs are floats.
 * @example
 * const session = await ort.InferenceSession.create(encodeONNX(model));
 */
export function encodeONNX(model: DenseNetwork, options: ONNXOptions = {}): Uint8Array {
  const o = checkFewKeys("encodeONNX", options, ["input", "imageShape"]);
  const layers = denseLayers(model, "ONNX export");
  const input = checkOr("input", o.input, INPUT, "float32");
  const F = layers[0]!.inputs, C = layers[layers.length - 1]!.outputs;
  const imageShape = o.imageShape === undefined ? undefined : check("imageShape", o.imageShape,
    rule<readonly [number, number]>(`[height, width] with height × width = ${F} (the model's inputs)`,
      (v) => Array.isArray(v) && v.length === 2 && v.every((d) => Number.isSafeInteger(d) && d >= 1) && v[0] * v[1] === F),
    "Leave it out for a flat [N, inputs] input.");
  if (model.size * 4 > MAX_PARAMETER_BYTES) {
    throw new OptionError("model", `at most ${MAX_PARAMETER_BYTES / 4} parameters (a protobuf holds 2 GB)`, `${model.size} parameters`,
      "Export it with encodeSafetensors instead.");
  }
  const { pixels, normalizer } = model.input;
  if (input === "uint8" && pixels === false) {
    throw new OptionError("input", '"float32" (this model\'s inputs are features, input.pixels false)', input,
      "Leave input out: the graph then takes the float features the model was trained on.");
  }

  const params = model.getParameters();
  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  let x = ONNX_INPUT;
  const step = (op: string, inputs: string[], out: string, ...attributes: Uint8Array[]) => {
    nodes.push(node(op, inputs, out, attributes));
    x = out;
  };
  if (imageShape) step("Flatten", [x], "flat", attribute("axis", ATTR_INT, varint(3, 1)));
  if (input === "uint8") {
    step("Cast", [x], "pixels", attribute("to", ATTR_INT, varint(3, FLOAT)));
    // The same f32 constant the kernels multiply by, so both give the same bits.
    initializers.push(tensor("scale", [], FLOAT, new Float32Array([U8_SCALE])));
    step("Mul", [x, "scale"], "scaled");
  }
  if (normalizer) {
    // (x − offset) / divisor, each an f32 operation as in the kernels, so the features are the same bits.
    initializers.push(tensor("normalizer.offset", [F], FLOAT, normalizer.offset));
    initializers.push(tensor("normalizer.divisor", [F], FLOAT, divisors(normalizer.spread)));
    step("Sub", [x, "normalizer.offset"], "centred");
    step("Div", [x, "normalizer.divisor"], "normalized");
  }
  layers.forEach(({ inputs, outputs, weight, bias }, l) => {
    const w = linearName(l, "weight"), b = linearName(l, "bias");
    initializers.push(tensor(w, [outputs, inputs], FLOAT, params.subarray(weight, weight + inputs * outputs)));
    initializers.push(tensor(b, [outputs], FLOAT, params.subarray(bias, bias + outputs)));
    // Our weights are (out, in), as PyTorch's: Gemm computes x · Wᵀ + b with transB.
    step("Gemm", [x, w, b], `gemm${l}`, attribute("transB", ATTR_INT, varint(3, 1)));
    if (l < layers.length - 1) step("Relu", [x], `relu${l}`);
  });
  step("Softmax", [x], ONNX_OUTPUT, attribute("axis", ATTR_INT, varint(3, 1)));

  const inputShape = imageShape ? ["N", 1, imageShape[0], imageShape[1]] : ["N", F];
  const graph = message(
    ...nodes.map((n) => bytes(1, n)),
    string(2, "wasm-softmax"),
    ...initializers.map((t) => bytes(5, t)),
    string(10, `${model.config.type} ${model.layers.join("-")}, exported by wasm-softmax`),
    bytes(11, valueInfo(ONNX_INPUT, input === "uint8" ? UINT8 : FLOAT, inputShape)),
    bytes(12, valueInfo(ONNX_OUTPUT, FLOAT, ["N", C])),
  );
  const { labels, metadata } = model;
  const properties: [string, string][] = [
    ...(labels ? [["labels", JSON.stringify(labels)] as [string, string]] : []),
    ...(metadata !== undefined ? [["metadata", JSON.stringify(metadata)] as [string, string]] : []),
  ];
  return message(
    varint(1, IR_VERSION),
    string(2, "wasm-softmax"),
    bytes(7, graph),
    bytes(8, message(string(1, ""), varint(2, OPSET))),
    ...properties.map(([key, value]) => bytes(14, message(string(1, key), string(2, value)))),
  );
}

function node(op: string, inputs: string[], output: string, attributes: Uint8Array[]): Uint8Array {
  return message(
    ...inputs.map((name) => string(1, name)),
    string(2, output),
    string(3, output),
    string(4, op),
    ...attributes.map((a) => bytes(5, a)),
  );
}

function attribute(name: string, type: number, value: Uint8Array): Uint8Array {
  return message(string(1, name), value, varint(20, type));
}

function tensor(name: string, dims: number[], dataType: number, values: Float32Array): Uint8Array {
  // raw_data is little-endian by the spec; a copy also drops the subarray's offset into the block.
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return message(...dims.map((d) => varint(1, d)), varint(2, dataType), string(8, name), bytes(9, raw));
}

function valueInfo(name: string, elemType: number, shape: (number | string)[]): Uint8Array {
  const dims = shape.map((d) => bytes(1, typeof d === "number" ? varint(1, d) : string(2, d)));
  const tensorType = message(varint(1, elemType), bytes(2, message(...dims)));
  return message(string(1, name), bytes(2, bytes(1, tensorType)));
}
