// What `predict` and `predictProba` take besides a Dataset: the arrays users have at hand, turned into the
// rows the kernels read, following what the model says its inputs are (see InputDescription).
import { OptionError, ShapeError } from "../errors.js";
import { checkPixels } from "./description.js";

/**
 * Rows of features as users hold them: `Uint8Array` pixels (scaled to [0, 1] by the model), `Float32Array` or
 * `Float64Array` features, a plain `number[]` of one example or of several back to back, or one row per example
 * (`number[][]`, an array of Float32Array / Float64Array rows, or an array of Uint8Array rows of pixels). For a
 * model whose inputs are pixels, plain numbers are raw 0-255 pixels (scaled exactly as a Uint8Array is) and
 * Float32Array / Float64Array values are already scaled, in [0, 1].
 */
export type ArrayInputs = Uint8Array | Float32Array | Float64Array | readonly number[] | readonly ArrayLike<number>[];

const RULE = "a Uint8Array, Float32Array, Float64Array, number[], number[][] or Dataset";
const PIXEL = "an integer in [0, 255] (this model's inputs are pixels)";
const PIXEL_HINT = "Pass raw pixels as 0-255 integers (number[] or Uint8Array), or scaled pixels in [0, 1] as a Float32Array.";
const SCALED = "a value in [0, 1] (this model's inputs are pixels: float arrays hold them × 1/255)";

/**
 * `x` as whole rows of `width` values: Uint8Array and Float32Array as they are, rows of Uint8Array pixels
 * into one Uint8Array, everything else copied into a Float32Array (rounded to f32). With `pixels` true (the
 * model's inputs are pixels), plain numbers must be integers in [0, 255] and become a Uint8Array, so the kernels
 * scale them exactly as a Uint8Array; float arrays must hold values in [0, 1]. With `pixels` false, Uint8 pixels
 * are refused.
 * @throws {OptionError} for another kind of value, an element that is not a number, or a value the model's
 *   inputs cannot be (see above).
 * @throws {ShapeError} when the values are not whole rows of `width`, or a row of a nested array is not `width` long.
 * @example
 * toInputRows([[0, 0.5, 1], [1, 0.5, 0]], 3); // Float32Array(6)
 * toInputRows([0, 128, 255], 3, true); // Uint8Array(3)
 */
export function toInputRows(x: unknown, width: number, pixels?: boolean): Uint8Array | Float32Array {
  const typed = x instanceof Uint8Array || x instanceof Float32Array || x instanceof Float64Array;
  if (!typed && !Array.isArray(x)) throw new OptionError("inputs", RULE, x);
  const values = x as ArrayLike<unknown>;
  // A flat array (typed, or of numbers) is whole rows back to back: it is read as one row of all its values.
  const nested = !typed && values.length > 0 && typeof values[0] !== "number";
  if (!nested && values.length % width !== 0) {
    throw new ShapeError("inputs", `a multiple of ${width} values (rows of ${width})`, `${values.length} values`);
  }
  const rows = (nested ? values : [values]) as unknown[];
  // Rows of pixels stay pixels, scaled by the model like a flat Uint8Array; mixing them with features is ambiguous.
  // For a pixel model, plain arrays are raw pixels too; float typed arrays are scaled ones.
  const isPixelRow = (row: unknown) => row instanceof Uint8Array || (pixels && Array.isArray(row));
  const bytes = isPixelRow(rows[0]);
  // A Uint8Array or Float32Array is read where it is; anything else is copied (numbers rounded to f32).
  const out = x instanceof Uint8Array || x instanceof Float32Array ? x
    : new (bytes ? Uint8Array : Float32Array)(nested ? rows.length * width : values.length);
  rows.forEach((row, r) => {
    const at = nested ? `inputs[${r}]` : "inputs";
    if (!(bytes ? isPixelRow(row) : (Array.isArray(row) && !pixels) || row instanceof Float32Array || row instanceof Float64Array)) {
      throw new OptionError(at, `${bytes ? (pixels ? "a Uint8Array or an array of 0-255 pixels" : "a Uint8Array")
        : pixels ? "a Float32Array or Float64Array of scaled pixels" : "an array of numbers"}, as the first row is`, row);
    }
    const cells = row as ArrayLike<unknown>, plain = Array.isArray(row);
    if (nested && cells.length !== width) {
      throw new ShapeError(at, `${width} values (the model's inputs)`, `${cells.length}`,
        "Pass one flat row per example (a 28×28 image as 784 values, row by row).");
    }
    // Read in place, so only checked (scaled pixels) or not even that: a Uint8Array, or floats for a model of features.
    if (out === row && !(pixels && !bytes)) return;
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      if (typeof v !== "number") {
        throw new OptionError(`${at}[${i}]`, "a number", v, "Pass a flat number[] of whole rows, or one array of numbers per example.");
      }
      if (pixels && (plain || !bytes)) checkValue(v, `${at}[${i}]`, plain);
      if (out !== row) out[r * width + i] = v;
    }
  });
  checkPixels(pixels, out instanceof Uint8Array);
  return out;
}

// A raw pixel (`raw`: an integer in [0, 255]) or a scaled one (in [0, 1]), for a model whose inputs are pixels.
function checkValue(v: number, at: string, raw: boolean): void {
  if (raw ? !(Number.isInteger(v) && v >= 0 && v <= 255) : !(v >= 0 && v <= 1)) throw new OptionError(at, raw ? PIXEL : SCALED, v, PIXEL_HINT);
}
