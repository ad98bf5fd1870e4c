// Variant 04 of linearForward: blocks of 2 rows × 5 outputs (10 accumulators; per 4 inputs 2 row loads and
// 5 weight loads for 20 multiply-adds) instead of 4 rows × 2 outputs (6 loads for 16): for O = 10 each row block
// walks the weights once instead of five times.
export function linearForward(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                              B: i32, I: i32, O: i32): void {
  const row = <usize>I << 2;
  for (let b = 0; b < B; b += 2) {
    const x0 = inpPtr + <usize>b * row, x1 = inpPtr + <usize>min(b + 1, B - 1) * row;
    for (let o = 0; o < O; o += 5) {
      const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
      const w2 = weightPtr + <usize>min(o + 2, O - 1) * row, w3 = weightPtr + <usize>min(o + 3, O - 1) * row;
      const w4 = weightPtr + <usize>min(o + 4, O - 1) * row;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0), c4 = f32x4.splat(0);
      for (let off: usize = 0; off < row; off += 16) {
        const p = v128.load(x0 + off), q = v128.load(x1 + off);
        let w = v128.load(w0 + off); a0 = f32x4.add(a0, f32x4.mul(p, w)); c0 = f32x4.add(c0, f32x4.mul(q, w));
        w = v128.load(w1 + off); a1 = f32x4.add(a1, f32x4.mul(p, w)); c1 = f32x4.add(c1, f32x4.mul(q, w));
        w = v128.load(w2 + off); a2 = f32x4.add(a2, f32x4.mul(p, w)); c2 = f32x4.add(c2, f32x4.mul(q, w));
        w = v128.load(w3 + off); a3 = f32x4.add(a3, f32x4.mul(p, w)); c3 = f32x4.add(c3, f32x4.mul(q, w));
        w = v128.load(w4 + off); a4 = f32x4.add(a4, f32x4.mul(p, w)); c4 = f32x4.add(c4, f32x4.mul(q, w));
      }
      const out = outPtr + ((<usize>b * O + o) << 2);
      store<f32>(out, hsum(a0)); store<f32>(out, hsum(a1), 4); store<f32>(out, hsum(a2), 8); store<f32>(out, hsum(a3), 12); store<f32>(out, hsum(a4), 16);
      const out1 = out + (<usize>O << 2);
      store<f32>(out1, hsum(c0)); store<f32>(out1, hsum(c1), 4); store<f32>(out1, hsum(c2), 8); store<f32>(out1, hsum(c3), 12); store<f32>(out1, hsum(c4), 16);
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
