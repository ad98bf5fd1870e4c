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
    const sum = expRow(out, inp, rowMax(inp, C), C);
    const inv: f32 = 1 / sum;
    for (let c = 0; c < C; c++) store<f32>(out + (<usize>c << 2), f32at(out, c) * inv);
  }
}

// Returns the mean over B rows of the cross-entropy between softmax(logits) and the label smoothed by ε
// (target ε/C everywhere plus 1−ε at the label; ε = 0 is plain one-hot), and writes
// dLogits (B,C) = (softmax − target) / B, the gradient of that mean. The loss uses log-sum-exp, never log(p).
// dLogits may alias logits. labels are i32 in [0, C); the caller has checked them.
export function softmaxCrossEntropyForwardBackward(dLogitsPtr: usize, logitsPtr: usize, labelsPtr: usize,
                                                   B: i32, C: i32, smoothing: f32): f32 {
  if (B == 0) return 0;
  const invB: f32 = 1 / <f32>B, spread: f32 = smoothing / <f32>C;
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const off = <usize>b * C << 2, z = logitsPtr + off, d = dLogitsPtr + off;
    const label = load<i32>(labelsPtr + (<usize>b << 2));
    const m = rowMax(z, C);
    let target = f32at(z, label) - m;
    // Skipped at ε = 0 so a −Inf logit elsewhere does not turn 0 · (−Inf) into NaN.
    if (smoothing != 0) {
      let sumZ: f32 = 0;
      for (let c = 0; c < C; c++) sumZ += f32at(z, c) - m;
      target = (1 - smoothing) * target + spread * sumZ;
    }
    const sum = expRow(d, z, m, C);
    total += Mathf.log(sum) - target;
    const scale: f32 = invB / sum;
    for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), f32at(d, c) * scale - spread * invB);
    store<f32>(d + (<usize>label << 2), f32at(d, label) - (1 - smoothing) * invB);
  }
  return total * invB;
}

// The same for soft targets (B,C), each row a distribution (the "0.9 / 0.1" trick, mixup, distillation):
// mean over rows of −Σ_c target·log softmax(logits); dLogits = (softmax − target) / B. dLogits may alias logits.
export function softmaxCrossEntropySoftForwardBackward(dLogitsPtr: usize, logitsPtr: usize, targetsPtr: usize,
                                                       B: i32, C: i32): f32 {
  if (B == 0) return 0;
  const invB: f32 = 1 / <f32>B;
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const off = <usize>b * C << 2, z = logitsPtr + off, d = dLogitsPtr + off, t = targetsPtr + off;
    const m = rowMax(z, C);
    let dot: f32 = 0;
    for (let c = 0; c < C; c++) {
      const tc = f32at(t, c);
      if (tc != 0) dot += tc * (f32at(z, c) - m);
    }
    const sum = expRow(d, z, m, C);
    total += Mathf.log(sum) - dot;
    const scale: f32 = invB / sum;
    for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), f32at(d, c) * scale - f32at(t, c) * invB);
  }
  return total * invB;
}

// out[c] = exp(z[c] − m); returns their sum.
// @ts-ignore: decorator
@inline function expRow(out: usize, z: usize, m: f32, C: i32): f32 {
  let sum: f32 = 0;
  for (let c = 0; c < C; c++) {
    const e = Mathf.exp(f32at(z, c) - m);
    store<f32>(out + (<usize>c << 2), e);
    sum += e;
  }
  return sum;
}
