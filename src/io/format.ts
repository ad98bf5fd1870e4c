// The checkpoint format, the same bytes in every runtime:
//   "WSMX" · u32 version · u32 header length · JSON header (UTF-8) · zero padding to 4 bytes ·
//   f32 little-endian payload: the model's parameters, then the optimizer's state ·
//   (version 2) u32 CRC-32 of every byte before it.
// All integers little-endian. The header carries the model and optimizer configs and the payload's lengths. In
// version 2 the trailing CRC covers header and payload alike, so no field can change unnoticed; version 1 files
// (still read) hold a CRC of the payload only, in the header's `crc32`, and their header is checked only by the
// rules every field must meet. Lengths are checked against the payload, and capped, before anything is built.
import type { ModelConfig } from "../model/network.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import { MAX_PARAMETERS } from "../model/layout.js";
import type { EpochLogs, RunOptions } from "../train/events.js";
import { FormatError, OptionError } from "../errors.js";
import { crc32 } from "../codecs/crc32.js";


export const CHECKPOINT_MAGIC = "WSMX";
export const CHECKPOINT_VERSION = 2;
/** Versions `unpackCheckpoint` reads: 2 (CRC over everything) and 1 (CRC over the payload only). */
export const CHECKPOINT_VERSIONS: readonly number[] = [1, 2];

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
  optimizer?: { config: OptimizerConfig; steps: number; state: number };
  training?: TrainingState;
}

/** What a checkpoint holds, before encoding: the payload is the parameters, then the optimizer's state. */
export interface CheckpointContents {
  model: ModelConfig;
  parameters: Float32Array;
  optimizer?: { config: OptimizerConfig; steps: number; state: Float32Array };
  training?: TrainingState;
}

export function packCheckpoint({ model, parameters, optimizer, training }: CheckpointContents): Uint8Array {
  const state = optimizer?.state ?? new Float32Array(0);
  const payload = new Float32Array(parameters.length + state.length);
  payload.set(parameters);
  payload.set(state, parameters.length);
  const header: CheckpointHeader = {
    model, parameters: parameters.length,
    ...(optimizer && { optimizer: { config: optimizer.config, steps: optimizer.steps, state: state.length } }),
    ...(training && { training }),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(12 + json.length);
  const bytes = new Uint8Array(start + payload.length * 4 + 4);
  bytes.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  payload.forEach((v, i) => view.setFloat32(start + i * 4, v, true));
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
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
  const fail = (expected: string, actual: string, hint = "The file is damaged or not a wasm-softmax checkpoint; save it again."): never => {
    throw new FormatError(source, expected, actual, hint);
  };
  if (!(bytes instanceof Uint8Array)) throw new OptionError("bytes", "a Uint8Array", bytes);
  if (bytes.length < 12) fail("at least 12 bytes", `${bytes.length}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== CHECKPOINT_MAGIC) fail(`magic "${CHECKPOINT_MAGIC}"`, JSON.stringify(magic));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (!CHECKPOINT_VERSIONS.includes(version)) {
    fail(`version ${CHECKPOINT_VERSIONS.join(" or ")}`, `${version}`, "Load it with the version of wasm-softmax that saved it.");
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
  if (!isObject(header)) return fail("a JSON object as header", describeJSON(header));
  if (header.optimizer !== undefined && !isObject(header.optimizer)) fail("an optimizer entry that is an object", describeJSON(header.optimizer));
  const parameters = header.parameters, stateLength = (header.optimizer as { state?: unknown } | undefined)?.state ?? 0;
  if (!isLength(parameters, MAX_PARAMETERS) || !isLength(stateLength, 2 * MAX_PARAMETERS)) {
    fail(`parameter and state lengths in [0, ${MAX_PARAMETERS}] and [0, ${2 * MAX_PARAMETERS}] (MAX_PARAMETERS)`,
      `${describeJSON(parameters)} and ${describeJSON(stateLength)}`);
  }
  const count = (parameters as number) + (stateLength as number);
  const data = bytes.subarray(align4(12 + headerLength), end);
  if (data.length !== count * 4) {
    fail(`${count * 4} payload bytes`, `${data.length}`, "The file is truncated or damaged; save it again.");
  }
  if (version === 1 && crc32(data) !== header.crc32) fail(`payload CRC-32 ${describeJSON(header.crc32)}`, `${crc32(data)}`);
  const payload = new Float32Array(count);
  const p = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < count; i++) payload[i] = p.getFloat32(i * 4, true);
  const { crc32: _, ...rest } = header;
  return {
    header: rest as unknown as CheckpointHeader, version,
    parameters: payload.subarray(0, parameters as number), state: payload.subarray(parameters as number),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isLength(v: unknown, max: number): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;
}

function describeJSON(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// Arithmetic, not `& ~3`: a header length read from a file may pass 2^31.
function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
