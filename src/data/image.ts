// Images a user has, decoded whatever their format (PNG, PGM) and turned into a model's input: grey 0–255 pixels
// of a square image, light on dark as in Fashion-MNIST.
import { FormatError, OptionError } from "../errors.js";
import { RULES, checkFewKeys, checkOr, integerIn } from "../validate.js";
import { hexHead } from "../util/bytes.js";
import { checkBytes, decodeOptions } from "../codecs/image.js";
import type { DecodedImage, DecodeOptions } from "../codecs/image.js";
import { decodePNG, isPNG } from "../codecs/png.js";
import { decodePGM, isPGM } from "../codecs/pgm.js";

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
  if (isPNG(bytes)) return decodePNG(bytes, options);
  if (isPGM(bytes)) return decodePGM(bytes, options);
  throw new FormatError(source, "a PNG or PGM (P5 or P2) image", hexHead(bytes, 8), "Convert it to PNG first.");
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
  const o = checkFewKeys("imageToPixels", options, ["size", "invert"]);
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
