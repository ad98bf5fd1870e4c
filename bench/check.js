// The "check before timing" rule: every backend's output is compared with the pure-TS kernels' first (through
// the one allclose, shared/allclose.js), and the bench times nothing when one differs.
import { describeMismatch, firstMismatch } from "./shared/allclose.js";

/** A failed check: what was compared, where it first went wrong. Thrown, caught in run.js, exit code 1. */
export class CheckError extends Error {
  /**
   * @param {string} what e.g. "linearForward 256×784→10 [wasm-simd] out"
   * @param {string} detail
   */
  constructor(what, detail) {
    super(`CHECK FAILED: ${what}: ${detail}`);
    this.what = what;
  }
}

/** @typedef {import("./shared/allclose.js").Tolerance} Tolerance */

/**
 * Throws a CheckError naming `what` and the first bad index when the arrays differ beyond `tol`.
 * @param {string} what
 * @param {ArrayLike<number>} actual
 * @param {ArrayLike<number>} expected
 * @param {Tolerance} tol
 */
export function assertClose(what, actual, expected, tol) {
  const m = firstMismatch(actual, expected, tol);
  if (m) throw new CheckError(what, describeMismatch(m, expected.length, tol));
}

/**
 * Tolerance for f32 dot products of length K, summed in a different order by each backend: 1e-4 of the
 * typical size of such a dot (√K · max|a| · max|b|), plus 1e-5 relative. A dropped or doubled term (≈ |a|·|b|)
 * is far above it; reordering error (≈ √K · 2⁻²⁴ · |sum|) is far below.
 * @param {number} K
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @returns {Tolerance}
 */
export function dotTolerance(K, a, b) {
  return { atol: 1e-4 * Math.sqrt(Math.max(K, 1)) * maxAbs(a) * maxAbs(b), rtol: 1e-5 };
}

/** @param {ArrayLike<number>} v */
export function maxAbs(v) {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}
