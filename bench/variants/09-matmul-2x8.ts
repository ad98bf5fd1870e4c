// Variant 09 of matmul: the kernel before the 2 × 16 one: blocks of 2 rows × 8 columns, b addressed as
// col + k · bRow and a as r + k · 4 each step (index arithmetic) instead of one bumped pointer per operand.
// I=256 O=10 node bench/variants/run.js 09-matmul-2x8 (the MLP's dX): main median 16.7 ms, min 14.6; this 24.2, 20.0.
export function matmul(outPtr: usize, aPtr: usize, bPtr: usize, M: i32, K: i32, N: i32): void {
  const bRow = <usize>N << 2;
  for (let m = 0; m < M; m += 2) {
    const r0 = aPtr + (<usize>m * K << 2), r1 = aPtr + (<usize>min(m + 1, M - 1) * K << 2);
    const out0 = outPtr + <usize>m * bRow, out1 = out0 + bRow, two = m + 1 < M;
    let n = 0;
    {
      for (; n + 8 <= N; n += 8) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), c0 = f32x4.splat(0), c1 = f32x4.splat(0);
        const col = bPtr + (<usize>n << 2);
        for (let k = 0; k < K; k++) {
          const y = col + <usize>k * bRow, y0 = v128.load(y), y1 = v128.load(y, 16);
          const g0 = v128.load32_splat(r0 + (<usize>k << 2)), g1 = v128.load32_splat(r1 + (<usize>k << 2));
          a0 = f32x4.add(a0, f32x4.mul(g0, y0)); a1 = f32x4.add(a1, f32x4.mul(g0, y1)); c0 = f32x4.add(c0, f32x4.mul(g1, y0)); c1 = f32x4.add(c1, f32x4.mul(g1, y1));
        }
        const off = <usize>n << 2;
        v128.store(out0 + off, a0); v128.store(out0 + off, a1, 16);
        if (two) { v128.store(out1 + off, c0); v128.store(out1 + off, c1, 16); }
      }
    }
    for (; n < N; n++) {
      let s0: f32 = 0, s1: f32 = 0;
      for (let k = 0; k < K; k++) {
        const y = load<f32>(bPtr + <usize>k * bRow + (<usize>(n) << 2));
        s0 += load<f32>(r0 + (<usize>(k) << 2)) * y; s1 += load<f32>(r1 + (<usize>(k) << 2)) * y;
      }
      store<f32>(out0 + (<usize>n << 2), s0);
      if (two) store<f32>(out1 + (<usize>n << 2), s1);
    }
  }
}
