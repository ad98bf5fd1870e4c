// Comparison helpers for the "check before timing" rule: every backend's output is compared with the pure-TS
// kernels' first, and the bench times nothing when one differs.

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

/**
 * @typedef {{ atol: number, rtol: number }} Tolerance
 * @typedef {{ index: number, actual: number, expected: number, limit: number, maxDiff: number }} Mismatch
 */

/**
 * First index where |actual − expected| > atol + rtol·|expected| (NaN matches only NaN, ±Infinity only itself),
 * or null when all values agree.
 * @param {ArrayLike<number>} actual
 * @param {ArrayLike<number>} expected
 * @param {Tolerance} tol
 * @returns {Mismatch | null}
 */
export function firstMismatch(actual, expected, { atol, rtol }) {
  if (actual.length !== expected.length) {
    return { index: Math.min(actual.length, expected.length), actual: NaN, expected: NaN, limit: 0, maxDiff: Infinity };
  }
  let bad = -1, maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    let ok;
    if (Number.isNaN(a) || Number.isNaN(e)) ok = Number.isNaN(a) && Number.isNaN(e);
    else if (!Number.isFinite(a) || !Number.isFinite(e)) ok = a === e;
    else {
      const diff = Math.abs(a - e);
      maxDiff = Math.max(maxDiff, diff);
      ok = diff <= atol + rtol * Math.abs(e);
    }
    if (!ok && bad < 0) bad = i;
  }
  if (bad < 0) return null;
  const e = expected[bad];
  return { index: bad, actual: actual[bad], expected: e, limit: atol + rtol * Math.abs(e), maxDiff };
}

/**
 * Throws a CheckError naming `what` and the first bad index when the arrays differ beyond `tol`.
 * @param {string} what
 * @param {ArrayLike<number>} actual
 * @param {ArrayLike<number>} expected
 * @param {Tolerance} tol
 */
export function assertClose(what, actual, expected, tol) {
  const m = firstMismatch(actual, expected, tol);
  if (!m) return;
  throw new CheckError(what,
    `first bad index ${m.index} of ${expected.length}: expected ${m.expected}, got ${m.actual} ` +
    `(allowed ±${m.limit.toExponential(2)}, atol ${tol.atol.toExponential(2)}, rtol ${tol.rtol}; ` +
    `max abs diff ${m.maxDiff.toExponential(2)})`);
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
