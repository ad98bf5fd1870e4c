// Variant 07 of linearForward: blocks of 3 rows × 3 outputs (9 accumulators; per 4 inputs 3 row loads and
// 3 weight loads for 18 multiply-adds, against 6 loads for 16 in main's 4 × 2). Rows and outputs past the end
// repeat the last one and are not stored.
export function linearForward(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                              B: i32, I: i32, O: i32): void {
  const row = <usize>I << 2;
  for (let b = 0; b < B; b += 3) {
    const x0 = inpPtr + <usize>b * row, x1 = inpPtr + <usize>min(b + 1, B - 1) * row;
    const x2 = inpPtr + <usize>min(b + 2, B - 1) * row;
    for (let o = 0; o < O; o += 3) {
      const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
      const w2 = weightPtr + <usize>min(o + 2, O - 1) * row;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0);
      let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a22 = f32x4.splat(0);
      for (let i = 0; i + 4 <= I; i += 4) {
        const off = <usize>i << 2;
        const v0 = v128.load(w0 + off), v1 = v128.load(w1 + off), v2 = v128.load(w2 + off);
        let x = v128.load(x0 + off);
        a00 = f32x4.add(a00, f32x4.mul(x, v0)); a01 = f32x4.add(a01, f32x4.mul(x, v1)); a02 = f32x4.add(a02, f32x4.mul(x, v2));
        x = v128.load(x1 + off);
        a10 = f32x4.add(a10, f32x4.mul(x, v0)); a11 = f32x4.add(a11, f32x4.mul(x, v1)); a12 = f32x4.add(a12, f32x4.mul(x, v2));
        x = v128.load(x2 + off);
        a20 = f32x4.add(a20, f32x4.mul(x, v0)); a21 = f32x4.add(a21, f32x4.mul(x, v1)); a22 = f32x4.add(a22, f32x4.mul(x, v2));
      }
      const out = outPtr + ((<usize>b * O + o) << 2), stride = <usize>O << 2;
      store<f32>(out, hsum(a00)); if (o + 1 < O) store<f32>(out, hsum(a01), 4); if (o + 2 < O) store<f32>(out, hsum(a02), 8);
      if (b + 1 < B) { store<f32>(out + stride, hsum(a10)); if (o + 1 < O) store<f32>(out + stride, hsum(a11), 4); if (o + 2 < O) store<f32>(out + stride, hsum(a12), 8); }
      if (b + 2 < B) { store<f32>(out + 2 * stride, hsum(a20)); if (o + 1 < O) store<f32>(out + 2 * stride, hsum(a21), 4); if (o + 2 < O) store<f32>(out + 2 * stride, hsum(a22), 8); }
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
