import { expect } from "vitest";

export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance, scaled by |expected|. */
  rtol: number;
  /** Prefix for the failure message (which case, which backend). */
  label?: string;
}

/**
 * Element-wise |actual − expected| ≤ atol + rtol·|expected|, like numpy.allclose. NaN matches only NaN;
 * ±Infinity matches only the same infinity. Fails with the first bad index, both values and the max abs diff.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { atol, rtol, label }: Tolerance): void {
  const prefix = label ? `${label}: ` : "";
  if (actual.length !== expected.length) {
    expect.fail(`${prefix}length mismatch: expected ${expected.length} values, got ${actual.length}`);
  }
  let firstBad = -1;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    let ok: boolean;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      ok = Number.isNaN(a) && Number.isNaN(e);
    } else if (!Number.isFinite(a) || !Number.isFinite(e)) {
      ok = a === e;
    } else {
      const diff = Math.abs(a - e);
      if (diff > maxDiff) maxDiff = diff;
      ok = diff <= atol + rtol * Math.abs(e);
    }
    if (!ok && firstBad < 0) firstBad = i;
    if (!ok && !Number.isFinite(maxDiff)) break;
  }
  if (firstBad >= 0) {
    expect.fail(
      `${prefix}values differ at index ${firstBad} of ${expected.length}: ` +
        `expected ${expected[firstBad]}, got ${actual[firstBad]} (atol ${atol}, rtol ${rtol}; max abs diff ${maxDiff})`,
    );
  }
}
