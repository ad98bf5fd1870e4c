// Images a user has (PNG, PGM) decoded without a dependency, and turned into a model's input: grey 0–255 pixels
// of a square image, light on dark as in Fashion-MNIST. Every size in a header is checked against a cap and
// against the bytes that follow it before anything is allocated, and no decoder reads past its input.
import { FormatError, OptionError } from "../errors.js";
import { RULES, checkKeys, checkOr, integerIn, rule } from "../validate.js";
import { crc32 } from "../crc32.js";
import { hexHead } from "./gzip.js";

/** A decoded image: 8-bit samples, row by row, `channels` per pixel (grey, grey + alpha, RGB or RGBA). */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** Options of `decodeImage`, `decodePNG` and `decodePGM`. */
export interface DecodeOptions {
  /** Images with more pixels are refused before decoding. Default `IMAGE_MAX_PIXELS`. */
  maxPixels?: number;
  /** Names the input in errors (a file name). */
  source?: string;
}

/** 2^25 pixels (a 6000 × 5000 photo fits): decoding one as RGBA takes 128 MB. */
export const IMAGE_MAX_PIXELS = 2 ** 25;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// Deflate emits at most 258 bytes for a 2-bit code (about 1032 : 1); a stream promising more is lying.
const MAX_INFLATE_RATIO = 1032;
const CHANNELS: Record<number, 1 | 2 | 3 | 4> = { 0: 1, 2: 3, 4: 2, 6: 4 };
const SAVE_HINT = "Save it as an 8-bit grey, grey + alpha, RGB or RGBA PNG, not interlaced (e.g. `magick in.png -depth 8 -interlace none out.png`).";

/**
 * Decodes a PNG or a PGM (binary P5 or ASCII P2), told apart by their first bytes.
 * @throws {FormatError} for anything else, and as `decodePNG` / `decodePGM`.
 * @throws {OptionError} for bytes that are not a Uint8Array, an unknown option, a bad `maxPixels` or `source`.
 * @example
 * const image = await decodeImage(new Uint8Array(await file.arrayBuffer()));
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const { source } = decodeOptions("decodeImage", options, "image");
  checkBytes(bytes);
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePNG(bytes, options);
  if (bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x32)) return decodePGM(bytes, options);
  throw new FormatError(source, "a PNG or PGM (P5 or P2) image", hexHead(bytes, 8), "Convert it to PNG first.");
}

const MAX_PIXELS = integerIn(1, Number.MAX_SAFE_INTEGER, "an integer ≥ 1");
const SOURCE = rule<string>("a string", (v) => typeof v === "string");

/** The decoders' options, checked: unknown keys refused, `maxPixels` an integer ≥ 1, `source` a string. */
function decodeOptions(what: string, options: DecodeOptions | undefined, defaultSource: string): { maxPixels: number; source: string } {
  const o = checkKeys(what, options, ["maxPixels", "source"]);
  return { maxPixels: checkOr("maxPixels", o.maxPixels, MAX_PIXELS, IMAGE_MAX_PIXELS), source: checkOr("source", o.source, SOURCE, defaultSource) };
}

function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  if (!RULES.bytes.test(bytes)) throw new OptionError("bytes", RULES.bytes.text, bytes);
}

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

/**
 * Decodes a PGM: binary (P5) or ASCII (P2), `maxval` up to 255 (samples are scaled to 0–255).
 * @throws {FormatError} for a bad magic, a malformed or truncated header, a `maxval` outside [1, 255] (16-bit
 *   samples are not supported), too many pixels, samples above `maxval`, or fewer or more samples than the size.
 * @throws {OptionError} for bytes that are not a Uint8Array, an unknown option, a bad `maxPixels` or `source`.
 * @example
 * const image = await decodePGM(bytes); // { width, height, channels: 1, data }
 */
export async function decodePGM(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const { source, maxPixels } = decodeOptions("decodePGM", options, "PGM");
  checkBytes(bytes);
  const fail = (expected: string, actual: string, hint?: string): never => {
    throw new FormatError(source, expected, actual, hint);
  };
  if (bytes.length < 2 || bytes[0] !== 0x50 || (bytes[1] !== 0x35 && bytes[1] !== 0x32)) {
    fail('a PGM starting with "P5" or "P2"', hexHead(bytes.subarray(0, 2)));
  }
  const ascii = bytes[1] === 0x32;
  let at = 2;
  const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
  // The next decimal number, skipping whitespace and "#" comments (to the end of the line).
  const number = (what: string): number => {
    for (;;) {
      while (isSpace(bytes[at])) at++;
      if (bytes[at] !== 0x23) break;
      while (at < bytes.length && bytes[at] !== 0x0a && bytes[at] !== 0x0d) at++;
    }
    const start = at;
    let value = 0;
    while (at < bytes.length && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) {
      if (at - start === 10) fail(`the ${what} as a number of at most 10 digits`, `more`, "The header is damaged.");
      value = value * 10 + bytes[at++]! - 0x30;
    }
    if (at === start) {
      fail(`the ${what} as a decimal number`, at >= bytes.length ? "the end of the file" : byteAt(at),
        at >= bytes.length ? "The file is truncated." : undefined);
    }
    if (at < bytes.length && !isSpace(bytes[at]) && bytes[at] !== 0x23) fail(`the ${what} followed by whitespace`, byteAt(at));
    return value;
  };
  const byteAt = (i: number) => {
    const b = bytes[i]!;
    return b > 0x20 && b < 0x7f ? `the byte ${JSON.stringify(String.fromCharCode(b))}` : `the byte 0x${b.toString(16).padStart(2, "0")}`;
  };
  const width = number("width"), height = number("height"), maxval = number("maxval");
  if (width < 1 || height < 1) fail("a width and height ≥ 1", `${width} × ${height}`);
  if (maxval < 1 || maxval > 65535) fail("a maxval in [1, 65535]", `${maxval}`, "The header is damaged.");
  if (maxval > 255) fail("a maxval of at most 255 (8-bit samples)", `${maxval} (16-bit samples)`, "Save it with 8-bit samples (e.g. `pnmdepth 255`).");
  const count = width * height;
  if (count > maxPixels) fail(`at most ${maxPixels} pixels`, `${width} × ${height}`, "Resize the image first: the model sees it at 28 × 28 anyway.");
  // Exactly one whitespace byte ends a binary header; the raster follows.
  at++;
  const left = bytes.length - at;
  // An ASCII sample takes at least a digit and a separator: check what the bytes can hold before allocating.
  if ((!ascii && left < count) || (ascii && left < 2 * count - 1)) {
    fail(`${ascii ? "at least " : ""}${ascii ? 2 * count - 1 : count} bytes of samples for ${width} × ${height}`, `${Math.max(0, left)}`,
      "The file is truncated, or its header lies about the size.");
  }
  if (!ascii && left > count) {
    fail(`${count} bytes of samples for ${width} × ${height}`, `${left}`,
      "The header gives a smaller size than the data, or the file holds several images: save one.");
  }
  const data = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const v = ascii ? number(`sample ${i}`) : bytes[at + i]!;
    if (v > maxval) fail(`samples ≤ maxval ${maxval}`, `${v} at pixel ${i}`);
    data[i] = maxval === 255 ? v : Math.round((v * 255) / maxval);
  }
  if (ascii) {
    while (isSpace(bytes[at])) at++;
    if (at < bytes.length) fail(`${count} samples for ${width} × ${height}`, "more", "The header gives a smaller size than the data.");
  }
  return { width, height, channels: 1, data };
}

const SIDE = integerIn(1, 4096);

/** Options of `imageToPixels`. */
export interface ToPixelsOptions {
  /** Side of the square the model sees. Default 28. */
  size?: number;
  /** For dark drawings on a light background: 255 − v, so they read as Fashion-MNIST's light on dark. */
  invert?: boolean;
}

/**
 * An image as `size × size` grey pixels (0–255, row by row) for a model trained on Fashion-MNIST:
 * luminance from RGB with ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B, as PIL's `convert("L")`),
 * transparent pixels as the background (black, or white before `invert`), a non-square image centred on a
 * black square, then resized by area averaging (each output pixel is the mean of the input area it covers).
 * @throws {OptionError} for an unknown option, a bad `size` or `invert`, or an image that is not a DecodedImage.
 * @example
 * const pixels = imageToPixels(await decodeImage(bytes), { invert: true }); // Uint8Array(784)
 */
export function imageToPixels(image: DecodedImage, options: ToPixelsOptions = {}): Uint8Array {
  const o = checkKeys("imageToPixels", options, ["size", "invert"]);
  const size = checkOr("size", o.size, SIDE, 28), invert = checkOr("invert", o.invert, RULES.boolean, false);
  const { width: W, height: H, channels, data } = image ?? ({} as DecodedImage);
  if (!(data instanceof Uint8Array) || ![1, 2, 3, 4].includes(channels) || !(W >= 1) || !(H >= 1) || data.length !== W * H * channels) {
    throw new OptionError("image", "{ width, height, channels, data } with width × height × channels bytes of data", image);
  }
  const background = invert ? 255 : 0;
  const grey = (p: number): number => {
    const o = p * channels;
    let v = channels >= 3 ? (data[o]! * 19595 + data[o + 1]! * 38470 + data[o + 2]! * 7471 + 0x8000) >>> 16 : data[o]!;
    if (channels === 2 || channels === 4) {
      const alpha = data[o + channels - 1]!;
      v = (v * alpha + background * (255 - alpha)) / 255;
    }
    return invert ? 255 - v : v;
  };
  // The image sits centred (to the pixel) in a virtual S × S square of 0s; output pixel k covers [k·scale, (k+1)·scale).
  const S = Math.max(W, H), scale = S / size;
  const spans = (n: number) => {
    const offset = Math.floor((S - n) / 2);
    return Array.from({ length: size }, (_, k) => {
      const lo = k * scale - offset, hi = lo + scale;
      const span: [number, number][] = [];
      for (let i = Math.max(0, Math.floor(lo)); i < Math.min(n, Math.ceil(hi)); i++) {
        const w = Math.min(hi, i + 1) - Math.max(lo, i);
        if (w > 0) span.push([i, w]);
      }
      return span;
    });
  };
  const xs = spans(W), ys = spans(H);
  // Separable: columns first, for the rows some output row needs, then rows.
  const across = new Float64Array(H * size);
  for (let y = 0; y < H; y++) {
    for (let k = 0; k < size; k++) {
      let sum = 0;
      for (const [x, w] of xs[k]!) sum += w * grey(y * W + x);
      across[y * size + k] = sum;
    }
  }
  const out = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let k = 0; k < size; k++) {
      let sum = 0;
      for (const [y, w] of ys[r]!) sum += w * across[y * size + k]!;
      out[r * size + k] = Math.min(255, Math.max(0, Math.round(sum / (scale * scale))));
    }
  }
  return out;
}
