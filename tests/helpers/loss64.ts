/** Mean over rows of −Σ_c t·log softmax(z), in float64 (log-sum-exp with the row max subtracted). */
export function crossEntropy64(z: ArrayLike<number>, t: ArrayLike<number>, B: number, C: number): number {
  let total = 0;
  for (let r = 0; r < B; r++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[r * C + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(z[r * C + c]! - m);
    const lse = m + Math.log(sum);
    for (let c = 0; c < C; c++) if (t[r * C + c] !== 0) total += t[r * C + c]! * (lse - z[r * C + c]!);
  }
  return total / B;
}

/** Per-row losses in float64, each the loss of one example as the kernels define it (see assembly/). */
export const rowLoss64 = {
  /** −Σ_c t·log softmax(z) of row r. */
  crossEntropy(z: ArrayLike<number>, t: ArrayLike<number>, r: number, C: number): number {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[r * C + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(z[r * C + c]! - m);
    const lse = m + Math.log(sum);
    let loss = 0;
    for (let c = 0; c < C; c++) if (t[r * C + c] !== 0) loss += t[r * C + c]! * (lse - z[r * C + c]!);
    return loss;
  },
  l2: (y: ArrayLike<number>, t: ArrayLike<number>, r: number, C: number) => sumRow(y, t, r, C, (d) => 0.5 * d * d),
  l1: (y: ArrayLike<number>, t: ArrayLike<number>, r: number, C: number) => sumRow(y, t, r, C, Math.abs),
  huber: (delta: number) => (y: ArrayLike<number>, t: ArrayLike<number>, r: number, C: number) =>
    sumRow(y, t, r, C, (d) => (Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta))),
};

function sumRow(y: ArrayLike<number>, t: ArrayLike<number>, r: number, C: number, f: (d: number) => number): number {
  let s = 0;
  for (let c = 0; c < C; c++) s += f(y[r * C + c]! - t[r * C + c]!);
  return s;
}

/** Σ w·loss / Σ w over B rows in float64 (0 when the weights sum to 0), the weighted mean the kernels return. */
export function weightedMean64(rowLoss: (r: number) => number, weights: ArrayLike<number>, B: number): number {
  let total = 0, sum = 0;
  for (let r = 0; r < B; r++) {
    sum += weights[r]!;
    if (weights[r] !== 0) total += weights[r]! * rowLoss(r);
  }
  return sum > 0 ? total / sum : 0;
}
