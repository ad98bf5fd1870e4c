import { FormatError } from "../errors.js";

/**
 * Whether `bytes` start with the gzip magic number `1f 8b`.
 * @example
 * isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])); // true
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data with the standard `DecompressionStream`, available in Node ≥ 18, browsers, Deno, Bun
 * and workerd.
 * @throws {FormatError} when `bytes` are not gzip or the stream is truncated or corrupt; the error names `source`.
 * @example
 * const idx = await gunzip(await (await fetch(url)).bytes(), "train-images-idx3-ubyte.gz");
 */
export async function gunzip(bytes: Uint8Array, source = "gzip data"): Promise<Uint8Array> {
  if (!isGzip(bytes)) {
    throw new FormatError(source, "gzip data starting with 1f 8b", `${hexHead(bytes)}`,
      "The file is not gzipped; pass it as it is (IDX files are accepted uncompressed).");
  }
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  // Errors surface on the readable side with a better message; swallowing them here avoids unhandled rejections.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FormatError(source, "a complete, valid gzip stream", `corrupt gzip data (${reason})`,
      "Re-download the file: it is truncated or damaged.");
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Gunzips `bytes` when they start with the gzip magic number and returns them unchanged otherwise.
 * @throws {FormatError} when the bytes look gzipped but the stream is truncated or corrupt.
 * @example
 * const idx = await maybeGunzip(bytes, "t10k-labels-idx1-ubyte.gz");
 */
export async function maybeGunzip(bytes: Uint8Array, source = "gzip data"): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, source) : bytes;
}

export function hexHead(bytes: Uint8Array, count = 4): string {
  if (bytes.length === 0) return "0 bytes";
  const head = Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > count ? `${head} …` : head;
}
