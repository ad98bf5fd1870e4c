import { OptionError, ShapeError } from "../errors.js";
import { check, checkKeys, checkOr, integerIn, rule, RULES, type Rule } from "../validate.js";

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
}

const KNOWN: readonly string[] = ["features", "classes", "imageShape", "classNames", "scale"];

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

/**
 * Examples and their labels, kept in memory as they came: `Uint8Array` pixels (scaled to [0, 1] per batch,
 * inside the kernels) or `Float32Array` features (used as they are). Labels are integer classes; or target rows
 * of `classes` values (soft labels, regression targets), in which case each row's argmax is its class.
 */
export class Dataset {
  readonly x: Uint8Array | Float32Array;
  readonly y: Int32Array;
  /** Target rows (length × classes) when the data was given soft labels or regression targets. */
  readonly targets: Float32Array | undefined;
  readonly length: number;
  readonly features: number;
  readonly classes: number;
  readonly imageShape: readonly [number, number] | undefined;
  readonly classNames: readonly string[] | undefined;

  /**
   * Wraps arrays without copying them (labels of another integer type are converted once). `y` is one integer
   * label per example, or a Float32Array of `classes` targets per example (soft labels, regression targets).
   * @throws {OptionError} for an unknown option (naming the nearest known one), a `features` that is not a positive
   * integer, `classes` below 2, an `imageShape` whose area is not `features`, class names that do not fit, a
   * `scale` that is not a finite number > 0, or a Float32Array `x` of raw-looking pixels (integers in [0, 255],
   * some above 1) without `scale`.
   * @throws {ShapeError} when `x` is not `length × features` values, a label is outside `[0, classes)`, or a
   * target is not finite.
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

  /** `checked`: x comes from a Dataset (a subset), so its values were accepted, and scaled, already. */
  private constructor(x: Uint8Array | Float32Array, y: ArrayLike<number>, options: DatasetOptions, checked: boolean) {
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
    check("x", x, X_RULE);
    check("y", y, Y_RULE);
    const scale = checkOr("scale", opts.scale, RULES.positive, undefined);
    if (scale !== undefined) x = scaled(x, Math.fround(scale));
    else if (!checked && x instanceof Float32Array && looksLikeRawPixels(x)) {
      throw new OptionError("scale", "a scale for Float32 values that look like raw pixels (integers in [0, 255])", undefined,
        "Pass `scale: 1 / 255` to train on [0, 1] as Uint8 pixels are, or `scale: 1` to keep the values as they are.");
    }
    let targets: Float32Array | undefined;
    if (y instanceof Float32Array && y.length !== 0 && y.length === (x.length / features) * classes) {
      targets = y;
      for (let i = 0; i < targets.length; i++) {
        if (!Number.isFinite(targets[i])) throw new ShapeError(`target at index ${i}`, "a finite number", String(targets[i]));
      }
      y = Int32Array.from({ length: targets.length / classes }, (_, r) => argmax(targets!, r * classes, classes));
    }
    if (x.length !== y.length * features) {
      throw new ShapeError("x", `${y.length} labels × ${features} features = ${y.length * features} values`, `${x.length}`,
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
    this.x = x;
    this.y = labels;
    this.targets = targets;
    this.length = labels.length;
    this.features = features;
    this.classes = classes;
    this.imageShape = imageShape;
    this.classNames = classNames;
  }

  /** The examples at `indices`, copied, as a new Dataset with the same metadata. */
  subset(indices: ArrayLike<number>): Dataset {
    const F = this.features;
    const x = new (this.x.constructor as Uint8ArrayConstructor | Float32ArrayConstructor)(indices.length * F);
    const C = this.classes, targets = this.targets && new Float32Array(indices.length * C);
    const y = new Int32Array(indices.length);
    const index = this.indexRule();
    for (let k = 0; k < indices.length; k++) {
      const i = check(`indices[${k}]`, indices[k], index);
      x.set(this.x.subarray(i * F, (i + 1) * F), k * F);
      y[k] = this.y[i]!;
      targets?.set(this.targets!.subarray(i * C, (i + 1) * C), k * C);
    }
    return new Dataset(x, targets ?? y, this.options(), true);
  }

  /** The image (or feature row) at `index` as values in [0, 1] (for Uint8 data) or as stored. */
  row(index: number): Float32Array {
    check("index", index, this.indexRule());
    const F = this.features;
    const values = this.x.subarray(index * F, (index + 1) * F);
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

/** Pixels are scaled by this f32 constant (not divided by 255) so every backend produces the same bits. */
export const U8_SCALE = Math.fround(1 / 255);
