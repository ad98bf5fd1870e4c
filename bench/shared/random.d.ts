// Types for random.js (plain JavaScript, so the benchmark page loads it without a build).

/** sfc32 seeded through splitmix32: the same numbers for the same seed and stream, in every engine. */
export class SeededRandom {
  constructor(seed: number, stream?: number);
  /** A uniform 32-bit unsigned integer. */
  u32(): number;
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number;
  /** A uniform integer in [0, n), for n ≤ 2^21. */
  int(n: number): number;
  /** `n` f32 values uniform in [lo, hi) (default [-1, 1)). */
  f32(n: number, lo?: number, hi?: number): Float32Array;
  /** `n` integers uniform in [0, bound). */
  i32(n: number, bound: number): Int32Array;
  /** `n` bytes uniform in [0, 256). */
  u8(n: number): Uint8Array;
  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array;
}

/** `n` f32 values uniform in [lo, hi) (default [-1, 1)), the same for the same seed. */
export function randomF32(n: number, seed: number, lo?: number, hi?: number): Float32Array;
/** `n` integers uniform in [0, bound), the same for the same seed. */
export function randomI32(n: number, bound: number, seed: number): Int32Array;
/** `n` bytes uniform in [0, 256), the same for the same seed. */
export function randomU8(n: number, seed: number): Uint8Array;
/** A permutation of 0..n-1, the same for the same seed. */
export function randomPermutation(n: number, seed: number): Int32Array;
