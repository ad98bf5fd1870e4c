// The model and checkpoint format, the same bytes in every runtime:
//   "WSMX" · u32 version · u32 header length · JSON header (UTF-8) · zero padding to 4 bytes ·
//   payload: the model's parameters (f32, or in version 3 f16 or int8 as the header's `dtype` says), padded to
//   4 bytes, then the optimizer's state (f32) · (version ≥ 2) u32 CRC-32 of every byte before it.
// All integers little-endian. The header carries the model config (in version 3 with its class names, input
// description and user metadata), the optimizer config and the payload's lengths. From version 2 the trailing
// CRC covers header and payload alike, so no field can change unnoticed; version 1 files (still read) hold a CRC
// of the payload only, in the header's `crc32`, and their header is checked only by the rules every field must
// meet. Version 2 files are version 3 files without `dtype` (f32) and without the model's meaning. Lengths are
// checked against the payload, and capped, before anything is built. Nothing here imports training code: the
// predict-only entry decodes models with it.
import type { ModelConfig } from "../model/network.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import { MAX_PARAMETERS, layoutOf } from "../model/layout.js";
import type { EpochLogs, RunOptions } from "../train/events.js";
import { FormatError, OptionError } from "../errors.js";
import { isPlainObject } from "../validate.js";
import { crc32 } from "../codecs/crc32.js";
import { F16_MAX, decodeF16, decodeInt8, encodeF16, encodeInt8, weightsBytes } from "./weights.js";
import type { WeightsDtype } from "./weights.js";


export const CHECKPOINT_MAGIC = "WSMX";
export const CHECKPOINT_VERSION = 3;
/**
 * Versions `unpackCheckpoint` reads: 3 (f16 and int8 weights, the model's class names, input description and
 * metadata), 2 (CRC over everything) and 1 (CRC over the payload only).
 */
export const CHECKPOINT_VERSIONS: readonly number[] = [1, 2, 3];
const DTYPES: readonly WeightsDtype[] = ["f32", "f16", "int8"];
/** What to do about a model file that breaks a rule of the format, whichever rule. */
export const CORRUPT_HINT = "The file is damaged or was written by another program; save it again.";

/** Where a training run stands, so `fit(model, data, resumeOptions(checkpoint))` can continue it. */
export interface TrainingState extends Omit<RunOptions, "loss"> {
  /** Epochs completed. */
  epoch: number;
  /** The loss trained with (absent in checkpoints that predate it: then cross-entropy). */
  loss?: RunOptions["loss"];
  history?: EpochLogs[];
}

export interface CheckpointHeader {
  model: ModelConfig;
  /** Length of the parameter block; the optimizer's state follows it in the payload. */
  parameters: number;
  /** How the parameters are stored (version 3; absent: f32). */
  dtype?: "f16" | "int8";
  optimizer?: { config: OptimizerConfig; steps: number; state: number };
  training?: TrainingState;
}

/** What a checkpoint holds, before encoding: the payload is the parameters, then the optimizer's state. */
export interface CheckpointContents {
  model: ModelConfig;
  parameters: Float32Array;
  /** How to store the parameters; only "f32" (the default) with an optimizer. */
  dtype?: WeightsDtype;
  optimizer?: { config: OptimizerConfig; steps: number; state: Float32Array };
  training?: TrainingState;
}

/**
 * Checkpoint bytes (format version 3) of a model's config and parameters, and optionally its optimizer and
 * training position.
 * @throws {OptionError} for a dtype other than "f32" with an optimizer, or "f16" for parameters beyond ±65504.
 */
export function packCheckpoint({ model, parameters, dtype = "f32", optimizer, training }: CheckpointContents): Uint8Array {
  const state = optimizer?.state ?? new Float32Array(0);
  if (dtype !== "f32" && optimizer) {
    throw new OptionError("dtype", '"f32" for a checkpoint with optimizer state', dtype, "Save smaller weights with encodeModel, which keeps the model alone.");
  }
  const header: CheckpointHeader = {
    model, parameters: parameters.length, ...(dtype !== "f32" && { dtype }),
    ...(optimizer && { optimizer: { config: optimizer.config, steps: optimizer.steps, state: state.length } }),
    ...(training && { training }),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(12 + json.length), layout = layoutOf(widthsOf(model) ?? []).layout;
  const stateAt = start + align4(weightsBytes(dtype, layout, parameters.length));
  const bytes = new Uint8Array(stateAt + state.length * 4 + 4);
  bytes.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  if (dtype === "f16") {
    encodeF16(parameters, view, start, (index, value) => {
      throw new OptionError("dtype", `"f32" or "int8" for this model (parameter ${index} is ${value}, beyond f16's ±${F16_MAX})`, dtype,
        'Save it with { dtype: "int8" } (scaled per row) or { dtype: "f32" }, or find out why the weights grew so large (weight decay helps).');
    });
  } else if (dtype === "int8") {
    encodeInt8(parameters, layout, view, start);
  } else {
    parameters.forEach((v, i) => view.setFloat32(start + i * 4, v, true));
  }
  state.forEach((v, i) => view.setFloat32(stateAt + i * 4, v, true));
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** @internal The layer widths a model config describes, when they are integers ≥ 1 (otherwise createModel names the bad field). */
export function widthsOf(config: unknown): number[] | undefined {
  if (typeof config !== "object" || config === null) return undefined;
  const c = config as Record<string, unknown>;
  const widths = c.type === "softmax-regression" ? [c.inputs, c.classes] : c.type === "mlp" && Array.isArray(c.layers) ? c.layers as unknown[] : undefined;
  return widths?.every((w) => Number.isSafeInteger(w) && (w as number) >= 1) ? widths as number[] : undefined;
}

/**
 * Checks and splits checkpoint bytes; nothing is built from them here. Lengths are checked against the payload
 * and against MAX_PARAMETERS before the payload is read.
 * @throws {FormatError} for a wrong magic, unknown version, malformed header, wrong or too large lengths, or a
 *   CRC mismatch.
 * @throws {OptionError} when `bytes` is not a Uint8Array.
 */
export function unpackCheckpoint(bytes: Uint8Array, source: string):
  { header: CheckpointHeader; parameters: Float32Array; state: Float32Array; version: number } {
  const fail = (expected: string, actual: string, hint = CORRUPT_HINT): never => {
    throw new FormatError(source, expected, actual, hint);
  };
  if (!(bytes instanceof Uint8Array)) throw new OptionError("bytes", "a Uint8Array", bytes);
  if (bytes.length < 12) fail("at least 12 bytes", `${bytes.length}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== CHECKPOINT_MAGIC) fail(`magic "${CHECKPOINT_MAGIC}"`, JSON.stringify(magic));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  const newest = CHECKPOINT_VERSIONS[CHECKPOINT_VERSIONS.length - 1]!;
  if (!CHECKPOINT_VERSIONS.includes(version)) {
    fail(`format version ${CHECKPOINT_VERSIONS.slice(0, -1).join(", ")} or ${newest}`, `${version}`,
      version > newest && version < 1000
        ? `It was saved by a newer wasm-softmax: load it with one that reads format version ${version}.`
        : CORRUPT_HINT);
  }
  // Version 2 ends in the CRC of everything before it: checked first, so no damaged field is read at all.
  const end = version === 1 ? bytes.length : bytes.length - 4;
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > end) fail(`a ${headerLength}-byte header`, `${Math.max(0, end - 12)} bytes after the preamble`);
  if (version !== 1) {
    const stored = view.getUint32(end, true), actual = crc32(bytes.subarray(0, end));
    if (stored !== actual) fail(`CRC-32 ${stored} over header and payload`, `${actual}`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch (error) {
    return fail("a JSON header", `unreadable bytes (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) return fail("a JSON object as header", describeJSON(header));
  if (header.optimizer !== undefined && !isPlainObject(header.optimizer)) fail("an optimizer entry that is an object", describeJSON(header.optimizer));
  const parameters = header.parameters, stateLength = (header.optimizer as { state?: unknown } | undefined)?.state ?? 0;
  if (!isLength(parameters, MAX_PARAMETERS) || !isLength(stateLength, 2 * MAX_PARAMETERS)) {
    fail(`parameter and state lengths in [0, ${MAX_PARAMETERS}] and [0, ${2 * MAX_PARAMETERS}] (MAX_PARAMETERS)`,
      `${describeJSON(parameters)} and ${describeJSON(stateLength)}`);
  }
  const dtype = header.dtype ?? "f32";
  if (!DTYPES.includes(dtype as WeightsDtype) || (version < 3 && header.dtype !== undefined)) {
    fail(version < 3 ? `no dtype in a format version ${version} file` : 'a dtype of "f16" or "int8" (or none, for f32)', describeJSON(header.dtype));
  }
  if (dtype !== "f32" && header.optimizer !== undefined) fail("f32 parameters in a checkpoint with optimizer state", `dtype ${describeJSON(dtype)}`);
  // The config's parameter count, from its layout (one entry per layer): a header claiming a huge model fails here,
  // before anything of that size is allocated.
  const widths = widthsOf(header.model), { layout, size } = layoutOf(widths ?? []);
  if (widths !== undefined && size !== parameters) {
    fail(`${parameters} parameters (the payload's) for this model`, `a config of ${size} (layers ${widths.join("×")})`);
  }
  if (widths === undefined && dtype === "int8") fail("a model config with its layer widths (int8 rows need them)", describeJSON(header.model));
  const weightBytes = align4(weightsBytes(dtype as WeightsDtype, layout, parameters as number));
  const data = bytes.subarray(align4(12 + headerLength), end);
  if (data.length !== weightBytes + (stateLength as number) * 4) {
    fail(`${weightBytes + (stateLength as number) * 4} payload bytes`, `${data.length}`);
  }
  if (version === 1 && crc32(data) !== header.crc32) fail(`payload CRC-32 ${describeJSON(header.crc32)}`, `${crc32(data)}`);
  const p = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const weights = dtype === "f16" ? decodeF16(p, 0, parameters as number)
    : dtype === "int8" ? decodeInt8(p, 0, layout, parameters as number, (layer, row, value) =>
      fail(`a finite scale > 0 for every int8 weight row`, `${value} for layer ${layer + 1}, row ${row}`))
    : readF32(p, 0, parameters as number);
  const { crc32: _, ...rest } = header;
  return { header: rest as unknown as CheckpointHeader, version, parameters: weights, state: readF32(p, weightBytes, stateLength as number) };
}

function readF32(view: DataView, at: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + i * 4, true);
  return out;
}

function isLength(v: unknown, max: number): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;
}

/** @internal A value read from a file's header, as JSON of at most 40 characters, for error messages. */
export function describeJSON(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// Arithmetic, not `& ~3`: a header length read from a file may pass 2^31.
function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
