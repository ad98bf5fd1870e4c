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
const PIXEL = "a pixel value: an integer in [0, 255] (this model's inputs are pixels)";
const PIXEL_HINT = "Pass raw pixels as 0-255 integers (number[] or Uint8Array), or scaled pixels in [0, 1] as a Float32Array.";
const SCALED = "a value in [0, 1] (this model's inputs are pixels, and float arrays hold them scaled by 1/255)";

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
  const rows = rowsFrom(x, width, pixels);
  checkPixels(pixels, rows instanceof Uint8Array);
  return rows;
}

function rowsFrom(x: unknown, width: number, pixels: boolean | undefined): Uint8Array | Float32Array {
  if (x instanceof Uint8Array || x instanceof Float32Array || x instanceof Float64Array) {
    checkWhole(x.length, width);
    const out = x instanceof Float64Array ? Float32Array.from(x) : x;
    if (pixels && out instanceof Float32Array) out.forEach((v, i) => checkScaled(v, `inputs[${i}]`));
    return out;
  }
  if (!Array.isArray(x)) throw new OptionError("inputs", RULE, x);
  if (x.length > 0 && typeof x[0] !== "number") return fromRows(x, width, pixels === true);
  checkWhole(x.length, width);
  const out = pixels ? new Uint8Array(x.length) : new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v: unknown = x[i];
    if (typeof v !== "number") {
      throw new OptionError(`inputs[${i}]`, "a number (every element of a flat array)", v,
        "Pass a flat number[] of whole rows, or one array per example.");
    }
    if (pixels) checkPixel(v, `inputs[${i}]`);
    out[i] = v;
  }
  return out;
}

function fromRows(rows: unknown[], width: number, pixels: boolean): Uint8Array | Float32Array {
  // Rows of pixels stay pixels, scaled by the model like a flat Uint8Array; mixing them with features is ambiguous.
  // For a pixel model, plain arrays are raw pixels too; float typed arrays are scaled ones.
  const isPixelRow = (row: unknown) => row instanceof Uint8Array || (pixels && Array.isArray(row));
  const bytes = isPixelRow(rows[0]);
  const out = bytes ? new Uint8Array(rows.length * width) : new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    const isRow = bytes ? isPixelRow(row)
      : (Array.isArray(row) && !pixels) || row instanceof Float32Array || row instanceof Float64Array;
    if (!isRow) {
      throw new OptionError(`inputs[${r}]`, bytes ? (pixels ? "a Uint8Array or an array of 0-255 pixels, as the first row is" : "a Uint8Array, as the first row is")
        : pixels ? "a Float32Array or Float64Array of scaled pixels, as the first row is" : "an array of numbers (one row per example)", row);
    }
    const values = row as ArrayLike<unknown>;
    if (values.length !== width) {
      throw new ShapeError(`inputs[${r}]`, `${width} values (the model's inputs)`, `${values.length}`,
        "Pass one flat row per example (a 28×28 image as 784 values, row by row).");
    }
    const plain = Array.isArray(row);
    for (let i = 0; i < width; i++) {
      const v = values[i];
      if (typeof v !== "number") throw new OptionError(`inputs[${r}][${i}]`, "a number", v);
      if (pixels && plain) checkPixel(v, `inputs[${r}][${i}]`);
      else if (pixels && !bytes) checkScaled(v, `inputs[${r}][${i}]`);
      out[r * width + i] = v;
    }
  });
  return out;
}

function checkPixel(v: number, at: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new OptionError(at, PIXEL, v, PIXEL_HINT);
}

function checkScaled(v: number, at: string): void {
  if (!(v >= 0 && v <= 1)) throw new OptionError(at, SCALED, v, PIXEL_HINT);
}

function checkWhole(length: number, width: number): void {
  if (length % width !== 0) {
    throw new ShapeError("inputs", `a multiple of ${width} values (rows of ${width})`, `${length} values`);
  }
}
