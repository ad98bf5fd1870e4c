import { Dataset } from "../../src/data/dataset.js";
import { Rng } from "../../src/util/random.js";

/**
 * A small learnable classification set: each class has a random prototype; examples are the prototype plus
 * noise. Float32 features, or Uint8 "pixels" when `pixels` is set.
 */
export function blobs(n: number, features: number, classes: number, seed: number, pixels = false): Dataset {
  const rng = new Rng(seed, 99);
  const prototypes = Array.from({ length: classes }, () => Array.from({ length: features }, () => rng.uniform()));
  const y = new Int32Array(n);
  const values = new Float64Array(n * features);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(classes);
    for (let f = 0; f < features; f++) {
      values[i * features + f] = Math.min(1, Math.max(0, prototypes[y[i]!]![f]! + 0.35 * rng.normal()));
    }
  }
  const x = pixels ? Uint8Array.from(values, (v) => Math.round(v * 255)) : Float32Array.from(values);
  return Dataset.fromArrays(x, y, { features, classes });
}
