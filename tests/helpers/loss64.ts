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
