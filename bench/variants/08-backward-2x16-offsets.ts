// Variant 08 of linearBackward: the kernel before the pointer-bumping one, same 2 outputs × 16 inputs, the two
// dOut splats addressed as g + offset (an add each per batch row) instead of constant offsets from one pointer.
// O=256 node bench/variants/run.js 08-backward-2x16-offsets: main median 1208 ms, min 959; this 1300, 991.
export function linearBackward(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                               B: i32, I: i32, O: i32): void {
  const o0 = 0, o1 = O;
  const row = <usize>I << 2, gRow = <usize>O << 2;
  let i = 0;
  {
    for (; i + 16 <= I; i += 16) {
      for (let o = o0; o < o1; o += 2) {
        const g0Off = <usize>o << 2, g1Off = <usize>min(o + 1, o1 - 1) << 2;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let x = inpPtr + (<usize>i << 2), g = dOutPtr;
        for (let b = 0; b < B; b++, x += row, g += gRow) {
          const g0 = v128.load32_splat(g + g0Off), g1 = v128.load32_splat(g + g1Off);
          let v = v128.load(x); a0 = f32x4.add(a0, f32x4.mul(v, g0)); c0 = f32x4.add(c0, f32x4.mul(v, g1));
          v = v128.load(x, 16); a1 = f32x4.add(a1, f32x4.mul(v, g0)); c1 = f32x4.add(c1, f32x4.mul(v, g1));
          v = v128.load(x, 32); a2 = f32x4.add(a2, f32x4.mul(v, g0)); c2 = f32x4.add(c2, f32x4.mul(v, g1));
          v = v128.load(x, 48); a3 = f32x4.add(a3, f32x4.mul(v, g0)); c3 = f32x4.add(c3, f32x4.mul(v, g1));
        }
        const w0 = dWeightPtr + (<usize>o * I + i << 2);
        v128.store(w0, a0); v128.store(w0, a1, 16); v128.store(w0, a2, 32); v128.store(w0, a3, 48);
        if (o + 1 < o1) {
          const w1 = w0 + row;
          v128.store(w1, c0); v128.store(w1, c1, 16); v128.store(w1, c2, 32); v128.store(w1, c3, 48);
        }
      }
    }
  }
  for (; i < I; i++) {
    for (let o = o0; o < o1; o++) {
      let s: f32 = 0;
      for (let b = 0; b < B; b++) s += load<f32>(dOutPtr + (<usize>(b * O + o) << 2)) * load<f32>(inpPtr + <usize>b * row + (<usize>(i) << 2));
      store<f32>(dWeightPtr + (<usize>o * I + i << 2), s);
    }
  }
  for (let o = o0; o < o1; o++) {
    let s: f32 = 0;
    for (let b = 0; b < B; b++) s += load<f32>(dOutPtr + (<usize>(b * O + o) << 2));
    store<f32>(dBiasPtr + (<usize>o << 2), s);
  }
}
