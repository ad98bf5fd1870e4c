// Row-wise softmax and the fused softmax + cross-entropy. Dimension letters: R rows (B in a batch), C classes.
// Every row subtracts its max before exp, so exp never overflows; NaN anywhere in a row makes the row NaN.
import { f32at } from "./simd";

// @ts-ignore: decorator
@inline function rowMax(row: usize, C: i32): f32 {
  let m = -Infinity as f32;
  for (let c = 0; c < C; c++) m = max(m, f32at(row, c));
  return m;
}

// out (R,C) = softmax of each row of inp (R,C). out may alias inp.
export function softmaxRows(outPtr: usize, inpPtr: usize, R: i32, C: i32): void {
  for (let r = 0; r < R; r++) {
    const off = <usize>r * C << 2, inp = inpPtr + off, out = outPtr + off;
    const m = rowMax(inp, C);
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) {
      const e = Mathf.exp(f32at(inp, c) - m);
      store<f32>(out + (<usize>c << 2), e);
      sum += e;
    }
    const inv: f32 = 1 / sum;
    for (let c = 0; c < C; c++) store<f32>(out + (<usize>c << 2), f32at(out, c) * inv);
  }
}

// Returns the mean over B rows of −log softmax(logits)[label] and writes dLogits (B,C) = (softmax − onehot) / B,
// the gradient of that mean. log-sum-exp gives the loss without forming log(p), so p = 0 costs no −Inf.
// dLogits may alias logits. labels are i32 in [0, C); the caller has checked them.
export function softmaxCrossEntropyForwardBackward(dLogitsPtr: usize, logitsPtr: usize, labelsPtr: usize,
                                                   B: i32, C: i32): f32 {
  if (B == 0) return 0;
  const invB: f32 = 1 / <f32>B;
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const off = <usize>b * C << 2, z = logitsPtr + off, d = dLogitsPtr + off;
    const label = load<i32>(labelsPtr + (<usize>b << 2));
    const m = rowMax(z, C);
    const zLabel = f32at(z, label) - m;
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) {
      const e = Mathf.exp(f32at(z, c) - m);
      store<f32>(d + (<usize>c << 2), e);
      sum += e;
    }
    total += Mathf.log(sum) - zLabel;
    const scale: f32 = invB / sum;
    for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), f32at(d, c) * scale);
    store<f32>(d + (<usize>label << 2), f32at(d, label) - invB);
  }
  return total * invB;
}
