// The per-feature scaling a model applies to its inputs, as plain numbers: checked from its plain-data form, applied
// in f32 arithmetic written once here, so training, predict and every runtime give the same bits. Normalizer
// (./normalizer.ts) is this plus `fit`; the predict-only entry applies a model file's normalizer with this alone.
import { OptionError } from "../errors.js";
import { check, checkFewKeys, oneOf, rule } from "../validate.js";

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

export const KIND = oneOf<NormalizerKind>(["standard", "minmax"]);
const F32S = (n: number) => rule<number[]>(`an array of ${n} finite f32 numbers`,
  (v) => Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" && Number.isFinite(x) && Math.fround(x) === x));

/**
 * What a Normalizer keeps and applies, without `fit`: the class of the normalizers of models read by the
 * predict-only entry (the full package's are Normalizers).
 */
export class Normalization {
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

  protected constructor(kind: NormalizerKind, offset: Float32Array, spread: Float32Array) {
    this.kind = kind;
    this.features = offset.length;
    this.offset = offset;
    this.spread = spread;
    this.#divisor = divisors(spread);
    this.constantFeatures = Object.freeze([...spread.keys()].filter((f) => spread[f] === 0));
  }

  /**
   * A Normalizer from its plain-data form (`toJSON()`, or a model file's), checked.
   * @throws {OptionError} for an unknown kind, offsets and spreads that are not `features` finite f32 numbers, or a
   *   negative spread.
   * @example
   * const same = Normalizer.from(JSON.parse(JSON.stringify(normalizer)));
   */
  static from<T extends Normalization>(this: { prototype: T }, config: NormalizerConfig): T {
    const c = checkFewKeys("normalizer", config, ["kind", "offset", "spread"]);
    const kind = check("normalizer.kind", c.kind, KIND);
    const features = Array.isArray(c.offset) ? c.offset.length : 0;
    check("normalizer.offset", c.offset, F32S(features));
    check("normalizer.spread", c.spread, F32S(features));
    if (features === 0) throw new OptionError("normalizer.offset", "one value per feature", c.offset);
    const negative = c.spread.findIndex((s) => s < 0);
    if (negative >= 0) throw new OptionError(`normalizer.spread[${negative}]`, "a spread ≥ 0", c.spread[negative]);
    // `this` is the class it is called on: Normalizer.from gives a Normalizer.
    const make = this as unknown as new (kind: NormalizerKind, offset: Float32Array, spread: Float32Array) => T;
    return new make(kind, Float32Array.from(c.offset), Float32Array.from(c.spread));
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

/** @internal What each feature is divided by: its spread, or 1 where the spread is 0 (the ONNX exporter writes this). */
export function divisors(spread: Float32Array): Float32Array {
  return spread.map((s) => (s === 0 ? 1 : s));
}
