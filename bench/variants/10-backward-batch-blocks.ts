// Variant 10 of linearBackward: main's 2 outputs × 16 inputs with the batch walked in blocks of 16 rows when dOut
// rows are a multiple of 1 KB apart (O = 256): such rows put all the dOut lines of a pass in 4 of L1's 64 sets,
// evicting each before the next output pairs reuse it. A block starts from the sums the previous one stored (the
// same bits). O=256 node bench/variants/run.js 10-backward-batch-blocks: main median 1241 ms, min 1070; this 1226,
// 1043 (within noise; in other runs up to 5 % either way). Blocks at every O lost 15 % at O = 10. Scalar dBias.
export function linearBackward(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                               B: i32, I: i32, O: i32): void {
  const block = (O & 255) == 0 ? 16 : max(B, 1);
  weightGradientStrips(dWeightPtr, dOutPtr, inpPtr, B, I, O, 0, O, block);
  for (let o = 0; o < O; o++) {
    let s: f32 = 0;
    for (let b = 0; b < B; b++) s += load<f32>(dOutPtr + (<usize>(b * O + o) << 2));
    store<f32>(dBiasPtr + (<usize>o << 2), s);
  }
}

// Inputs [0, I & ~15) in strips of 16 (I a multiple of 16 here), the batch in blocks of `block` rows.
// A block's accumulators start from the sums the previous block stored, so each element is still one sequential
// sum over b = 0..B-1. The batch loop bumps one pointer into inp and one into dOut, where the two outputs sit at
// constant offsets 0 and 4 (a wasm address is a value + a constant: any other offset costs an add per row).
// A function of its own (binaryen inlines no function with loops): in one with the tails, V8 spilled the memory
// base out of this loop.
function weightGradientStrips(dWeightPtr: usize, dOutPtr: usize, inpPtr: usize, B: i32, I: i32, O: i32,
                              o0: i32, o1: i32, block: i32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2;
  for (let i = 0; i + 16 <= I; i += 16) {
    for (let b0 = 0; b0 == 0 || b0 < B; b0 += block) {
      const rows = min(block, B - b0);
      for (let o = o0; o < o1; o += 2) {
        const two = o + 1 < o1, w0 = dWeightPtr + (<usize>o * I + i << 2), w1 = w0 + row;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        if (b0 > 0) {
          a0 = v128.load(w0); a1 = v128.load(w0, 16); a2 = v128.load(w0, 32); a3 = v128.load(w0, 48);
          if (two) { c0 = v128.load(w1); c1 = v128.load(w1, 16); c2 = v128.load(w1, 32); c3 = v128.load(w1, 48); }
        }
        let x = inpPtr + <usize>b0 * row + (<usize>i << 2), g = dOutPtr + <usize>b0 * gRow + (<usize>o << 2);
        const gEnd = g + <usize>rows * gRow;
        if (two) {
          for (; g < gEnd; x += row, g += gRow) {
            const g0 = v128.load32_splat(g), g1 = v128.load32_splat(g, 4);
            let v = v128.load(x); a0 = f32x4.add(a0, f32x4.mul(v, g0)); c0 = f32x4.add(c0, f32x4.mul(v, g1));
            v = v128.load(x, 16); a1 = f32x4.add(a1, f32x4.mul(v, g0)); c1 = f32x4.add(c1, f32x4.mul(v, g1));
            v = v128.load(x, 32); a2 = f32x4.add(a2, f32x4.mul(v, g0)); c2 = f32x4.add(c2, f32x4.mul(v, g1));
            v = v128.load(x, 48); a3 = f32x4.add(a3, f32x4.mul(v, g0)); c3 = f32x4.add(c3, f32x4.mul(v, g1));
          }
        } else {
          for (; g < gEnd; x += row, g += gRow) {
            const g0 = v128.load32_splat(g);
            a0 = f32x4.add(a0, f32x4.mul(v128.load(x), g0)); a1 = f32x4.add(a1, f32x4.mul(v128.load(x, 16), g0));
            a2 = f32x4.add(a2, f32x4.mul(v128.load(x, 32), g0)); a3 = f32x4.add(a3, f32x4.mul(v128.load(x, 48), g0));
          }
        }
        v128.store(w0, a0); v128.store(w0, a1, 16); v128.store(w0, a2, 32); v128.store(w0, a3, 48);
        if (two) { v128.store(w1, c0); v128.store(w1, c1, 16); v128.store(w1, c2, 32); v128.store(w1, c3, 48); }
      }
    }
  }
}

