// The one element-wise comparison of the tests, the benchmarks (bench/) and the benchmark page (web/bench.js):
// plain ES module, no imports, so a browser loads it as it is.

/**
 * The first index where |actual − expected| > atol + rtol·|expected| (like numpy.allclose; NaN matches only NaN,
 * ±Infinity only the same infinity), with the largest finite difference; null when every value agrees.
 * @param {ArrayLike<number>} actual
 * @param {ArrayLike<number>} expected
 * @param {import("./allclose.js").Tolerance} tolerance
 * @returns {import("./allclose.js").Mismatch | null}
 */
export function firstMismatch(actual, expected, { atol, rtol }) {
  if (actual.length !== expected.length) {
    return { index: Math.min(actual.length, expected.length), actual: NaN, expected: NaN, limit: 0, maxDiff: Infinity,
      lengths: [actual.length, expected.length] };
  }
  let bad = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    let ok;
    if (Number.isNaN(a) || Number.isNaN(e)) ok = Number.isNaN(a) && Number.isNaN(e);
    else if (!Number.isFinite(a) || !Number.isFinite(e)) ok = a === e;
    else ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      bad = i;
      break;
    }
  }
  if (bad < 0) return null;
  const e = expected[bad];
  return { index: bad, actual: actual[bad], expected: e, limit: atol + rtol * Math.abs(e), maxDiff: maxAbsDiff(actual, expected) };
}

/**
 * One sentence about a mismatch: where, both values, the allowed difference and the largest one.
 * @param {import("./allclose.js").Mismatch} m
 * @param {number} length how many values were compared
 * @param {import("./allclose.js").Tolerance} tolerance
 * @returns {string}
 */
export function describeMismatch(m, length, { atol, rtol }) {
  if (m.lengths) return `length mismatch: expected ${m.lengths[1]} values, got ${m.lengths[0]}`;
  return `values differ at index ${m.index} of ${length}: expected ${m.expected}, got ${m.actual} ` +
    `(allowed ±${m.limit.toExponential(2)}: atol ${atol}, rtol ${rtol}; max abs diff ${m.maxDiff.toExponential(2)})`;
}

/**
 * The largest finite |actual − expected| (0 for none), what a passing comparison reports.
 * @param {ArrayLike<number>} actual
 * @param {ArrayLike<number>} expected
 * @returns {number}
 */
export function maxAbsDiff(actual, expected) {
  let max = 0;
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (diff > max && diff !== Infinity) max = diff;
  }
  return max;
}
