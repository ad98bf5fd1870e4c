// An independent float64 implementation of minibatch SGD on softmax regression, for checking the whole
// training pipeline (batch order, gather, forward, loss, backward, update) against plain arithmetic.
export function referenceTrajectory(
  x: Float32Array, y: Int32Array, F: number, C: number, W0: Float32Array,
  orders: Int32Array[], batchSize: number, lr: number,
): number[] {
  const W = Float64Array.from(W0); // (C, F) then bias (C)
  const losses: number[] = [];
  for (const order of orders) {
    let lossSum = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = order.subarray(start, Math.min(start + batchSize, order.length));
      const gW = new Float64Array(W.length);
      for (const r of rows) {
        const z = new Float64Array(C);
        for (let c = 0; c < C; c++) {
          z[c] = W[C * F + c]!;
          for (let f = 0; f < F; f++) z[c]! += x[r * F + f]! * W[c * F + f]!;
        }
        const max = Math.max(...z);
        const e = z.map((v) => Math.exp(v - max));
        const sum = e.reduce((a, b) => a + b, 0);
        lossSum += Math.log(sum) - (z[y[r]!]! - max);
        for (let c = 0; c < C; c++) {
          const d = (e[c]! / sum - (c === y[r] ? 1 : 0)) / rows.length;
          for (let f = 0; f < F; f++) gW[c * F + f]! += d * x[r * F + f]!;
          gW[C * F + c]! += d;
        }
      }
      for (let i = 0; i < W.length; i++) W[i]! -= lr * gW[i]!;
    }
    losses.push(lossSum / order.length);
  }
  return losses;
}
