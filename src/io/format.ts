// The checkpoint format, the same bytes in every runtime:
//   "WSMX" · u32 version · u32 header length · JSON header (UTF-8) · zero padding to 4 bytes ·
//   f32 little-endian payload: the model's parameters, then the optimizer's state.
// All integers little-endian. The header carries the model and optimizer configs, the payload's lengths and its
// CRC-32, so a truncated or corrupted file is refused before anything is built from it.
import type { ModelConfig } from "../model/network.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import type { EpochLogs, RunOptions } from "../train/events.js";
import { FormatError, OptionError } from "../errors.js";

export const CHECKPOINT_MAGIC = "WSMX";
export const CHECKPOINT_VERSION = 1;

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

export function encodeCheckpoint({ model, parameters, optimizer, training }: CheckpointContents): Uint8Array {
  const state = optimizer?.state ?? new Float32Array(0);
  const payload = new Float32Array(parameters.length + state.length);
  payload.set(parameters);
  payload.set(state, parameters.length);
  const header: CheckpointHeader = {
    model, parameters: parameters.length,
    ...(optimizer && { optimizer: { config: optimizer.config, steps: optimizer.steps, state: state.length } }),
    ...(training && { training }),
  };
  const data = new Uint8Array(payload.length * 4);
  const view = new DataView(data.buffer);
  payload.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const json = new TextEncoder().encode(JSON.stringify({ ...header, crc32: crc32(data) }));
  const start = align4(12 + json.length);
  const bytes = new Uint8Array(start + data.length);
  bytes.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const head = new DataView(bytes.buffer);
  head.setUint32(4, CHECKPOINT_VERSION, true);
  head.setUint32(8, json.length, true);
  bytes.set(json, 12);
  bytes.set(data, start);
  return bytes;
}

/**
 * Checks and splits checkpoint bytes; nothing is built from them here.
 * @throws {FormatError} for a wrong magic, unknown version, malformed header, wrong lengths or a CRC mismatch.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string): { header: CheckpointHeader; parameters: Float32Array; state: Float32Array } {
  const fail = (expected: string, actual: string, hint = "The file is damaged or not a wasm-softmax checkpoint; save it again."): never => {
    throw new FormatError(source, expected, actual, hint);
  };
  if (!(bytes instanceof Uint8Array)) throw new OptionError("bytes", "a Uint8Array", bytes);
  if (bytes.length < 12) fail("at least 12 bytes", `${bytes.length}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== CHECKPOINT_MAGIC) fail(`magic "${CHECKPOINT_MAGIC}"`, JSON.stringify(magic));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== CHECKPOINT_VERSION) {
    fail(`version ${CHECKPOINT_VERSION}`, `${version}`, "Load it with the version of wasm-softmax that saved it.");
  }
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) fail(`a ${headerLength}-byte header`, `${bytes.length - 12} bytes after the preamble`);
  let header: CheckpointHeader & { crc32: number };
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch (error) {
    return fail("a JSON header", `unreadable bytes (${(error as Error).message})`);
  }
  const stateLength = header?.optimizer?.state ?? 0;
  if (!Number.isInteger(header?.parameters) || !Number.isInteger(stateLength) || header.parameters < 0 || stateLength < 0) {
    fail("integer parameter and state lengths", `${header?.parameters} and ${stateLength}`);
  }
  const data = bytes.subarray(align4(12 + headerLength));
  if (data.length !== (header.parameters + stateLength) * 4) {
    fail(`${(header.parameters + stateLength) * 4} payload bytes`, `${data.length}`, "The file is truncated or damaged; save it again.");
  }
  if (crc32(data) !== header.crc32) fail(`payload CRC-32 ${header.crc32}`, `${crc32(data)}`);
  const payload = new Float32Array(header.parameters + stateLength);
  const p = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < payload.length; i++) payload[i] = p.getFloat32(i * 4, true);
  const { crc32: _, ...rest } = header;
  return { header: rest, parameters: payload.subarray(0, header.parameters), state: payload.subarray(header.parameters) };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as in gzip and PNG). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
