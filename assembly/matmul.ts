// The three GEMM forms a dense layer needs. Weights are (out, in) row-major, so the forward pass is contiguous
// dot products and both backward products walk memory with unit stride.
// Dimension letters: B batch rows, I inputs, O outputs; M, K, N for the plain matmul.
import { hsum, madd, f32at } from "./simd";

// out (B,O) = inp (B,I) · weightᵀ (O,I) + bias (O). out is overwritten.
// Blocks of 4 rows × 2 outputs keep 8 accumulators in registers; rows past B repeat the last row and are not stored.
export function linearForward(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                              B: i32, I: i32, O: i32): void {
  const row = <usize>I << 2;
  for (let b = 0; b < B; b += 4) {
    const x0 = inpPtr + <usize>b * row;
    const x1 = inpPtr + <usize>min(b + 1, B - 1) * row;
    const x2 = inpPtr + <usize>min(b + 2, B - 1) * row;
    const x3 = inpPtr + <usize>min(b + 3, B - 1) * row;
    for (let o = 0; o < O; o += 2) {
      const w0 = weightPtr + <usize>o * row;
      const w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
      let s00: f32 = 0, s01: f32 = 0, s10: f32 = 0, s11: f32 = 0;
      let s20: f32 = 0, s21: f32 = 0, s30: f32 = 0, s31: f32 = 0;
      let i = 0;
      if (ASC_FEATURE_SIMD) {
        let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
        let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
        for (; i + 4 <= I; i += 4) {
          const off = <usize>i << 2;
          const v0 = v128.load(w0 + off), v1 = v128.load(w1 + off);
          let x = v128.load(x0 + off); a00 = madd(a00, x, v0); a01 = madd(a01, x, v1);
          x = v128.load(x1 + off); a10 = madd(a10, x, v0); a11 = madd(a11, x, v1);
          x = v128.load(x2 + off); a20 = madd(a20, x, v0); a21 = madd(a21, x, v1);
          x = v128.load(x3 + off); a30 = madd(a30, x, v0); a31 = madd(a31, x, v1);
        }
        s00 = hsum(a00); s01 = hsum(a01); s10 = hsum(a10); s11 = hsum(a11);
        s20 = hsum(a20); s21 = hsum(a21); s30 = hsum(a30); s31 = hsum(a31);
      }
      for (; i < I; i++) {
        const v0 = f32at(w0, i), v1 = f32at(w1, i);
        let x = f32at(x0, i); s00 += x * v0; s01 += x * v1;
        x = f32at(x1, i); s10 += x * v0; s11 += x * v1;
        x = f32at(x2, i); s20 += x * v0; s21 += x * v1;
        x = f32at(x3, i); s30 += x * v0; s31 += x * v1;
      }
      const bias0 = f32at(biasPtr, o), bias1 = f32at(biasPtr, min(o + 1, O - 1));
      const out = outPtr + ((<usize>b * O + o) << 2), stride = <usize>O << 2;
      const two = o + 1 < O;
      store<f32>(out, s00 + bias0); if (two) store<f32>(out, s01 + bias1, 4);
      if (b + 1 < B) { store<f32>(out + stride, s10 + bias0); if (two) store<f32>(out + stride, s11 + bias1, 4); }
      if (b + 2 < B) { store<f32>(out + 2 * stride, s20 + bias0); if (two) store<f32>(out + 2 * stride, s21 + bias1, 4); }
      if (b + 3 < B) { store<f32>(out + 3 * stride, s30 + bias0); if (two) store<f32>(out + 3 * stride, s31 + bias1, 4); }
    }
  }
}

// dWeight (O,I) = dOutᵀ (O,B) · inp (B,I);  dBias (O) = Σ_b dOut (B,O). Both are overwritten, so the training
// step needs no separate zeroGrad. panels is scratch for B × O floats (see packOutputPairs).
export function linearBackward(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, panelsPtr: usize, inpPtr: usize,
                               B: i32, I: i32, O: i32): void {
  packOutputPairs(panelsPtr, dOutPtr, B, O);
  linearBackwardRange(dWeightPtr, dBiasPtr, dOutPtr, panelsPtr, inpPtr, B, I, O, 0, I);
}

// panels = dOut (B,O) regrouped by output pairs, for linearBackwardRange: pair p (outputs 2p, 2p+1, both < O) is
// B × 2 floats at panels + p·B·8, row b's two values at + b·8. dOut's rows are O × 4 bytes apart (1 KB at
// O = 256), so reading a pair down the batch touches a new line per row, all in a few L1 sets: once here, where
// linearBackwardRange would do it once per 16 columns; it reads the panels contiguously (11-16 % faster at
// 256×784→256). Written pair by pair, so the writes are contiguous. A last odd output is not packed.
export function packOutputPairs(panelsPtr: usize, dOutPtr: usize, B: i32, O: i32): void {
  const gRow = <usize>O << 2;
  let out = panelsPtr;
  for (let o = 0; o + 1 < O; o += 2) {
    for (let src = dOutPtr + (<usize>o << 2), end = src + <usize>B * gRow; src < end; src += gRow, out += 8) {
      store<u64>(out, load<u64>(src));
    }
  }
}

// linearBackward for the input columns [i0, i1) of dWeight only (dBias is written by the range that starts at 0),
// so threads can split the columns: each one then reads only its columns of inp. Every element is summed over b
// in the same order whatever the range: the same bits as one call. panels holds dOut packed by packOutputPairs.
// Blocks of 2 outputs × 16 inputs; a 16-column strip of inp (B × 64 bytes) stays in L1 while every output pair
// walks it. Each input vector is loaded just before its two multiply-adds, so 8 accumulators + 1 input + 2 splats
// fit in the 15 xmm registers V8 allocates, without spills. The batch loop bumps one pointer into inp and one
// into the pair's panel, where the two outputs sit at constant offsets 0 and 4 (a wasm address is a value + a
// constant: any other offset costs an add per row).
export function linearBackwardRange(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, panelsPtr: usize, inpPtr: usize,
                                    B: i32, I: i32, O: i32, i0: i32, i1: i32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, panel = <usize>B << 3;
  let i = i0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= i1; i += 16) {
      for (let o = 0; o < O; o += 2) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let x = inpPtr + (<usize>i << 2);
        const two = o + 1 < O;
        if (two) {
          for (let g = panelsPtr + <usize>(o >> 1) * panel, gEnd = g + panel; g < gEnd; x += row, g += 8) {
            const g0 = v128.load32_splat(g), g1 = v128.load32_splat(g, 4);
            let v = v128.load(x); a0 = madd(a0, v, g0); c0 = madd(c0, v, g1);
            v = v128.load(x, 16); a1 = madd(a1, v, g0); c1 = madd(c1, v, g1);
            v = v128.load(x, 32); a2 = madd(a2, v, g0); c2 = madd(c2, v, g1);
            v = v128.load(x, 48); a3 = madd(a3, v, g0); c3 = madd(c3, v, g1);
          }
        } else {
          for (let g = dOutPtr + (<usize>o << 2), gEnd = g + <usize>B * gRow; g < gEnd; x += row, g += gRow) {
            const g0 = v128.load32_splat(g);
            a0 = madd(a0, v128.load(x), g0); a1 = madd(a1, v128.load(x, 16), g0);
            a2 = madd(a2, v128.load(x, 32), g0); a3 = madd(a3, v128.load(x, 48), g0);
          }
        }
        const w0 = dWeightPtr + (<usize>o * I + i << 2);
        v128.store(w0, a0); v128.store(w0, a1, 16); v128.store(w0, a2, 32); v128.store(w0, a3, 48);
        if (two) {
          const w1 = w0 + row;
          v128.store(w1, c0); v128.store(w1, c1, 16); v128.store(w1, c2, 32); v128.store(w1, c3, 48);
        }
      }
    }
  }
  for (; i < i1; i++) {
    for (let o = 0; o < O; o++) {
      let s: f32 = 0;
      for (let b = 0; b < B; b++) s += f32at(dOutPtr, b * O + o) * f32at(inpPtr + <usize>b * row, i);
      store<f32>(dWeightPtr + (<usize>o * I + i << 2), s);
    }
  }
  if (i0 == 0) biasGradient(dBiasPtr, dOutPtr, B, O);
}

// dBias (O) = Σ_b dOut (B,O), four outputs at a time: lane j sums output o + j over b in order, as the scalar
// loop does. A function of its own (binaryen does not inline functions with loops), so the register allocation
// of the loop above is not disturbed.
function biasGradient(dBiasPtr: usize, dOutPtr: usize, B: i32, O: i32): void {
  const gRow = <usize>O << 2;
  let o = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 4 <= O; o += 4) {
      let s = f32x4.splat(0);
      for (let b = 0, g = dOutPtr + (<usize>o << 2); b < B; b++, g += gRow) s = f32x4.add(s, v128.load(g));
      v128.store(dBiasPtr + (<usize>o << 2), s);
    }
  }
  for (; o < O; o++) {
    let s: f32 = 0;
    for (let b = 0; b < B; b++) s += f32at(dOutPtr, b * O + o);
    store<f32>(dBiasPtr + (<usize>o << 2), s);
  }
}

// out (M,N) = a (M,K) · b (K,N). out is overwritten. Also the input gradient of a layer:
// dInp (B,I) = dOut (B,O) · weight (O,I) is matmul(dInp, dOut, weight, B, O, I).
// Blocks of 2 rows × 16 columns (8 accumulators; per k 4 loads of b at constant offsets and 2 splats of a), then
// one of 2 × 8 and single columns; rows past M repeat the last row and are not stored. The k loop bumps one
// pointer into each operand.
export function matmul(outPtr: usize, aPtr: usize, bPtr: usize, M: i32, K: i32, N: i32): void {
  const bRow = <usize>N << 2, aRow = <usize>K << 2;
  for (let m = 0; m < M; m += 2) {
    const r0 = aPtr + <usize>m * aRow, r1 = m + 1 < M ? aRow : 0, rEnd = r0 + aRow;
    const out0 = outPtr + <usize>m * bRow, out1 = out0 + bRow, two = m + 1 < M;
    let n = 0;
    if (ASC_FEATURE_SIMD) {
      for (; n + 16 <= N; n += 16) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let y = bPtr + (<usize>n << 2);
        for (let p = r0; p < rEnd; p += 4, y += bRow) {
          const g0 = v128.load32_splat(p), g1 = v128.load32_splat(p + r1);
          let v = v128.load(y); a0 = madd(a0, g0, v); c0 = madd(c0, g1, v);
          v = v128.load(y, 16); a1 = madd(a1, g0, v); c1 = madd(c1, g1, v);
          v = v128.load(y, 32); a2 = madd(a2, g0, v); c2 = madd(c2, g1, v);
          v = v128.load(y, 48); a3 = madd(a3, g0, v); c3 = madd(c3, g1, v);
        }
        const off = <usize>n << 2;
        v128.store(out0 + off, a0); v128.store(out0 + off, a1, 16); v128.store(out0 + off, a2, 32); v128.store(out0 + off, a3, 48);
        if (two) { v128.store(out1 + off, c0); v128.store(out1 + off, c1, 16); v128.store(out1 + off, c2, 32); v128.store(out1 + off, c3, 48); }
      }
      if (n + 8 <= N) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), c0 = f32x4.splat(0), c1 = f32x4.splat(0);
        let y = bPtr + (<usize>n << 2);
        for (let p = r0; p < rEnd; p += 4, y += bRow) {
          const y0 = v128.load(y), y1 = v128.load(y, 16);
          const g0 = v128.load32_splat(p), g1 = v128.load32_splat(p + r1);
          a0 = madd(a0, g0, y0); a1 = madd(a1, g0, y1); c0 = madd(c0, g1, y0); c1 = madd(c1, g1, y1);
        }
        const off = <usize>n << 2;
        v128.store(out0 + off, a0); v128.store(out0 + off, a1, 16);
        if (two) { v128.store(out1 + off, c0); v128.store(out1 + off, c1, 16); }
        n += 8;
      }
    }
    for (; n < N; n++) {
      let s0: f32 = 0, s1: f32 = 0;
      for (let k = 0; k < K; k++) {
        const y = f32at(bPtr + <usize>k * bRow, n);
        s0 += f32at(r0, k) * y; s1 += f32at(r0 + r1, k) * y;
      }
      store<f32>(out0 + (<usize>n << 2), s0);
      if (two) store<f32>(out1 + (<usize>n << 2), s1);
    }
  }
}
