import { Rng, permutation } from "../../src/util/random.js";

/** `n` f32 values uniform in [lo, hi), the same for the same seed. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.uniform();
  return out;
}

/** `n` integers uniform in [0, bound), the same for the same seed. */
export function randomI32(n: number, bound: number, seed: number): Int32Array {
  const rng = new Rng(seed, 2);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(bound);
  return out;
}

/** `n` bytes uniform in [0, 256), the same for the same seed. */
export function randomU8(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed, 3);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

/** A permutation of 0..n-1, the same for the same seed. */
export function randomPermutation(n: number, seed: number): Int32Array {
  return permutation(n, new Rng(seed, 4));
}
