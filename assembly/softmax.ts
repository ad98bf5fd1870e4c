// Row-wise softmax and the fused softmax + cross-entropy. Dimension letters: R rows (B in a batch), C classes.
// Every row subtracts its max before exp, so exp never overflows; NaN anywhere in a row makes the row NaN.
// Each kernel runs in three passes: shift every row by its max, exp of the whole block 4 lanes at a time
// (about a third faster than Mathf.exp per value), then normalise row by row.
import { f32at } from "./simd";

// out (R,C) = inp − the max of its row. out may alias inp.
// @ts-ignore: decorator
@inline function shiftRows(outPtr: usize, inpPtr: usize, R: i32, C: i32): void {
  for (let r = 0; r < R; r++) {
    const off = <usize>r * C << 2, inp = inpPtr + off, out = outPtr + off;
    let m = -Infinity as f32;
    for (let c = 0; c < C; c++) m = max(m, f32at(inp, c));
    for (let c = 0; c < C; c++) store<f32>(out + (<usize>c << 2), f32at(inp, c) - m);
  }
}

// x ← exp(x) for n values x ≤ 0 (or NaN), by Cephes' expf: x = k·ln2 + r with |r| ≤ ln2/2, a degree-5
// polynomial for e^r, 2^k from the exponent bits. The SIMD and scalar paths do the same f32 operations, so both
// builds give the same bits. Below −87.34 (where 2^k leaves the normal range) the result is 0.
export function expInPlace(ptr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const p = ptr + (<usize>i << 2);
      v128.store(p, expx4(v128.load(p)));
    }
  }
  for (; i < n; i++) {
    const p = ptr + (<usize>i << 2);
    store<f32>(p, exp1(load<f32>(p)));
  }
}

const LOWEST: f32 = -87.33654, LOG2E: f32 = 1.44269504, LN2_HI: f32 = 0.693359375, LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4, P1: f32 = 1.3981999507e-3, P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2, P4: f32 = 1.6666665459e-1, P5: f32 = 5.0000001201e-1;

// @ts-ignore: decorator
@inline function expx4(x: v128): v128 {
  const xc = f32x4.max(x, f32x4.splat(LOWEST));
  const k = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), f32x4.lt(x, f32x4.splat(LOWEST)));
}

// @ts-ignore: decorator
@inline function exp1(x: f32): f32 {
  const xc = max(x, LOWEST);
  const k = nearest<f32>(xc * LOG2E);
  const r = (xc - k * LN2_HI) - k * LN2_LO;
  let p = P0 * r + P1;
  p = p * r + P2;
  p = p * r + P3;
  p = p * r + P4;
  p = p * r + P5;
  p = ((p * r) * r + r) + 1;
  // k is an integer in [−126, 0] here, or NaN (the cast saturates it to 0, and p carries the NaN).
  const e = p * reinterpret<f32>((<i32>k + 127) << 23);
  return x < LOWEST ? 0 : e;
}

// out (R,C) = softmax of each row of inp (R,C). out may alias inp.
export function softmaxRows(outPtr: usize, inpPtr: usize, R: i32, C: i32): void {
  shiftRows(outPtr, inpPtr, R, C);
  expInPlace(outPtr, R * C);
  for (let r = 0; r < R; r++) {
    const out = outPtr + (<usize>r * C << 2);
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) sum += f32at(out, c);
    const inv: f32 = 1 / sum;
    for (let c = 0; c < C; c++) store<f32>(out + (<usize>c << 2), f32at(out, c) * inv);
  }
}

// Per-example weights (weightsPtr: B f32 values ≥ 0, or 0 for none) weigh each row's loss and gradient, and the
// mean becomes Σ w·loss / Σ w (PyTorch's weighted mean); rows of weight 0 add nothing, and a batch whose weights sum
// to 0 has loss 0 and gradient 0. Without weights every row counts 1: 1 · x is x exactly and the divisor is B,
// so those bits are the unweighted kernel's.
// @ts-ignore: decorator
@inline function rowWeight(weightsPtr: usize, b: i32): f32 {
  return weightsPtr == 0 ? 1 : load<f32>(weightsPtr + (<usize>b << 2));
}

// 1 / Σ w (summed in row order), 1 / B without weights, 0 when the weights sum to 0.
export function inverseWeight(weightsPtr: usize, B: i32): f32 {
  if (weightsPtr == 0) return 1 / <f32>B;
  let sum: f32 = 0;
  for (let b = 0; b < B; b++) sum += load<f32>(weightsPtr + (<usize>b << 2));
  return sum > 0 ? 1 / sum : 0;
}

// Returns the (weighted) mean over B rows of the cross-entropy between softmax(logits) and the label smoothed by ε
// (target ε/C everywhere plus 1−ε at the label; ε = 0 is plain one-hot), and writes
// dLogits (B,C) = w·(softmax − target) / Σ w, the gradient of that mean. The loss uses log-sum-exp, never log(p).
// dLogits may alias logits. labels are i32 in [0, C); the caller has checked them.
export function softmaxCrossEntropyForwardBackward(dLogitsPtr: usize, logitsPtr: usize, labelsPtr: usize, weightsPtr: usize,
                                                   B: i32, C: i32, smoothing: f32): f32 {
  if (B == 0) return 0;
  const invW = inverseWeight(weightsPtr, B), spread: f32 = smoothing / <f32>C;
  shiftRows(dLogitsPtr, logitsPtr, B, C);
  // Σ over rows of w · target · (z − max): the part of the loss that needs the logits, read before exp.
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const d = dLogitsPtr + (<usize>b * C << 2), w = rowWeight(weightsPtr, b);
    let target = f32at(d, load<i32>(labelsPtr + (<usize>b << 2)));
    // Skipped at ε = 0 so a −Inf logit elsewhere does not turn 0 · (−Inf) into NaN.
    if (smoothing != 0) {
      let sumZ: f32 = 0;
      for (let c = 0; c < C; c++) sumZ += f32at(d, c);
      target = (1 - smoothing) * target + spread * sumZ;
    }
    if (w != 0) total -= w * target;
  }
  expInPlace(dLogitsPtr, B * C);
  for (let b = 0; b < B; b++) {
    const d = dLogitsPtr + (<usize>b * C << 2), label = load<i32>(labelsPtr + (<usize>b << 2));
    const w = rowWeight(weightsPtr, b), share = w * invW;
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) sum += f32at(d, c);
    if (w != 0) total += w * Mathf.log(sum);
    const scale: f32 = share / sum;
    for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), f32at(d, c) * scale - spread * share);
    store<f32>(d + (<usize>label << 2), f32at(d, label) - (1 - smoothing) * share);
  }
  return total * invW;
}

// The same for soft targets (B,C), each row a distribution (the "0.9 / 0.1" trick, mixup, distillation):
// (weighted) mean over rows of −Σ_c target·log softmax(logits); dLogits = w·(softmax − target) / Σ w.
// dLogits may alias logits.
export function softmaxCrossEntropySoftForwardBackward(dLogitsPtr: usize, logitsPtr: usize, targetsPtr: usize, weightsPtr: usize,
                                                       B: i32, C: i32): f32 {
  if (B == 0) return 0;
  const invW = inverseWeight(weightsPtr, B);
  shiftRows(dLogitsPtr, logitsPtr, B, C);
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const off = <usize>b * C << 2, d = dLogitsPtr + off, t = targetsPtr + off, w = rowWeight(weightsPtr, b);
    if (w == 0) continue;
    for (let c = 0; c < C; c++) {
      const tc = f32at(t, c);
      if (tc != 0) total -= (w * tc) * f32at(d, c);
    }
  }
  expInPlace(dLogitsPtr, B * C);
  for (let b = 0; b < B; b++) {
    const off = <usize>b * C << 2, d = dLogitsPtr + off, t = targetsPtr + off;
    const w = rowWeight(weightsPtr, b), share = w * invW;
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) sum += f32at(d, c);
    if (w != 0) total += w * Mathf.log(sum);
    const scale: f32 = share / sum;
    for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), f32at(d, c) * scale - f32at(t, c) * share);
  }
  return total * invW;
}
