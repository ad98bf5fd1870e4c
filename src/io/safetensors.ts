// safetensors (https://github.com/huggingface/safetensors), the weights format PyTorch users exchange:
//   u64 little-endian header length N · N bytes of JSON header (UTF-8, may end in spaces) · the tensors' bytes.
// The header maps each tensor name to { dtype, shape, data_offsets: [begin, end] }, offsets relative to the
// byte buffer after the header, plus an optional "__metadata__" map of strings. The tensors tile the buffer
// exactly: no gaps, no overlaps. Names are those of PyTorch's nn.Sequential for d2l's models (see layers.ts).
import type { DenseNetwork, ModelConfig } from "../model/network.js";
import { createModel } from "../model/models.js";
import type { MLP, SoftmaxRegression } from "../model/models.js";
import { FormatError, OptionError } from "../errors.js";
import { checkKeys } from "../validate.js";
import { denseLayers, linearName } from "./layers.js";

/** What `decodeSafetensors` builds: the widths from input to output, or a whole model config. */
export type SafetensorsModel = { layers: readonly number[] } | { config: ModelConfig };

/** As the safetensors reference implementation caps it: larger headers are refused unread. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

const METADATA = "__metadata__";
const CONFIG_KEY = "wasm-softmax.config";
const SOURCE = "safetensors";

// Bytes per element of the dtypes converted to f32 on load.
const DTYPES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const ACCEPTED = "F32, F16, BF16 or F64";
const FLOAT_HINT = "Convert the state dict to float32 first: {k: v.float() for k, v in model.state_dict().items()}.";

interface TensorInfo { name: string; dtype: string; shape: number[]; begin: number; end: number }

/**
 * The model's weights as safetensors bytes, named as PyTorch's `nn.Sequential(nn.Flatten(), nn.Linear(784, 256),
 * nn.ReLU(), nn.Linear(256, 10))` names them (`1.weight`, `1.bias`, `3.weight`, `3.bias`), in float32.
 * @throws {OptionError} for a model with parts the format cannot describe (named in the message).
 * @example
 * await writeFile("mlp.safetensors", encodeSafetensors(model)); // torch: model.load_state_dict(…)
 */
export function encodeSafetensors(model: DenseNetwork): Uint8Array {
  const layout = denseLayers(model, "safetensors export");
  const header: Record<string, unknown> = { [METADATA]: { format: "pt", [CONFIG_KEY]: JSON.stringify(model.config) } };
  let at = 0;
  layout.forEach(({ inputs, outputs }, l) => {
    header[linearName(l, "weight")] = { dtype: "F32", shape: [outputs, inputs], data_offsets: [at, (at += inputs * outputs * 4)] };
    header[linearName(l, "bias")] = { dtype: "F32", shape: [outputs], data_offsets: [at, (at += outputs * 4)] };
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Spaces pad the header so the tensors start 8-byte aligned, as the format recommends.
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const bytes = new Uint8Array(8 + padded + at);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, padded, true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + padded);
  // Layer by layer, weight then bias: the order of the parameter block itself.
  const params = model.getParameters(), start = 8 + padded;
  for (let i = 0; i < params.length; i++) view.setFloat32(start + i * 4, params[i]!, true);
  return bytes;
}

/**
 * A model from safetensors bytes: the architecture given (`{ layers }` or `{ config }`), else the config
 * `encodeSafetensors` stored, else the layers the tensors' shapes chain into. Everything is checked before
 * anything is allocated, so a bad file never loads partially.
 * @throws {FormatError} for a truncated or oversize header, malformed JSON, an unsupported dtype, offsets out
 *   of range, overlapping or leaving gaps, a length mismatch, and missing, extra or wrongly shaped tensors.
 * @throws {OptionError} for both `layers` and `config`, or widths or a config that are not a valid model.
 * @example
 * const model = decodeSafetensors(bytes, { layers: [784, 256, 10] }); // a d2l MLP trained in PyTorch
 */
export function decodeSafetensors(bytes: Uint8Array, options?: SafetensorsModel): SoftmaxRegression | MLP {
  if (!(bytes instanceof Uint8Array)) throw new OptionError("bytes", "a Uint8Array", bytes);
  const given = checkKeys("decodeSafetensors", options as { layers?: unknown; config?: unknown } | undefined, ["layers", "config"]);
  if (options !== undefined && (given.layers === undefined) === (given.config === undefined)) {
    throw new OptionError("options", "{ layers } or { config }, one of them", given,
      "Leave them out to read the architecture from the file.");
  }
  const { tensors, metadata, start } = readHeader(bytes);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  let config: ModelConfig, fromFile = false;
  if (given?.config !== undefined) config = given.config as ModelConfig;
  else if (given?.layers !== undefined) config = configOf(given.layers as readonly number[]);
  else {
    const stored = storedConfig(metadata);
    fromFile = stored !== undefined;
    config = stored ?? configOf(chainedLayers(byName) ?? fail("tensors 1.weight, 1.bias, … of dense layers that chain",
      tensors.length === 0 ? "no tensors" : tensors.map((t) => `${t.name} [${t.shape.join(", ")}]`).join(", "),
      "Name them as nn.Sequential(nn.Flatten(), nn.Linear(…), nn.ReLU(), …) does, or pass { layers }."));
  }
  let model: SoftmaxRegression | MLP;
  try {
    // The tensors are checked against the widths before the model exists: a config may promise any size, the
    // tensors' shapes are bounded by the bytes that are there. Without widths, createModel says what is wrong.
    const layers = widthsOf(config);
    if (layers) checkTensors(byName, layers);
    model = createModel(config);
  } catch (error) {
    if (!fromFile || !(error instanceof OptionError)) throw error;
    return fail(`${METADATA}["${CONFIG_KEY}"] as a valid model config`, error.message,
      "The file is damaged; pass { layers } to load it anyway.");
  }
  const layout = denseLayers(model, "safetensors");
  const params = new Float32Array(model.size);
  layout.forEach(({ weight, bias }, l) => {
    decode(bytes, start, byName.get(linearName(l, "weight"))!, params, weight);
    decode(bytes, start, byName.get(linearName(l, "bias"))!, params, bias);
  });
  model.setParameters(params);
  return model;
}

function fail(expected: string, actual: string, hint?: string): never {
  throw new FormatError(SOURCE, expected, actual, hint);
}

// The layer widths a config names, when they are widths at all: exactly when createModel would not refuse them.
function widthsOf(config: ModelConfig): readonly number[] | undefined {
  const c = config as { type?: unknown; inputs?: unknown; classes?: unknown; layers?: unknown } | null;
  const widths = c?.type === "softmax-regression" ? [c.inputs, c.classes] : c?.type === "mlp" ? c.layers : undefined;
  const ok = Array.isArray(widths) && widths.length >= 2 && widths.every((w) => Number.isInteger(w) && (w as number) >= 1);
  return ok ? (widths as number[]) : undefined;
}

function configOf(layers: readonly number[]): ModelConfig {
  if (!Array.isArray(layers)) throw new OptionError("layers", "an array of widths, e.g. [784, 256, 10]", layers);
  return layers.length === 2
    ? { type: "softmax-regression", inputs: layers[0]!, classes: layers[1]!, seed: 0, weightStd: 0.01 }
    : { type: "mlp", layers: [...layers], activation: "relu", seed: 0, weightStd: 0.01 };
}

function readHeader(bytes: Uint8Array): { tensors: TensorInfo[]; metadata: Record<string, string> | undefined; start: number } {
  if (bytes.length < 8) fail("at least 8 bytes (the header length)", `${bytes.length} bytes`, "The file is truncated.");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (n > SAFETENSORS_MAX_HEADER) {
    fail(`a header of at most ${SAFETENSORS_MAX_HEADER} bytes`, `a header length of ${n}`,
      "The file is not safetensors, or is damaged.");
  }
  if (8 + n > bytes.length) {
    fail(`${n} header bytes after the length`, `${bytes.length - 8} bytes in all`, "The file is truncated.");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail("a UTF-8 header", "bytes that are not UTF-8", "The file is not safetensors, or is damaged.");
  }
  let header: unknown;
  try {
    // The format requires the header to open with "{"; JSON.parse alone would take "[" or a number.
    header = text.startsWith("{") ? JSON.parse(text) : undefined;
  } catch {
    header = undefined;
  }
  if (header === undefined || header === null || typeof header !== "object" || Array.isArray(header)) {
    fail("a JSON object header", JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text),
      "The file is not safetensors, or is damaged.");
  }
  const start = 8 + n, length = bytes.length - start;
  const tensors: TensorInfo[] = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA) {
      const ok = info !== null && typeof info === "object" && !Array.isArray(info) && Object.values(info).every((v) => typeof v === "string");
      if (!ok) fail(`${METADATA} as a map of strings`, JSON.stringify(info));
      metadata = info as Record<string, string>;
      continue;
    }
    tensors.push(tensorInfo(name, info, length));
  }
  // The tensors must tile the buffer: sorted by offset, each begins where the previous one ended.
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of sorted) {
    if (t.begin < at) fail(`tensors that do not overlap`, `${t.name} at bytes [${t.begin}, ${t.end}) over the one ending at ${at}`);
    if (t.begin > at) fail(`tensors that leave no gap`, `${t.name} at byte ${t.begin} after one ending at ${at}`);
    at = t.end;
  }
  if (at !== length) {
    fail(`a data buffer of ${at} bytes (where the last tensor ends)`, `${length} bytes after the header`,
      at < length ? "The file has bytes no tensor accounts for: it was damaged or concatenated." : "The file is truncated.");
  }
  return { tensors, metadata, start };
}

function tensorInfo(name: string, info: unknown, length: number): TensorInfo {
  const what = `tensor ${name}`;
  if (info === null || typeof info !== "object" || Array.isArray(info)) fail(`${what} as { dtype, shape, data_offsets }`, JSON.stringify(info));
  const { dtype, shape, data_offsets: offsets } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== "string") fail(`${what} with a dtype string`, JSON.stringify(dtype));
  if (!Object.hasOwn(DTYPES, dtype)) fail(`${what} of dtype ${ACCEPTED}`, JSON.stringify(dtype), FLOAT_HINT);
  const isCount = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${what} with a shape of integers ≥ 0`, JSON.stringify(shape));
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || (offsets[0] as number) > (offsets[1] as number)) {
    fail(`${what} with data_offsets [begin, end], 0 ≤ begin ≤ end`, JSON.stringify(offsets));
  }
  const [begin, end] = offsets as [number, number];
  if (end > length) {
    fail(`${what} within the ${length} bytes after the header`, `data_offsets [${begin}, ${end}]`, "The file is truncated.");
  }
  // The product can overflow for a lying shape: compare it in steps against the span it must fill.
  let size = DTYPES[dtype]!;
  for (const d of shape as number[]) size = size * d > Number.MAX_SAFE_INTEGER ? Infinity : size * d;
  if (size !== end - begin) {
    fail(`${what} of ${shape.length ? `shape [${shape.join(", ")}]` : "a scalar shape"} in ${dtype} to span ${size} bytes`,
      `data_offsets [${begin}, ${end}] (${end - begin} bytes)`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

function storedConfig(metadata: Record<string, string> | undefined): ModelConfig | undefined {
  const text = metadata?.[CONFIG_KEY];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as ModelConfig;
  } catch {
    return fail(`${METADATA}["${CONFIG_KEY}"] as a JSON model config`, JSON.stringify(text),
      "The file is damaged; pass { layers } to load it anyway.");
  }
}

// The widths the tensors describe when 1.weight, 3.weight, … chain (each one's inputs the previous one's outputs).
function chainedLayers(byName: ReadonlyMap<string, TensorInfo>): number[] | undefined {
  const layers: number[] = [];
  for (let l = 0; byName.has(linearName(l, "weight")); l++) {
    const shape = byName.get(linearName(l, "weight"))!.shape;
    if (shape.length !== 2 || (l > 0 && shape[1] !== layers[l])) return undefined;
    if (l === 0) layers.push(shape[1]!);
    layers.push(shape[0]!);
  }
  return layers.length >= 2 ? layers : undefined;
}

function checkTensors(byName: ReadonlyMap<string, TensorInfo>, layers: readonly number[]): void {
  const count = layers.length - 1;
  const expected = Array.from({ length: count }, (_, l) => [linearName(l, "weight"), linearName(l, "bias")]).flat();
  const found = chainedLayers(byName);
  const suggestion = found && found.join("-") !== layers.join("-") ? ` The file's tensors chain as layers [${found.join(", ")}]: pass those.` : "";
  const missing = expected.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    fail(`the tensors ${expected.join(", ")} (layers ${layers.join("-")})`, `none named ${missing.join(", ")}`,
      `Name them as nn.Sequential(nn.Flatten(), nn.Linear(…), nn.ReLU(), …) does.${suggestion}`);
  }
  const extra = [...byName.keys()].filter((name) => !expected.includes(name));
  if (extra.length > 0) {
    fail(`only the tensors ${expected.join(", ")} (layers ${layers.join("-")})`, `also ${extra.join(", ")}`,
      `Save only the Linear layers' weights and biases.${suggestion}`);
  }
  layers.slice(1).forEach((outputs, l) => {
    const inputs = layers[l]!;
    for (const [kind, want] of [["weight", [outputs, inputs]], ["bias", [outputs]]] as const) {
      const t = byName.get(linearName(l, kind))!;
      if (t.shape.join(",") !== want.join(",")) {
        fail(`tensor ${t.name} of shape [${want.join(", ")}] (layers ${layers.join("-")})`, `[${t.shape.join(", ")}]`,
          `Weights are (outputs, inputs), as nn.Linear stores them.${suggestion}`);
      }
    }
  });
}

// Converts one tensor to f32 into `out` at `at`; little-endian by the format, whatever the machine.
function decode(bytes: Uint8Array, start: number, t: TensorInfo, out: Float32Array, at: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start + t.begin, t.end - t.begin);
  const n = (t.end - t.begin) / DTYPES[t.dtype]!;
  switch (t.dtype) {
    case "F32": for (let i = 0; i < n; i++) out[at + i] = view.getFloat32(i * 4, true); break;
    case "F64": for (let i = 0; i < n; i++) out[at + i] = view.getFloat64(i * 8, true); break;
    case "BF16": for (let i = 0; i < n; i++) out[at + i] = bf16(view.getUint16(i * 2, true)); break;
    default: for (let i = 0; i < n; i++) out[at + i] = f16(view.getUint16(i * 2, true));
  }
}

const scratch = new DataView(new ArrayBuffer(4));

function bf16(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

// IEEE half precision; every f16 value is exact in f32.
function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1, exponent = (bits >> 10) & 0x1f, fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}
