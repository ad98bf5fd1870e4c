// Variant 02 of linearBackward: blocks of 4 outputs × 8 inputs (8 accumulators, 2 input loads and 4 splats per
// row) instead of 2 outputs × 16 inputs: half the passes over each input strip. Outputs past O repeat the last.
export function linearBackward(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                               B: i32, I: i32, O: i32): void {
  const row = <usize>I << 2;
  let i = 0;
  for (; i + 8 <= I; i += 8) {
    const col = inpPtr + (<usize>i << 2);
    for (let o = 0; o < O; o += 4) {
      const o1 = <usize>min(o + 1, O - 1) << 2, o2 = <usize>min(o + 2, O - 1) << 2, o3 = <usize>min(o + 3, O - 1) << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
      for (let b = 0; b < B; b++) {
        const x = col + <usize>b * row, g = dOutPtr + (<usize>b * O << 2);
        const x0 = v128.load(x), x1 = v128.load(x, 16);
        let s = v128.load32_splat(g + (<usize>o << 2));
        a0 = f32x4.add(a0, f32x4.mul(x0, s)); a1 = f32x4.add(a1, f32x4.mul(x1, s));
        s = v128.load32_splat(g + o1);
        b0 = f32x4.add(b0, f32x4.mul(x0, s)); b1 = f32x4.add(b1, f32x4.mul(x1, s));
        s = v128.load32_splat(g + o2);
        c0 = f32x4.add(c0, f32x4.mul(x0, s)); c1 = f32x4.add(c1, f32x4.mul(x1, s));
        s = v128.load32_splat(g + o3);
        d0 = f32x4.add(d0, f32x4.mul(x0, s)); d1 = f32x4.add(d1, f32x4.mul(x1, s));
      }
      const w = dWeightPtr + (<usize>o * I + i << 2);
      v128.store(w, a0); v128.store(w, a1, 16);
      if (o + 1 < O) { v128.store(w + row, b0); v128.store(w + row, b1, 16); }
      if (o + 2 < O) { v128.store(w + 2 * row, c0); v128.store(w + 2 * row, c1, 16); }
      if (o + 3 < O) { v128.store(w + 3 * row, d0); v128.store(w + 3 * row, d1, 16); }
    }
  }
  for (let o = 0; o < O; o++) {
    let s: f32 = 0;
    for (let b = 0; b < B; b++) s += load<f32>(dOutPtr + (<usize>(b * O + o) << 2));
    store<f32>(dBiasPtr + (<usize>o << 2), s);
  }
}
