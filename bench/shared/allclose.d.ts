// Types for allclose.js (plain JavaScript, so the benchmark page loads it without a build).

export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance, scaled by |expected|. */
  rtol: number;
}

export interface Mismatch {
  /** The first index that differs (for a length mismatch: the shorter length). */
  index: number;
  actual: number;
  expected: number;
  /** atol + rtol·|expected| at that index. */
  limit: number;
  /** The largest finite |actual − expected| over all values. */
  maxDiff: number;
  /** Set when the lengths differ: [actual, expected]. */
  lengths?: [number, number];
}

/** The first index where the arrays differ beyond the tolerance, or null when every value agrees. */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance): Mismatch | null;

/** One sentence about a mismatch: where, both values, the allowed difference and the largest one. */
export function describeMismatch(mismatch: Mismatch, length: number, tolerance: Tolerance): string;

/** The largest finite |actual − expected| (0 for none), what a passing comparison reports. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number;
