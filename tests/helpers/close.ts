import { expect } from "vitest";
import { describeMismatch, firstMismatch, type Tolerance } from "../../bench/shared/allclose.js";

/**
 * Element-wise |actual − expected| ≤ atol + rtol·|expected|, like numpy.allclose (bench/shared/allclose.js). NaN
 * matches only NaN; ±Infinity matches only the same infinity. Fails with the first bad index, both values and the
 * max abs diff, after `label` (which case, which backend).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { label, ...tolerance }: Tolerance & { label?: string }): void {
  const mismatch = firstMismatch(actual, expected, tolerance);
  if (mismatch) expect.fail(`${label ? `${label}: ` : ""}${describeMismatch(mismatch, expected.length, tolerance)}`);
}
