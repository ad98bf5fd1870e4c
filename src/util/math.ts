// Transcendental functions from +, −, ×, ÷ only. Math.log, Math.cos and friends are not the same bits in V8
// and JavaScriptCore, and anything that reaches the weights (initialisation, learning-rate schedules) must be.

/** Natural logarithm of x > 0, accurate to about 1 ulp. */
export function ln(x: number): number {
  // x = m · 2^e with m in [√½, √2); scaling by 2 is exact.
  let e = 0;
  while (x < Math.SQRT1_2) { x *= 2; e--; }
  while (x >= Math.SQRT2) { x /= 2; e++; }
  // ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …) with |s| < 0.172: 14 terms reach double precision.
  const s = (x - 1) / (x + 1), s2 = s * s;
  let term = s, sum = 0;
  for (let k = 1; k < 29; k += 2) { sum += term / k; term *= s2; }
  return 2 * sum + e * Math.LN2;
}

/** Cosine of x in [0, π], accurate to about 1e-15. */
export function cos(x: number): number {
  // cos x = −cos(π − x) folds [π/2, π] onto [0, π/2], where the Taylor series converges fast.
  if (x > Math.PI / 2) return -cos(Math.PI - x);
  const x2 = x * x;
  let term = 1, sum = 1;
  for (let k = 2; k <= 30; k += 2) { term *= -x2 / ((k - 1) * k); sum += term; }
  return sum;
}
