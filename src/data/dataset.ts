import { OptionError, ShapeError } from "../errors.js";

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
   * @throws {OptionError} for a non-integer or non-positive `features` or `classes`, or class names that do not fit.
   * @throws {ShapeError} when `x` is not `length × features` values, a label is outside `[0, classes)`, or a
   * target is not finite.
   * @example
   * const data = Dataset.fromArrays(new Float32Array([0, 1, 1, 0]), new Int32Array([0, 1]), { features: 2, classes: 2 });
   */
  static fromArrays(
    x: Uint8Array | Float32Array,
    y: ArrayLike<number>,
    options: DatasetOptions,
  ): Dataset {
    return new Dataset(x, y, options);
  }

  private constructor(x: Uint8Array | Float32Array, y: ArrayLike<number>, options: DatasetOptions) {
    const { features, classes, imageShape, classNames } = options ?? ({} as DatasetOptions);
    if (!Number.isInteger(features) || features <= 0) throw new OptionError("features", "a positive integer", features);
    if (!Number.isInteger(classes) || classes < 2) throw new OptionError("classes", "an integer ≥ 2", classes);
    if (!(x instanceof Uint8Array) && !(x instanceof Float32Array)) {
      throw new OptionError("x", "a Uint8Array or Float32Array", x);
    }
    if (y == null || typeof y.length !== "number") throw new OptionError("y", "an array of integer labels", y);
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
    if (imageShape && imageShape[0] * imageShape[1] !== features) {
      throw new OptionError("imageShape", `height × width = ${features}`, `[${imageShape.join(", ")}]`);
    }
    if (classNames && classNames.length !== classes) {
      throw new OptionError("classNames", `${classes} names`, classNames);
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
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.length) {
        throw new OptionError(`indices[${k}]`, `an integer in [0, ${this.length})`, i);
      }
      x.set(this.x.subarray(i * F, (i + 1) * F), k * F);
      y[k] = this.y[i]!;
      targets?.set(this.targets!.subarray(i * C, (i + 1) * C), k * C);
    }
    return new Dataset(x, targets ?? y, this);
  }

  /** The image (or feature row) at `index` as values in [0, 1] (for Uint8 data) or as stored. */
  row(index: number): Float32Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new OptionError("index", `an integer in [0, ${this.length})`, index);
    }
    const F = this.features;
    const values = this.x.subarray(index * F, (index + 1) * F);
    return values instanceof Float32Array ? values.slice() : Float32Array.from(values, (v) => Math.fround(v * U8_SCALE));
  }
}

function argmax(values: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (values[at + c]! > values[at + best]!) best = c;
  return best;
}

/** Pixels are scaled by this f32 constant (not divided by 255) so every backend produces the same bits. */
export const U8_SCALE = Math.fround(1 / 255);
