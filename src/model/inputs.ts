// What `predict` and `predictProba` take besides a Dataset: the arrays users have at hand, turned into the
// rows the kernels read.
import { OptionError, ShapeError } from "../errors.js";

/**
 * Rows of features as users hold them: `Uint8Array` pixels (scaled to [0, 1] by the model), `Float32Array` or
 * `Float64Array` features, a plain `number[]` of one example or of several back to back, or one row per example
 * (`number[][]`, an array of Float32Array / Float64Array rows, or an array of Uint8Array rows of pixels).
 */
export type ArrayInputs = Uint8Array | Float32Array | Float64Array | readonly number[] | readonly ArrayLike<number>[];

const RULE = "a Uint8Array, Float32Array, Float64Array, number[], number[][] or Dataset";

/**
 * `x` as whole rows of `width` values: Uint8Array and Float32Array as they are, rows of Uint8Array pixels
 * into one Uint8Array, everything else copied into a Float32Array (rounded to f32).
 * @throws {OptionError} for another kind of value, or an element that is not a number.
 * @throws {ShapeError} when the values are not whole rows of `width`, or a row of a nested array is not `width` long.
 * @example
 * toInputRows([[0, 0.5, 1], [1, 0.5, 0]], 3); // Float32Array(6)
 */
export function toInputRows(x: unknown, width: number): Uint8Array | Float32Array {
  if (x instanceof Uint8Array || x instanceof Float32Array || x instanceof Float64Array) {
    checkWhole(x.length, width);
    return x instanceof Float64Array ? Float32Array.from(x) : x;
  }
  if (!Array.isArray(x)) throw new OptionError("inputs", RULE, x);
  if (x.length > 0 && typeof x[0] !== "number") return fromRows(x, width);
  checkWhole(x.length, width);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v: unknown = x[i];
    if (typeof v !== "number") {
      throw new OptionError(`inputs[${i}]`, "a number (every element of a flat array)", v,
        "Pass a flat number[] of whole rows, or one array per example.");
    }
    out[i] = v;
  }
  return out;
}

function fromRows(rows: unknown[], width: number): Uint8Array | Float32Array {
  // Rows of pixels stay pixels, scaled by the model like a flat Uint8Array; mixing them with features is ambiguous.
  const pixels = rows[0] instanceof Uint8Array;
  const out = pixels ? new Uint8Array(rows.length * width) : new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    const isRow = pixels ? row instanceof Uint8Array
      : Array.isArray(row) || row instanceof Float32Array || row instanceof Float64Array;
    if (!isRow) {
      throw new OptionError(`inputs[${r}]`, pixels ? "a Uint8Array, as the first row is" : "an array of numbers (one row per example)", row);
    }
    const values = row as ArrayLike<unknown>;
    if (values.length !== width) {
      throw new ShapeError(`inputs[${r}]`, `${width} values (the model's inputs)`, `${values.length}`,
        "Pass one flat row per example (a 28×28 image as 784 values, row by row).");
    }
    for (let i = 0; i < width; i++) {
      const v = values[i];
      if (typeof v !== "number") throw new OptionError(`inputs[${r}][${i}]`, "a number", v);
      out[r * width + i] = v;
    }
  });
  return out;
}

function checkWhole(length: number, width: number): void {
  if (length % width !== 0) {
    throw new ShapeError("inputs", `a multiple of ${width} values (rows of ${width})`, `${length} values`);
  }
}
