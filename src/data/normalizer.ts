// A per-feature normaliser fitted on training data and kept with the model (Keras's Normalization layer after
// `adapt`, scikit-learn's StandardScaler / MinMaxScaler). It is applied in f32 arithmetic written once here, so
// training, predict and every runtime give the same bits.
import type { Dataset } from "./dataset.js";
import { U8_SCALE, isDataset } from "./pixels.js";
import { OptionError, ShapeError } from "../errors.js";
import { check, checkKeys, checkOr, oneOf, rule } from "../validate.js";

/** How a Normalizer rescales each feature: to mean 0 and standard deviation 1, or from [min, max] to [0, 1]. */
export type NormalizerKind = "standard" | "minmax";

/** A Normalizer as plain data (what a model file stores): per feature, `offset` is subtracted, then `spread` divides. */
export interface NormalizerConfig {
  kind: NormalizerKind;
  /** The mean ("standard") or minimum ("minmax") of each feature, as f32 values. */
  offset: number[];
  /** The standard deviation ("standard") or max − min ("minmax") of each feature, as f32 values; 0 for a constant one. */
  spread: number[];
}

const KIND = oneOf<NormalizerKind>(["standard", "minmax"]);
const DATA = rule<Dataset>("a Dataset (from loadFashionMNIST or Dataset.fromArrays)", isDataset);
const F32S = (n: number) => rule<number[]>(`an array of ${n} finite f32 numbers`,
  (v) => Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" && Number.isFinite(x) && Math.fround(x) === x));

/**
 * Per-feature scaling fitted on training data: `(x − offset) / spread`, where offset and spread are the mean and
 * standard deviation (kind "standard", population σ as Keras and scikit-learn compute it) or the minimum and
 * max − min ("minmax"). A feature with zero spread (constant in the training data) is divided by 1 instead, as
 * scikit-learn does: it becomes x − offset, 0 on the training data; `constantFeatures` lists those features.
 * Give it to a model (`new MLP({ layers, normalizer })`): the model stores it in its file and applies it in
 * training and in predict. Pixels (Uint8) are scaled to [0, 1] first, and the normaliser fitted on those values.
 * @example
 * const normalizer = Normalizer.fit(train, { kind: "standard" });
 * const model = new MLP({ layers: [512, 100, 3], input: { normalizer } });
 */
export class Normalizer {
  readonly kind: NormalizerKind;
  /** Values per example it applies to. */
  readonly features: number;
  /** Per feature: the mean ("standard") or minimum ("minmax"). */
  readonly offset: Float32Array;
  /** Per feature: the standard deviation ("standard") or max − min ("minmax"); 0 where the feature is constant. */
  readonly spread: Float32Array;
  /** Features whose spread is 0 in the data it was fitted on (they are shifted, not scaled). */
  readonly constantFeatures: readonly number[];
  // The divisor of each feature: its spread, or 1 where the spread is 0.
  readonly #divisor: Float32Array;

  private constructor(kind: NormalizerKind, offset: Float32Array, spread: Float32Array) {
    this.kind = kind;
    this.features = offset.length;
    this.offset = offset;
    this.spread = spread;
    this.#divisor = spread.map((s) => (s === 0 ? 1 : s));
    this.constantFeatures = Object.freeze([...spread.keys()].filter((f) => spread[f] === 0));
  }

  /**
   * Fits the per-feature offsets and spreads on a data set (its Uint8 pixels scaled to [0, 1] first, as training
   * sees them), in float64 sums over examples in order, then rounded to f32.
   * @throws {OptionError} for data that is not a non-empty Dataset, or an unknown or invalid option.
   * @throws {ShapeError} when a value of the data is NaN or infinite.
   * @example
   * const normalizer = Normalizer.fit(train, { kind: "minmax" });
   */
  static fit(data: Dataset, options?: { kind?: NormalizerKind }): Normalizer {
    const kind = checkOr("kind", checkKeys("Normalizer.fit", options, ["kind"]).kind, KIND, "standard");
    check("data", data, DATA);
    if (data.length === 0) throw new OptionError("data", "at least one example", "an empty Dataset");
    const F = data.features, n = data.length;
    const a = new Float64Array(F), b = new Float64Array(F);
    if (kind === "minmax") { a.fill(Infinity); b.fill(-Infinity); }
    const row = new Float64Array(F);
    const read = (i: number) => {
      const values = data.rowValues(i);
      for (let f = 0; f < F; f++) {
        // Uint8 pixels become the f32 values the kernels make of them (u8 × U8_SCALE, exact in a double, rounded once).
        const v = values instanceof Uint8Array ? Math.fround(values[f]! * U8_SCALE) : values[f]!;
        if (!Number.isFinite(v)) {
          throw new ShapeError(`data value at example ${i}, feature ${f}`, "a finite number", String(v),
            "Remove or repair examples with NaN or infinite features before fitting a Normalizer.");
        }
        row[f] = v;
      }
    };
    for (let i = 0; i < n; i++) {
      read(i);
      for (let f = 0; f < F; f++) {
        if (kind === "standard") a[f] = a[f]! + row[f]!;
        else { a[f] = Math.min(a[f]!, row[f]!); b[f] = Math.max(b[f]!, row[f]!); }
      }
    }
    if (kind === "standard") {
      for (let f = 0; f < F; f++) a[f] = a[f]! / n;
      for (let i = 0; i < n; i++) {
        read(i);
        for (let f = 0; f < F; f++) b[f] = b[f]! + (row[f]! - a[f]!) ** 2;
      }
      for (let f = 0; f < F; f++) b[f] = Math.sqrt(b[f]! / n);
    } else {
      for (let f = 0; f < F; f++) b[f] = b[f]! - a[f]!;
    }
    return new Normalizer(kind, Float32Array.from(a), Float32Array.from(b));
  }

  /**
   * A Normalizer from its plain-data form (`toJSON()`, or a model file's), checked.
   * @throws {OptionError} for an unknown kind, offsets and spreads that are not `features` finite f32 numbers, or a
   *   negative spread.
   * @example
   * const same = Normalizer.from(JSON.parse(JSON.stringify(normalizer)));
   */
  static from(config: NormalizerConfig): Normalizer {
    const c = checkKeys("normalizer", config, ["kind", "offset", "spread"]);
    const kind = check("normalizer.kind", c.kind, KIND);
    const features = Array.isArray(c.offset) ? c.offset.length : 0;
    check("normalizer.offset", c.offset, F32S(features));
    check("normalizer.spread", c.spread, F32S(features));
    const negative = c.spread.findIndex((s) => s < 0);
    if (features === 0 || negative >= 0) {
      throw new OptionError(features === 0 ? "normalizer.offset" : `normalizer.spread[${negative}]`,
        features === 0 ? "one value per feature" : "a spread ≥ 0", features === 0 ? c.offset : c.spread[negative]);
    }
    return new Normalizer(kind, Float32Array.from(c.offset), Float32Array.from(c.spread));
  }

  /** @internal What each feature is divided by: its spread, or 1 where the spread is 0 (exporters write this). */
  get divisor(): Float32Array {
    return this.#divisor.slice();
  }

  /** The plain-data form a model file stores. */
  toJSON(): NormalizerConfig {
    return { kind: this.kind, offset: Array.from(this.offset), spread: Array.from(this.spread) };
  }

  /**
   * @internal Whole rows of features, normalised in place: `(x − offset) / spread` in f32 (each step rounded to f32,
   * as wasm's f32.sub and f32.div round: a double computes both exactly enough that one rounding gives their bits).
   */
  applyInPlace(values: Float32Array): void {
    const F = this.features, offset = this.offset, divisor = this.#divisor;
    for (let at = 0; at < values.length; at += F) {
      for (let f = 0; f < F; f++) values[at + f] = Math.fround(values[at + f]! - offset[f]!) / divisor[f]!;
    }
  }
}
