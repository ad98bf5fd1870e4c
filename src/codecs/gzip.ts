import { FormatError } from "../errors.js";
import { checkOr } from "../validate.js";
import { DEFAULT_MAX_BYTES, MAX_BYTES_RULE, formatBytes } from "../util/limits.js";
import { concat, hexHead } from "../util/bytes.js";

/**
 * Whether `bytes` start with the gzip magic number `1f 8b`.
 * @example
 * isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])); // true
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface GunzipOptions {
  /** Largest decompressed size accepted, in bytes (default 1 GiB). */
  maxBytes?: number;
  /**
   * The exact decompressed size, told by the first bytes of the content (an IDX header), or undefined while they
   * do not say (called again as bytes arrive, up to `HEAD_BYTES`); decompression stops there instead of at
   * `maxBytes`. An error it throws (a header that is not what the file must start with) stops decompression at
   * once and is thrown by gunzip.
   */
  declaredSize?: (head: Uint8Array, source: string) => number | undefined;
}

/** How many decompressed bytes `declaredSize` sees at most (an IDX header has at most 4 + 4 × 4). */
export const HEAD_BYTES = 20;

const TRAILING_HINT = "Re-download the file; if its content is right, recompress it as one gzip member " +
  "(gunzip -c file.gz | gzip > fixed.gz).";

/**
 * Decompresses one gzip member with the standard `DecompressionStream` (Node ≥ 18, browsers, Deno, Bun, workerd),
 * stopping at the size the content declares and at `maxBytes`, so a small file cannot inflate without bound.
 * @throws {FormatError} when `bytes` are not gzip, the stream is truncated or corrupt, it inflates past the declared
 *   size or `maxBytes`, or more data follows the member (trailing bytes or a second member, at the offset named).
 * @throws whatever `declaredSize` throws for the first inflated bytes, before more is inflated.
 * @throws {OptionError} for a `maxBytes` that is not a whole number of bytes in [1, 2^32].
 * @example
 * const idx = await gunzip(await (await fetch(url)).bytes(), "train-images-idx3-ubyte.gz", { declaredSize: idxSize });
 */
export async function gunzip(bytes: Uint8Array, source = "gzip data", options: GunzipOptions = {}): Promise<Uint8Array> {
  const maxBytes = checkOr("maxBytes", options.maxBytes, MAX_BYTES_RULE, DEFAULT_MAX_BYTES);
  if (!isGzip(bytes)) {
    throw new FormatError(source, "gzip data starting with 1f 8b", `${hexHead(bytes)}`,
      "The file is not gzipped; pass it as it is (IDX files are accepted uncompressed).");
  }
  const result = await inflate(bytes, source, maxBytes, options.declaredSize);
  if (result.kind === "refused") throw result.error;
  if (result.kind === "done") {
    // The trailer's last field is the member's size mod 2^32, which the inflater has checked against what it
    // produced; when the input's last four bytes say something else, the member ended before the input did.
    if (readUint32LE(bytes, bytes.length - 4) === result.data.length % 2 ** 32) return result.data;
    throw await trailingData(bytes, source, result.data.length);
  }
  if (result.kind === "past") {
    const end = await memberEnd(bytes, result.declared);
    if (end !== undefined) throw trailingAt(bytes, source, end);
    throw new FormatError(source, `${result.declared} bytes once decompressed, as its header declares`,
      `more (it inflates past byte ${result.declared})`,
      "The file is damaged, or two files were joined: re-download it.");
  }
  if (result.kind === "capped") {
    throw new FormatError(source, `at most ${formatBytes(maxBytes)} once decompressed (maxBytes)`,
      result.declared === undefined
        ? `more (stopped at byte ${maxBytes})`
        : `a header declaring ${result.declared} bytes (${formatBytes(result.declared)})`,
      "The header is damaged or this is not the expected file; if it is genuine, pass a larger `maxBytes`.");
  }
  // Runtimes differ on data after a complete member: Node inflates a second member and rejects other bytes,
  // Chromium rejects both. When a complete member of the declared size ends early, that is the offense.
  // A head that the stream's failure cut short or left unreadable says nothing: the corruption is the offense.
  const head = options.declaredSize && await headOf(bytes);
  let declared = result.declared;
  try {
    declared ??= head && options.declaredSize!(head, source);
  } catch {
    declared = undefined;
  }
  if (declared !== undefined) {
    const end = await memberEnd(bytes, declared);
    if (end !== undefined) throw trailingAt(bytes, source, end);
  }
  throw new FormatError(source, "a complete, valid gzip stream", `corrupt gzip data (${result.reason})`,
    "Re-download the file: it is truncated or damaged.");
}

/**
 * Gunzips `bytes` when they start with the gzip magic number and returns them unchanged otherwise.
 * @throws {FormatError} when the bytes look gzipped but the stream is truncated, corrupt, too large or followed by
 *   more data.
 * @example
 * const idx = await maybeGunzip(bytes, "t10k-labels-idx1-ubyte.gz", { declaredSize: idxSize });
 */
export async function maybeGunzip(bytes: Uint8Array, source = "gzip data", options: GunzipOptions = {}): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, source, options) : bytes;
}

type Inflated =
  | { kind: "done"; data: Uint8Array }
  | { kind: "past"; declared: number }
  | { kind: "capped"; declared: number | undefined }
  | { kind: "failed"; declared: number | undefined; reason: string }
  | { kind: "refused"; error: unknown };

// Reads the decompressed stream chunk by chunk and cancels it as soon as it passes the declared size or the cap:
// cancelling stops the inflater, so a bomb costs the bytes read so far, not its inflated size.
async function inflate(
  bytes: Uint8Array,
  source: string,
  maxBytes: number,
  declaredSize: GunzipOptions["declaredSize"],
): Promise<Inflated> {
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  // Errors surface on the readable side with a better message; swallowing them here avoids unhandled rejections.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let declared: number | undefined;
  let asked = declaredSize === undefined;
  let out: Uint8Array | undefined;
  const stop = async (result: Inflated): Promise<Inflated> => {
    await reader.cancel().catch(() => {});
    return result;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (out) {
        if (total + value.length > out.length) return stop({ kind: "past", declared: declared! });
        out.set(value, total);
      } else {
        chunks.push(value);
      }
      total += value.length;
      if (!asked) {
        // Asked again as bytes arrive, until it answers or has seen HEAD_BYTES: a labels header is only 8 bytes.
        try {
          declared = declaredSize!(concat(chunks, total).subarray(0, HEAD_BYTES), source);
        } catch (error) {
          return stop({ kind: "refused", error });
        }
        asked = declared !== undefined || total >= HEAD_BYTES;
        if (declared !== undefined) {
          if (declared > maxBytes) return stop({ kind: "capped", declared });
          if (total > declared) return stop({ kind: "past", declared });
          // One buffer of the declared size: no second copy when the chunks are joined.
          out = allocate(declared, source);
          out.set(concat(chunks, total));
          chunks.length = 0;
        }
      }
      if (!out && total > maxBytes) return stop({ kind: "capped", declared: undefined });
    }
  } catch (error) {
    return { kind: "failed", declared, reason: error instanceof Error ? error.message : String(error) };
  }
  return { kind: "done", data: out ? out.subarray(0, total) : concat(chunks, total) };
}

// The offset where a complete gzip member ends before the end of `bytes` (holding exactly `size` bytes, when
// given). A member ends with its size mod 2^32, and a second member starts with 1f 8b 08, so only offsets after
// the one or before the other are tried, each by inflating the prefix; a few tries bound the cost on hostile input.
async function memberEnd(bytes: Uint8Array, size?: number): Promise<number | undefined> {
  const want = size === undefined ? -1 : size % 2 ** 32;
  let tries = 0;
  for (let end = 20; end < bytes.length && tries < 8; end++) {
    const sizeField = readUint32LE(bytes, end - 4) === want;
    const nextMember = bytes[end] === 0x1f && bytes[end + 1] === 0x8b && bytes[end + 2] === 0x08;
    if (!sizeField && !nextMember) continue;
    tries++;
    const prefix = await inflate(bytes.subarray(0, end), "", size ?? 2 ** 32, undefined).catch(() => undefined);
    if (prefix?.kind === "done" && (size === undefined || prefix.data.length === size) &&
        readUint32LE(bytes, end - 4) === prefix.data.length % 2 ** 32) return end;
  }
  return undefined;
}

// The first HEAD_BYTES decompressed bytes, even when the stream fails soon after: an inflater that meets bad
// bytes in the same write as a whole small member drops that member's output, so the input goes in small pieces.
async function headOf(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const input = bytes.subarray(0, 65536);
  void (async () => {
    for (let at = 0; at < input.length; at += 16) await writer.write(input.slice(at, at + 16));
    await writer.close();
  })().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < HEAD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch {
    // What came before the failure is the head.
  }
  await reader.cancel().catch(() => {});
  return concat(chunks, total).subarray(0, HEAD_BYTES);
}

async function trailingData(bytes: Uint8Array, source: string, size: number): Promise<FormatError> {
  const end = await memberEnd(bytes, size) ?? await memberEnd(bytes);
  if (end !== undefined) return trailingAt(bytes, source, end);
  return new FormatError(source, "one gzip member and nothing after it",
    `more data after the first member (the input's last bytes are not the trailer of its ${size} bytes)`, TRAILING_HINT);
}

function trailingAt(bytes: Uint8Array, source: string, end: number): FormatError {
  const rest = bytes.subarray(end);
  const what = isGzip(rest) ? "a second gzip member" : rest.every((b) => b === 0) ? "zero padding" : "trailing bytes";
  return new FormatError(source, "one gzip member and nothing after it",
    `${rest.length} more bytes from offset ${end} (${what}: ${hexHead(rest)})`, TRAILING_HINT);
}

function allocate(size: number, source: string): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch {
    throw new FormatError(source, "a decompressed size this runtime can allocate", `${size} bytes (${formatBytes(size)})`,
      "Free memory, or pass a smaller `maxBytes` to refuse such files up front.");
  }
}

function readUint32LE(bytes: Uint8Array, at: number): number {
  if (at < 0 || at + 4 > bytes.length) return -1;
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
