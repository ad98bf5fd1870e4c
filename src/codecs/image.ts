// What the image decoders share: the decoded image, their options and the cap on pixels, checked one way.
import { OptionError } from "../errors.js";
import { RULES, checkFewKeys, checkOr, integerIn, rule } from "../validate.js";

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
const MAX_PIXELS = integerIn(1, Number.MAX_SAFE_INTEGER, "an integer ≥ 1");
const SOURCE = rule<string>("a string", (v) => typeof v === "string");

/** The decoders' options, checked: unknown keys refused, `maxPixels` an integer ≥ 1, `source` a string. */
export function decodeOptions(what: string, options: DecodeOptions | undefined, defaultSource: string): { maxPixels: number; source: string } {
  const o = checkFewKeys(what, options, ["maxPixels", "source"]);
  return { maxPixels: checkOr("maxPixels", o.maxPixels, MAX_PIXELS, IMAGE_MAX_PIXELS), source: checkOr("source", o.source, SOURCE, defaultSource) };
}

export function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  if (!RULES.bytes.test(bytes)) throw new OptionError("bytes", RULES.bytes.text, bytes);
}
