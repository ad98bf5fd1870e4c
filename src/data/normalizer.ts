// A per-feature normaliser fitted on training data and kept with the model (Keras's Normalization layer after
// `adapt`, scikit-learn's StandardScaler / MinMaxScaler): the fitting is here, what is kept and applied is
// Normalization (./normalization.ts).
import type { Dataset } from "./dataset.js";
import { U8_SCALE, isDataset } from "./pixels.js";
import { OptionError, ShapeError } from "../errors.js";
import { check, checkFewKeys, checkOr, rule } from "../validate.js";
import { KIND, Normalization } from "./normalization.js";
import type { NormalizerKind } from "./normalization.js";

export type { NormalizerKind, NormalizerConfig } from "./normalization.js";

const DATA = rule<Dataset>("a Dataset (from loadFashionMNIST or Dataset.fromArrays)", isDataset);

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
export class Normalizer extends Normalization {
  /**
   * Fits the per-feature offsets and spreads on a data set (its Uint8 pixels scaled to [0, 1] first, as training
   * sees them), in float64 sums over examples in order, then rounded to f32.
   * @throws {OptionError} for data that is not a non-empty Dataset, or an unknown or invalid option.
   * @throws {ShapeError} when a value of the data is NaN or infinite.
   * @example
   * const normalizer = Normalizer.fit(train, { kind: "minmax" });
   */
  static fit(data: Dataset, options?: { kind?: NormalizerKind }): Normalizer {
    const kind = checkOr("kind", checkFewKeys("Normalizer.fit", options, ["kind"]).kind, KIND, "standard");
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
}
