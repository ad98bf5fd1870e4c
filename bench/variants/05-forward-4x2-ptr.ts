// Variant 05 of linearForward: main's 4 rows × 2 outputs, with the weight vectors loaded once per step and each
// row vector loaded right before its two multiply-adds (one live), stepping a byte offset.
export function linearForward(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                              B: i32, I: i32, O: i32): void {
  const row = <usize>I << 2;
  for (let b = 0; b < B; b += 4) {
    const x0 = inpPtr + <usize>b * row, x1 = inpPtr + <usize>min(b + 1, B - 1) * row;
    const x2 = inpPtr + <usize>min(b + 2, B - 1) * row, x3 = inpPtr + <usize>min(b + 3, B - 1) * row;
    for (let o = 0; o < O; o += 2) {
      const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      for (let off: usize = 0; off < row; off += 16) {
        const v0 = v128.load(w0 + off), v1 = v128.load(w1 + off);
        let x = v128.load(x0 + off); a00 = f32x4.add(a00, f32x4.mul(x, v0)); a01 = f32x4.add(a01, f32x4.mul(x, v1));
        x = v128.load(x1 + off); a10 = f32x4.add(a10, f32x4.mul(x, v0)); a11 = f32x4.add(a11, f32x4.mul(x, v1));
        x = v128.load(x2 + off); a20 = f32x4.add(a20, f32x4.mul(x, v0)); a21 = f32x4.add(a21, f32x4.mul(x, v1));
        x = v128.load(x3 + off); a30 = f32x4.add(a30, f32x4.mul(x, v0)); a31 = f32x4.add(a31, f32x4.mul(x, v1));
      }
      const out = outPtr + ((<usize>b * O + o) << 2), stride = <usize>O << 2;
      store<f32>(out, hsum(a00)); store<f32>(out, hsum(a01), 4);
      store<f32>(out + stride, hsum(a10)); store<f32>(out + stride, hsum(a11), 4);
      store<f32>(out + 2 * stride, hsum(a20)); store<f32>(out + 2 * stride, hsum(a21), 4);
      store<f32>(out + 3 * stride, hsum(a30)); store<f32>(out + 3 * stride, hsum(a31), 4);
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
