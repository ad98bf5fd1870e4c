import { OptionError, ShapeError } from "../errors.js";
import { check, checkFinite, checkKeys, checkOr, checkWeights, integerIn, rule, RULES, type Rule } from "../validate.js";
import { DATASET_MARK, U8_SCALE } from "./pixels.js";

export { U8_SCALE } from "./pixels.js";

/** Integer labels (one per row), or target rows of `classes` values (soft labels, regression targets). */
export type Targets = ArrayLike<number>;

/** Options of `Dataset.fromArrays`. */
export interface DatasetOptions {
  /** Values per example (784 for 28×28 images). */
  features: number;
  /** Number of classes; every label must be below it. */
  classes: number;
  /** Height and width when the examples are images (for pictures). */
  imageShape?: readonly [number, number];
  /** Human-readable class names, one per class. */
  classNames?: readonly string[];
  /**
   * Multiplies every value of `x` by this (as an f32, like the 1/255 of Uint8 pixels, so every backend sees the
   * same bits) once, into a new Float32Array: `1 / 255` for pixels given as 0-255 floats, `1` to keep values that
   * only look like raw pixels. Required for a Float32Array of integers in [0, 255] above 1.
   */
  scale?: number;
  /**
   * Keep NaN and ±Infinity features (default false: the first one is refused with its row and column). Losses and
   * predictions of the rows that hold them are then NaN.
   */
  allowNonFinite?: boolean;
  /**
   * One weight per example, each finite and ≥ 0: the example's loss and gradient count that many times (a batch's
   * loss is Σ w·loss / Σ w; see the weighted losses in docs/library.md). Default: every example 1.
   */
  weights?: ArrayLike<number>;
}

const KNOWN: readonly string[] = ["features", "classes", "imageShape", "classNames", "scale", "allowNonFinite", "weights"];

/** Two or more classes: one class leaves nothing to learn. */
export const CLASSES_RULE = integerIn(2);
const X_RULE = rule<Uint8Array | Float32Array>("a Uint8Array or Float32Array",
  (v) => v instanceof Uint8Array || v instanceof Float32Array);
const Y_RULE = rule<ArrayLike<number>>("an array of integer labels (or a Float32Array of targets)",
  (v) => typeof v === "object" && v !== null && typeof (v as ArrayLike<number>).length === "number");
const SHAPE_RULE = rule<readonly [number, number]>("[height, width], two positive integers",
  (v) => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n) && n > 0));

/** One name per class, each a string. */
export function classNamesRule(classes: number): Rule<readonly string[]> {
  return rule(`an array of ${classes} strings`,
    (v) => Array.isArray(v) && v.length === classes && v.every((name) => typeof name === "string"));
}

/** @internal One array of whole rows: rows [start, start + rows) of a Dataset. */
export interface DatasetPart {
  readonly x: Uint8Array | Float32Array;
  readonly start: number;
  readonly rows: number;
}

// Rows already checked, from concat; a class of its own so that no argument from outside can pass for it.
class Parts {
  constructor(readonly list: DatasetPart[]) {}
}

const PARTS_RULE = rule<readonly Dataset[]>("a non-empty array of Datasets",
  (v) => Array.isArray(v) && v.length > 0 && v.every((d) => d instanceof Dataset));

/**
 * Examples and their labels, kept in memory as they came: `Uint8Array` pixels (scaled to [0, 1] per batch,
 * inside the kernels) or `Float32Array` features (used as they are). Labels are integer classes; or target rows
 * of `classes` values (soft labels, regression targets), in which case each row's argmax is its class.
 */
export class Dataset {
  /** @internal */
  get [DATASET_MARK](): true { return true; }
  /** @internal The arrays holding the rows, in order: one, or one per part given to `Dataset.concat`. */
  readonly parts: readonly DatasetPart[];
  readonly y: Int32Array;
  /** Target rows (length × classes) when the data was given soft labels or regression targets. */
  readonly targets: Float32Array | undefined;
  readonly length: number;
  readonly features: number;
  readonly classes: number;
  readonly imageShape: readonly [number, number] | undefined;
  readonly classNames: readonly string[] | undefined;
  /** The `scale` the values were multiplied by when the Dataset was made, if one was given. */
  readonly scale: number | undefined;
  /** Per-example weights (`weights` of `fromArrays`), or undefined when every example weighs 1. */
  readonly weights: Float32Array | undefined;

  /**
   * Wraps arrays without copying them (labels of another integer type are converted once). `y` is one integer
   * label per example, or a Float32Array of `classes` targets per example (soft labels, regression targets).
   * @throws {OptionError} for an unknown option (naming the nearest known one), a `features` that is not a positive
   * integer, `classes` below 2, an `imageShape` whose area is not `features`, class names that do not fit, a
   * `scale` that is not a finite number > 0, or a Float32Array `x` of raw-looking pixels (integers in [0, 255],
   * some above 1) without `scale`.
   * @throws {ShapeError} when `x` is not `length × features` values, a feature is NaN or ±Infinity (naming its row
   * and column; unless `allowNonFinite`), a label is outside `[0, classes)`, a target is not finite, or `weights`
   * is not one number per example.
   * @throws {OptionError} for a weight that is negative, NaN or infinite (naming `weights[i]`).
   * @example
   * const data = Dataset.fromArrays(new Float32Array([0, 1, 1, 0]), new Int32Array([0, 1]), { features: 2, classes: 2 });
   * const pixels = Dataset.fromArrays(floatPixels, labels, { features: 784, classes: 10, scale: 1 / 255 });
   */
  static fromArrays(
    x: Uint8Array | Float32Array,
    y: ArrayLike<number>,
    options: DatasetOptions,
  ): Dataset {
    return new Dataset(x, y, options, false);
  }

  /**
   * The examples of `parts` one after another, as one Dataset that keeps the parts' arrays as they are (one typed
   * array holds at most 2³² values, 4 GiB of pixels, in V8): labels and targets are copied, rows are not. Trainer and
   * fit train on it like on any Dataset (streaming it when it is over their `residentBytes`); `row` and
   * `subset` read it; only `x`, one array of all rows, is missing when there is more than one part.
   * @throws {OptionError} when `parts` is not a non-empty array of Datasets.
   * @throws {ShapeError} when the parts differ in features, classes, pixel type, or in having target rows.
   * @example
   * const all = Dataset.concat([first, second]); // all.length === first.length + second.length
   */
  static concat(parts: readonly Dataset[]): Dataset {
    check("parts", parts, PARTS_RULE);
    const first = parts[0]!, kind = (d: Dataset) => d.parts[0]!.x.constructor.name;
    const shape = (d: Dataset) => `${d.features} features, ${d.classes} classes, ${kind(d)} rows${d.targets ? " and target rows" : ""}`;
    parts.forEach((d, i) => {
      if (shape(d) !== shape(first)) {
        throw new ShapeError(`Dataset.concat parts[${i}]`, shape(first), shape(d), "Concatenate parts of one data set.");
      }
    });
    const pieces: DatasetPart[] = [];
    let rows = 0;
    for (const d of parts) {
      for (const part of d.parts) pieces.push({ x: part.x, start: rows + part.start, rows: part.rows });
      rows += d.length;
    }
    const y = new Int32Array(rows), C = first.classes, targets = first.targets && new Float32Array(rows * C);
    // Weighted when any part is: the parts without weights weigh 1 each.
    const weights = parts.some((d) => d.weights) ? new Float32Array(rows).fill(1) : undefined;
    let at = 0;
    for (const d of parts) {
      y.set(d.y, at);
      targets?.set(d.targets!, at * C);
      if (d.weights) weights!.set(d.weights, at);
      at += d.length;
    }
    return new Dataset(pieces.length === 1 ? pieces[0]!.x : new Parts(pieces), targets ?? y,
      { ...first.options(), ...(weights && { weights }) }, true);
  }

  /**
   * All rows in one array (length × features values).
   * @throws {ShapeError} for a Dataset made by `Dataset.concat` from several arrays: read it with `row` or `subset`.
   */
  get x(): Uint8Array | Float32Array {
    if (this.parts.length === 1) return this.parts[0]!.x;
    throw new ShapeError("Dataset.x", "a Dataset held in one array", `one held in ${this.parts.length} (from Dataset.concat)`,
      "Read its rows with row(i) or subset(indices); Trainer, fit and evaluate take it as it is.");
  }

  /** @internal Whether the rows are Uint8 pixels (scaled to [0, 1] per batch) rather than Float32 features. */
  get pixels(): boolean {
    return this.parts[0]!.x instanceof Uint8Array;
  }

  /**
   * @internal Whether the examples are pixels: Uint8 rows, or floats made from 0-255 values with `scale: 1 / 255`.
   * A model first trained on them takes its raw inputs as pixels.
   */
  get fromPixels(): boolean {
    return this.pixels || this.scale === U8_SCALE;
  }

  /** @internal The values of row `i`, a view into the array that holds it (no check of `i`). */
  rowValues(i: number): Uint8Array | Float32Array {
    const parts = this.parts, F = this.features;
    let lo = 0, hi = parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (parts[mid]!.start <= i) lo = mid;
      else hi = mid - 1;
    }
    const part = parts[lo]!, at = (i - part.start) * F;
    return part.x.subarray(at, at + F);
  }

  /** `checked`: x comes from a Dataset (a subset, a concat), so its values were accepted, and scaled, already. */
  private constructor(x: Uint8Array | Float32Array | Parts, y: ArrayLike<number>, options: DatasetOptions, checked: boolean) {
    const opts = checkKeys("Dataset", options, KNOWN);
    const features = check("features", opts.features, RULES.count);
    const classes = check("classes", opts.classes, CLASSES_RULE);
    const imageShape = checkOr("imageShape", opts.imageShape, SHAPE_RULE, undefined);
    if (imageShape) {
      const [height, width] = imageShape;
      check("imageShape", height * width, rule(`[height, width] with height × width = ${features}`, (area) => area === features),
        `[${height}, ${width}] holds ${height * width} values; each example has ${features}.`);
    }
    const classNames = checkOr("classNames", opts.classNames, classNamesRule(classes), undefined);
    // Parts come from concat, already checked.
    const given = x instanceof Parts ? x.list : undefined;
    if (!given) check("x", x, X_RULE);
    check("y", y, Y_RULE);
    const scale = checkOr("scale", opts.scale, RULES.positive, undefined);
    const allowNonFinite = checkOr("allowNonFinite", opts.allowNonFinite, RULES.boolean, false);
    if (scale !== undefined && !checked) x = scaled(x as Uint8Array | Float32Array, Math.fround(scale));
    else if (!checked && x instanceof Float32Array && looksLikeRawPixels(x)) {
      throw new OptionError("scale", "a scale for Float32 values that look like raw pixels (integers in [0, 255])", undefined,
        "Pass `scale: 1 / 255` to train on [0, 1] as Uint8 pixels are, or `scale: 1` to keep the values as they are.");
    }
    // After scaling, which can overflow a large finite value to Infinity.
    if (!checked && !allowNonFinite && x instanceof Float32Array) {
      checkFinite("feature", x, features, "Replace missing or overflowing values before training (for example by the " +
        "column's mean), or pass { allowNonFinite: true } to keep them: losses and predictions that read them are NaN.");
    }
    const values = given ? given.reduce((n, part) => n + part.rows * features, 0) : (x as Uint8Array | Float32Array).length;
    let targets: Float32Array | undefined;
    if (y instanceof Float32Array && y.length !== 0 && y.length === (values / features) * classes) {
      targets = y;
      for (let i = 0; i < targets.length; i++) {
        if (!Number.isFinite(targets[i])) throw new ShapeError(`target at index ${i}`, "a finite number", String(targets[i]));
      }
      y = Int32Array.from({ length: targets.length / classes }, (_, r) => argmax(targets!, r * classes, classes));
    }
    if (values !== y.length * features) {
      throw new ShapeError("x", `${y.length} labels × ${features} features = ${y.length * features} values`, `${values}`,
        "Pass one row of features per label.");
    }
    const labels = y instanceof Int32Array ? y : Int32Array.from(y);
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      if (!(label >= 0 && label < classes) || labels[i] !== y[i]) {
        throw new ShapeError(`label at index ${i}`, `an integer in [0, ${classes})`, String(y[i]),
          "Check that `classes` counts every class in the data.");
      }
    }
    this.parts = given ?? [{ x: x as Uint8Array | Float32Array, start: 0, rows: labels.length }];
    this.y = labels;
    this.targets = targets;
    this.length = labels.length;
    this.features = features;
    this.classes = classes;
    this.imageShape = imageShape;
    this.classNames = classNames;
    this.scale = scale === undefined ? undefined : Math.fround(scale);
    this.weights = opts.weights === undefined ? undefined : checkWeights("weights", opts.weights, labels.length);
  }

  /** The examples at `indices`, copied, as a new Dataset with the same metadata. */
  subset(indices: ArrayLike<number>): Dataset {
    const F = this.features;
    const x = new (this.parts[0]!.x.constructor as Uint8ArrayConstructor | Float32ArrayConstructor)(indices.length * F);
    const C = this.classes, targets = this.targets && new Float32Array(indices.length * C);
    const y = new Int32Array(indices.length), weights = this.weights && new Float32Array(indices.length);
    const index = this.indexRule();
    for (let k = 0; k < indices.length; k++) {
      const i = check(`indices[${k}]`, indices[k], index);
      x.set(this.rowValues(i), k * F);
      y[k] = this.y[i]!;
      targets?.set(this.targets!.subarray(i * C, (i + 1) * C), k * C);
      if (weights) weights[k] = this.weights![i]!;
    }
    return new Dataset(x, targets ?? y, { ...this.options(), ...(weights && { weights }) }, true);
  }

  /** The image (or feature row) at `index` as values in [0, 1] (for Uint8 data) or as stored. */
  row(index: number): Float32Array {
    check("index", index, this.indexRule());
    const values = this.rowValues(index);
    return values instanceof Float32Array ? values.slice() : Float32Array.from(values, (v) => Math.fround(v * U8_SCALE));
  }

  private indexRule(): Rule<number> {
    return integerIn(0, this.length - 1, `an integer in [0, ${this.length})`);
  }

  private options(): DatasetOptions {
    return {
      features: this.features,
      classes: this.classes,
      ...(this.imageShape ? { imageShape: this.imageShape } : {}),
      ...(this.classNames ? { classNames: this.classNames } : {}),
      ...(this.scale !== undefined ? { scale: this.scale } : {}),
    };
  }
}

// Pixels as 0-255 floats train without error but badly (the logits saturate: loss in the thousands); data
// scaled to [0, 1] or standardised has a fraction or a negative value almost at once, so the scan stops early.
function looksLikeRawPixels(x: Float32Array): boolean {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= 0 && v <= 255 && Math.trunc(v) === v)) return false;
    if (v > max) max = v;
  }
  return max > 1;
}

// f32 × f32 is exact in a double, so one fround gives the f32 product, as the kernels' f32 multiply does.
function scaled(x: Uint8Array | Float32Array, scale: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * scale;
  return out;
}

function argmax(values: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (values[at + c]! > values[at + best]!) best = c;
  return best;
}
