// PGM (Netpbm grey maps), binary P5 and ASCII P2, without a dependency; every size in the header is checked
// against a cap and against the bytes that follow before anything is allocated.
import { FormatError } from "../errors.js";
import { hexHead } from "../util/bytes.js";
import { checkBytes, decodeOptions } from "./image.js";
import type { DecodedImage, DecodeOptions } from "./image.js";

/** Whether `bytes` start as a PGM does ("P5" or "P2"). */
export function isPGM(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x32);
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
