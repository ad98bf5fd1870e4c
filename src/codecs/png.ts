// PNG, both ways, without a dependency. Decoding takes 8-bit grey, grey + alpha, RGB and RGBA, not interlaced; its
// zlib data goes through the runtime's own DecompressionStream, and every size in the header is checked against a
// cap and against the bytes that follow before anything is allocated. Encoding writes grey 8-bit images with a
// stored (uncompressed) zlib stream, so pictures can embed their pixels as one small `data:` URL.
import { FormatError } from "../errors.js";
import { concat, hexHead } from "../util/bytes.js";
import { crc32 } from "./crc32.js";
import { checkBytes, decodeOptions } from "./image.js";
import type { DecodedImage, DecodeOptions } from "./image.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` start with the PNG signature. */
export function isPNG(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}
// Deflate emits at most 258 bytes for a 2-bit code (about 1032 : 1); a stream promising more is lying.
const MAX_INFLATE_RATIO = 1032;
const CHANNELS: Record<number, 1 | 2 | 3 | 4> = { 0: 1, 2: 3, 4: 2, 6: 4 };
const SAVE_HINT = "Save it as an 8-bit grey, grey + alpha, RGB or RGBA PNG, not interlaced (e.g. `magick in.png -depth 8 -interlace none out.png`).";
/**
 * Decodes a PNG of 8-bit grey, grey + alpha, RGB or RGBA samples; its zlib data goes through the runtime's own
 * `DecompressionStream("deflate")`, which stops at the size the header declares.
 * @throws {FormatError} for a bad signature, a truncated file, a CRC mismatch, a missing or malformed IHDR,
 *   an unsupported kind (paletted, 16-bit or below 8 bits, interlaced), too many pixels, image data that is too
 *   short or too long for the size, or a bad filter.
 * @throws {OptionError} for bytes that are not a Uint8Array, an unknown option, a bad `maxPixels` or `source`.
 * @example
 * const { width, height, channels, data } = await decodePNG(bytes);
 */
export async function decodePNG(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const { source, maxPixels } = decodeOptions("decodePNG", options, "PNG");
  checkBytes(bytes);
  const fail = (expected: string, actual: string, hint?: string): never => {
    throw new FormatError(source, expected, actual, hint);
  };
  if (bytes.length < 8 || !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    fail("the PNG signature 89 50 4e 47 0d 0a 1a 0a", hexHead(bytes, 8));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: { width: number; height: number; channels: 1 | 2 | 3 | 4 } | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0, idatDone = false, ended = false;
  for (let at = 8; at < bytes.length && !ended;) {
    if (bytes.length - at < 12) fail("a complete chunk (length, type, CRC)", `${bytes.length - at} bytes at offset ${at}`, "The file is truncated.");
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (length > 2 ** 31 - 1 || length > bytes.length - at - 12) {
      fail(`chunk ${JSON.stringify(type)} within the file`, `${length} bytes declared, ${bytes.length - at - 12} left`, "The file is truncated.");
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(data, crc32(bytes.subarray(at + 4, at + 8))) !== view.getUint32(at + 8 + length)) {
      fail(`chunk ${JSON.stringify(type)} with a matching CRC-32`, "a mismatch", "The file is damaged.");
    }
    at += 12 + length;
    if (!header && type !== "IHDR") fail("IHDR as the first chunk", JSON.stringify(type));
    if (type === "IHDR") {
      if (header) fail("one IHDR chunk", "a second one");
      header = readIHDR(data, maxPixels, fail);
    } else if (type === "IDAT") {
      if (idatDone) fail("consecutive IDAT chunks", "IDAT chunks split by another chunk");
      idat.push(data);
      idatBytes += data.length;
    } else {
      if (idat.length > 0) idatDone = true;
      if (type === "IEND") ended = true;
      // A critical chunk (upper-case first letter) changes how the image reads: one we do not know must stop us.
      // PLTE is only a suggestion for the colour types accepted here.
      else if (type.charCodeAt(0) < 0x61 && type !== "PLTE") fail("known critical chunks (IHDR, PLTE, IDAT, IEND)", JSON.stringify(type));
    }
  }
  if (!ended) fail("an IEND chunk at the end", "the end of the file", "The file is truncated.");
  if (idat.length === 0) fail("at least one IDAT chunk", "none");
  const { width, height, channels } = header!;
  const stride = width * channels, rawSize = height * (stride + 1);
  if (rawSize > idatBytes * MAX_INFLATE_RATIO + 1024) {
    fail(`image data that can inflate to ${rawSize} bytes for ${width} × ${height}`, `${idatBytes} compressed bytes`,
      "The file is truncated, or its header lies about the size.");
  }
  const raw = await inflate(idat, rawSize, `${width} × ${height}`, fail);
  return { width, height, channels, data: unfilter(raw, width, height, channels, fail) };
}

function readIHDR(data: Uint8Array, maxPixels: number, fail: (e: string, a: string, h?: string) => never) {
  if (data.length !== 13) fail("an IHDR chunk of 13 bytes", `${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, 13);
  const width = view.getUint32(0), height = view.getUint32(4);
  const [depth, colour, compression, filter, interlace] = data.subarray(8, 13) as unknown as number[];
  if (width < 1 || height < 1 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) fail("a width and height ≥ 1", `${width} × ${height}`);
  if (colour === 3) fail("grey, grey + alpha, RGB or RGBA samples", "a paletted image", SAVE_HINT);
  const channels = CHANNELS[colour!];
  if (channels === undefined) fail("a PNG colour type of 0, 2, 3, 4 or 6", `${colour}`);
  if (depth !== 8) fail("8-bit samples", depth === 16 ? "16-bit samples" : `a bit depth of ${depth}`, SAVE_HINT);
  if (compression !== 0 || filter !== 0) fail("compression and filter method 0", `${compression} and ${filter}`);
  if (interlace === 1) fail("a non-interlaced image", "an Adam7-interlaced one", SAVE_HINT);
  if (interlace !== 0) fail("interlace method 0 or 1", `${interlace}`);
  if (width * height > maxPixels) {
    fail(`at most ${maxPixels} pixels`, `${width} × ${height}`, "Resize the image first: the model sees it at 28 × 28 anyway.");
  }
  return { width, height, channels: channels! };
}

async function inflate(parts: Uint8Array[], size: number, what: string, fail: (e: string, a: string, h?: string) => never): Promise<Uint8Array> {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  // Errors come out of the reader, with the stream's reason; these promises would only repeat them.
  (async () => {
    for (const part of parts) await writer.write(part as Uint8Array<ArrayBuffer>);
    await writer.close();
  })().catch(() => {});
  const reader = stream.readable.getReader();
  const out = new Uint8Array(size);
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      return fail("valid zlib image data", `corrupt data (${error instanceof Error ? error.message : String(error)})`, "The file is damaged.");
    }
    if (chunk.done) break;
    if (total + chunk.value.length > size) {
      reader.cancel().catch(() => {});
      fail(`${size} bytes of image data for ${what}`, "more", "The header lies about the size.");
    }
    out.set(chunk.value, total);
    total += chunk.value.length;
  }
  if (total < size) fail(`${size} bytes of image data for ${what}`, `${total}`, "The file is truncated.");
  return out;
}

// Undoes PNG's per-row filters (None, Sub, Up, Average, Paeth) into rows without their filter bytes.
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number, fail: (e: string, a: string) => never): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)]!, from = y * (stride + 1) + 1, row = y * stride, up = row - stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[from + i]!;
      const a = i >= bpp ? out[row + i - bpp]! : 0, b = y > 0 ? out[up + i]! : 0, c = i >= bpp && y > 0 ? out[up + i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: return fail("row filters 0 to 4", `filter ${type} on row ${y}`);
      }
      out[row + i] = v & 0xff;
    }
  }
  return out;
}

const STORED_BLOCK = 65535;

/**
 * A PNG of `width × height` grey 8-bit pixels (row-major, 0 black … 255 white). The zlib stream is stored
 * (uncompressed): no deflate code, and for 28 × 28 images the file is still small.
 */
export function encodePNG(width: number, height: number, pixels: Uint8Array): Uint8Array {
  // Each scanline is prefixed by its filter byte: 0, none.
  const raw = new Uint8Array(height * (width + 1));
  for (let r = 0; r < height; r++) raw.set(pixels.subarray(r * width, (r + 1) * width), r * (width + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8); // bit depth 8, colour type 0 (grey), deflate, adaptive filters, no interlace
  const chunks = [chunk("IHDR", ihdr), chunk("IDAT", storedZlib(raw)), chunk("IEND", new Uint8Array(0))];
  return concat([Uint8Array.from(PNG_SIGNATURE), ...chunks]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length), v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4), each at most 65 535 bytes. */
function storedZlib(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4), v = new DataView(out.buffer);
  out[0] = 0x78; // deflate, 32 KB window
  out[1] = 0x01; // no preset dictionary, fastest; (0x78 << 8 | 0x01) % 31 == 0 as the header check requires
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const part = data.subarray(b * STORED_BLOCK, (b + 1) * STORED_BLOCK);
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
    v.setUint16(at + 1, part.length, true);
    v.setUint16(at + 3, ~part.length & 0xffff, true);
    out.set(part, at + 5);
    at += 5 + part.length;
  }
  v.setUint32(at, adler32(data));
  return out;
}

function adler32(data: Uint8Array): number {
  let a = 1, b = 0;
  // 5552 bytes is the most that can be summed before b might pass 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; i += 5552) {
    const end = Math.min(i + 5552, data.length);
    for (let j = i; j < end; j++) { a += data[j]!; b += a; }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
