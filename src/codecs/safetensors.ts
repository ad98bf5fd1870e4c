// The safetensors layout (https://github.com/huggingface/safetensors), the weights format PyTorch users exchange:
//   u64 little-endian header length N · N bytes of JSON header (UTF-8, may end in spaces) · the tensors' bytes.
// The header maps each tensor name to { dtype, shape, data_offsets: [begin, end] }, offsets relative to the
// byte buffer after the header, plus an optional "__metadata__" map of strings. The tensors tile the buffer
// exactly: no gaps, no overlaps. Bytes only: which tensors a model has is src/io/safetensors.ts's business.
import { FormatError } from "../errors.js";

/** As the safetensors reference implementation caps it: larger headers are refused unread. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** The header key of the string metadata map. */
export const METADATA = "__metadata__";
const SOURCE = "safetensors";

// Bytes per element of the dtypes converted to f32 on load.
const DTYPES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const ACCEPTED = "F32, F16, BF16 or F64";
const FLOAT_HINT = "Convert the state dict to float32 first: {k: v.float() for k, v in model.state_dict().items()}.";

/** One tensor as the header describes it: offsets into the buffer after the header. */
export interface TensorInfo { name: string; dtype: string; shape: number[]; begin: number; end: number }

/** A tensor to write: float32 values, row-major in `shape`. */
export interface Tensor { name: string; shape: readonly number[]; data: Float32Array }

/**
 * The tensors (F32) and string metadata as safetensors bytes, in the order given; spaces pad the header so the
 * tensors start 8-byte aligned, as the format recommends.
 */
export function writeSafetensors(tensors: readonly Tensor[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { [METADATA]: metadata };
  let at = 0;
  for (const { name, shape, data } of tensors) header[name] = { dtype: "F32", shape, data_offsets: [at, (at += data.length * 4)] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const bytes = new Uint8Array(8 + padded + at);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, padded, true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + padded);
  let offset = 8 + padded;
  for (const { data } of tensors) {
    for (let i = 0; i < data.length; i++, offset += 4) view.setFloat32(offset, data[i]!, true);
  }
  return bytes;
}

/**
 * The header of safetensors bytes, checked: its length against the cap and the bytes, the JSON, each tensor's
 * dtype, shape and offsets, and that the tensors tile the buffer. `start` is where the buffer begins.
 * @throws {FormatError} for anything that breaks the layout.
 */
export function readSafetensors(bytes: Uint8Array): { tensors: TensorInfo[]; metadata: Record<string, string> | undefined; start: number } {
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

/** A FormatError about safetensors bytes. */
export function fail(expected: string, actual: string, hint?: string): never {
  throw new FormatError(SOURCE, expected, actual, hint);
}


/** Converts one tensor to f32 into `out` at `at`; little-endian by the format, whatever the machine. */
export function readTensor(bytes: Uint8Array, start: number, t: TensorInfo, out: Float32Array, at: number): void {
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
