// Variant 11: keep the batch in u8 and convert inside the GEMMs. LOSES (kept for the record).
// gatherU8 copies the 784 bytes of each row (after touching every cache line first, as gatherScaleU8 does), a
// quarter of the 800 KB that gatherScaleU8 writes; the two GEMMs then read the u8 batch and turn each byte into
// f32(u) · scale, the very value gatherScaleU8 stores, so every output bit is the same as main's (checked by the
// workload on every batch of an epoch and on odd shapes, before it times anything).
// Forward: each output is hsum of 4 lanes (lane j: inputs i ≡ j mod 4, increasing i), then the scalar tail,
// then + bias, as in main. Backward: each dW element sums b = 0..B-1 in order, as in main.
// The conversion: u8 → i16 → i32 → f32. Values are < 256, so convert_i32x4_s gives the same f32 as
// convert_i32x4_u (the one gatherScaleU8 used when this was measured; it now uses the signed form); the "S" kernels use the signed form, one vcvtdq2ps on x64,
// where V8 expands the unsigned one into eight instructions (pxor, pblendw, psubd, 2 cvtdq2ps, psrld, 2 addps).
//
// Measured 2026-12-02 (main = gatherScaleU8 with the unsigned conversion), 01:27–01:31 UTC, node 20.20.2, 2 vCPU EPYC (Zen 3, KVM, shared and noisy), one thread:
//   node bench/variants/11-u8-gemms.js 15      (run 3 times; ms per epoch of 235 steps, B=256, I=784, O=10,
//   60 000 × 784 u8 rows in a shuffled order; median / min of 15 alternating rounds; the three runs shown as a–b–c)
//                                     gather          forward         backward        whole step      vs main
//   main (gatherScaleU8, f32 batch)   55/40 39/29 42/28  61/48 42/31 46/31  68/50 44/33 49/33  200/103 138/98 138/105
//   u8, fwd 1x10, bwd 5x8, cvt_u      43/17 25/18 28/21  126/70 87/69 94/69 153/76 108/79 115/78 334/174 227/170 230/181  +64..67 % med, +70..73 % min
//   u8, fwd 1x10, bwd 5x8, cvt_s      33/19 24/17 27/17  111/86 82/63 87/65 114/79 77/56 83/58  281/165 194/138 204/148  +40..48 % / +40..60 %
//   u8, fwd 1x5,  bwd 5x4, cvt_s      37/21 22/17 27/18  94/57 67/55 75/61  133/71 88/64 105/79 272/194 208/140 211/152  +36..53 % / +43..89 %
//   u8 loop, fwd 2x5, bwd 10x4, cvt_s 40/18 25/18 27/19  102/56 69/55 76/60 155/70 100/73 117/81 333/150 210/154 223/170 +52..67 % / +46..62 %
//   u8, fwd scratch, bwd 5x8, cvt_s   37/22 24/14 27/19  77/41 55/35 55/42  105/62 83/53 81/65  232/119 150/111 169/116  +9..22 % / +11..16 %
//   u8, fwd scratch, bwd scratch      30/18 21/14 25/18  57/39 50/36 52/35  68/46 56/42 57/41  182/110 143/96 144/96    −9..+4 % / −9..+7 %
//   f32 batch, gatherScaleU8 cvt_s    43/21 29/22 31/21  62/36 42/33 46/33  64/34 43/35 50/35  172/93 122/92 129/104    −7..−14 % / −1..−10 %
//   (loss ≈ 5–7 ms everywhere.) "scratch": 4 rows (forward) or a 16-column strip (backward) are converted into
//   an L1 buffer, then main's unchanged 4x2 / 2x16 loops run on it; the others convert in registers.
// Why: main's GEMMs are not bandwidth-bound (the same kernels on a batch already in cache take the same ~30 and
// ~33 ms), so reading 200 KB of u8 instead of 800 KB of f32 saves nothing there; the only saving is in the gather
// (≈ 10–15 ms per epoch against main's, 3–8 ms against the cvt_s gather), and it is spent converting each byte
// twice, once per GEMM (≈ 5–7 ms each even in the cheapest, scratch form). Converting in registers is far worse:
// V8 issues all of a step's loads first, so 10 accumulators plus 10–20 weight or splat vectors spill to the
// stack (seen with node --print-wasm-code), and the blocks small enough not to spill (1x5, 5x4) convert each
// byte twice and load one weight or splat per multiply-add.
// Conclusion: the u8 batch loses — by 40–67 % (median) with the register tilings; at best (scratch) it ties
// main (−9..+4 % median, within the noise) and loses 6–17 % (median) to main with gatherScaleU8 switched to
// convert_i32x4_s, because converting twice costs what the 600 KB of saved writes gain and the GEMMs were never
// memory-bound.
// Note: run.js cannot time this file (it times one kernel); its workload is 11-u8-gemms.js.

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
// @ts-ignore: decorator
@inline function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}
// @ts-ignore: decorator
@inline function f32at(base: usize, index: i32): f32 {
  return load<f32>(base + (<usize>index << 2));
}
// Four u8 (in the low lanes of an i16x8) → f32 · scale, as gatherScaleU8 computes them.
// @ts-ignore: decorator
@inline function lowToF32(w: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(w)), s);
}
// @ts-ignore: decorator
@inline function highToF32(w: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(w)), s);
}
// @ts-ignore: decorator
@inline function lowToF32S(w: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(w)), s);
}
// @ts-ignore: decorator
@inline function highToF32S(w: v128, s: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(w)), s);
}
// @ts-ignore: decorator
@inline function u8at(base: usize, i: i32, scale: f32): f32 {
  return <f32>load<u8>(base + <usize>i) * scale;
}

// n u8 → f32 · scale, as gatherScaleU8 computes them (signed conversion: the same values).
// @ts-ignore: decorator
@inline function convertU8(out: usize, src: usize, n: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const bytes = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(bytes), hi = i16x8.extend_high_i8x16_u(bytes);
    const o = out + (<usize>i << 2);
    v128.store(o, lowToF32S(lo, s)); v128.store(o, highToF32S(lo, s), 16);
    v128.store(o, lowToF32S(hi, s), 32); v128.store(o, highToF32S(hi, s), 48);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), u8at(src, i, scale));
}

// ---- gather: out (B,I) u8 = src[idx[b]] ----

// Touch every cache line of every row first (all misses in flight), then copy with memory.copy.
export function gatherU8(outPtr: usize, srcPtr: usize, idxPtr: usize, B: i32, I: i32): u32 {
  let touched: u32 = 0;
  for (let b = 0; b < B; b++) {
    const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
    for (let i = 0; i < I; i += 64) touched += load<u8>(src + i);
  }
  for (let b = 0; b < B; b++) {
    memory.copy(outPtr + <usize>b * I, srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I, I);
  }
  return touched;
}

// The same with a v128 copy loop instead of memory.copy (which V8 runs as a call per row).
export function gatherU8Loop(outPtr: usize, srcPtr: usize, idxPtr: usize, B: i32, I: i32): u32 {
  let touched: u32 = 0;
  for (let b = 0; b < B; b++) {
    const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
    for (let i = 0; i < I; i += 64) touched += load<u8>(src + i);
  }
  for (let b = 0; b < B; b++) {
    const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I, out = outPtr + <usize>b * I;
    let i = 0;
    for (; i + 16 <= I; i += 16) v128.store(out + <usize>i, v128.load(src + <usize>i));
    for (; i < I; i++) store<u8>(out + <usize>i, load<u8>(src + <usize>i));
  }
  return touched;
}

// For comparison, not a u8 batch: main's gatherScaleU8 (f32 batch) with the signed conversion, which gives the
// same values and is one vcvtdq2ps on x64 where V8 expands convert_i32x4_u into eight instructions.
export function gatherScaleU8S(outPtr: usize, srcPtr: usize, idxPtr: usize, B: i32, I: i32, scale: f32): u32 {
  let touched: u32 = 0;
  for (let b = 0; b < B; b++) {
    const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
    for (let i = 0; i < I; i += 64) touched += load<u8>(src + i);
  }
  for (let b = 0; b < B; b++) {
    convertU8(outPtr + (<usize>b * I << 2), srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I, I, scale);
  }
  return touched;
}

// ---- forward: out (B,O) = (inp (B,I) u8 · scale) · weightᵀ (O,I) + bias (O) ----

// 1 row × 10 outputs, 8 inputs a step (one load64_zero, two converted vectors shared by 10 outputs).
// Outputs past O repeat the last and are not stored.
export function linearForwardU8_1x10(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                                     B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, s = f32x4.splat(scale);
  for (let o = 0; o < O; o += 10) {
    const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
    const w2 = weightPtr + <usize>min(o + 2, O - 1) * row, w3 = weightPtr + <usize>min(o + 3, O - 1) * row;
    const w4 = weightPtr + <usize>min(o + 4, O - 1) * row, w5 = weightPtr + <usize>min(o + 5, O - 1) * row;
    const w6 = weightPtr + <usize>min(o + 6, O - 1) * row, w7 = weightPtr + <usize>min(o + 7, O - 1) * row;
    const w8 = weightPtr + <usize>min(o + 8, O - 1) * row, w9 = weightPtr + <usize>min(o + 9, O - 1) * row;
    for (let b = 0; b < B; b++) {
      const x = inpPtr + <usize>b * I;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0), a9 = f32x4.splat(0);
      let i = 0;
      for (; i + 8 <= I; i += 8) {
        const wide = i16x8.extend_low_i8x16_u(v128.load64_zero(x + <usize>i));
        const lo = lowToF32(wide, s), hi = highToF32(wide, s), off = <usize>i << 2;
        a0 = madd(madd(a0, lo, v128.load(w0 + off)), hi, v128.load(w0 + off, 16));
        a1 = madd(madd(a1, lo, v128.load(w1 + off)), hi, v128.load(w1 + off, 16));
        a2 = madd(madd(a2, lo, v128.load(w2 + off)), hi, v128.load(w2 + off, 16));
        a3 = madd(madd(a3, lo, v128.load(w3 + off)), hi, v128.load(w3 + off, 16));
        a4 = madd(madd(a4, lo, v128.load(w4 + off)), hi, v128.load(w4 + off, 16));
        a5 = madd(madd(a5, lo, v128.load(w5 + off)), hi, v128.load(w5 + off, 16));
        a6 = madd(madd(a6, lo, v128.load(w6 + off)), hi, v128.load(w6 + off, 16));
        a7 = madd(madd(a7, lo, v128.load(w7 + off)), hi, v128.load(w7 + off, 16));
        a8 = madd(madd(a8, lo, v128.load(w8 + off)), hi, v128.load(w8 + off, 16));
        a9 = madd(madd(a9, lo, v128.load(w9 + off)), hi, v128.load(w9 + off, 16));
      }
      if (i + 4 <= I) {
        const lo = lowToF32(i16x8.extend_low_i8x16_u(v128.load32_zero(x + <usize>i)), s), off = <usize>i << 2;
        a0 = madd(a0, lo, v128.load(w0 + off)); a1 = madd(a1, lo, v128.load(w1 + off));
        a2 = madd(a2, lo, v128.load(w2 + off)); a3 = madd(a3, lo, v128.load(w3 + off));
        a4 = madd(a4, lo, v128.load(w4 + off)); a5 = madd(a5, lo, v128.load(w5 + off));
        a6 = madd(a6, lo, v128.load(w6 + off)); a7 = madd(a7, lo, v128.load(w7 + off));
        a8 = madd(a8, lo, v128.load(w8 + off)); a9 = madd(a9, lo, v128.load(w9 + off));
        i += 4;
      }
      let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3), s4 = hsum(a4);
      let s5 = hsum(a5), s6 = hsum(a6), s7 = hsum(a7), s8 = hsum(a8), s9 = hsum(a9);
      for (; i < I; i++) {
        const v = u8at(x, i, scale);
        s0 += v * f32at(w0, i); s1 += v * f32at(w1, i); s2 += v * f32at(w2, i); s3 += v * f32at(w3, i);
        s4 += v * f32at(w4, i); s5 += v * f32at(w5, i); s6 += v * f32at(w6, i); s7 += v * f32at(w7, i);
        s8 += v * f32at(w8, i); s9 += v * f32at(w9, i);
      }
      const out = outPtr + ((<usize>b * O + o) << 2), n = O - o;
      store<f32>(out, s0 + f32at(biasPtr, o));
      if (n > 1) store<f32>(out, s1 + f32at(biasPtr, o + 1), 4);
      if (n > 2) store<f32>(out, s2 + f32at(biasPtr, o + 2), 8);
      if (n > 3) store<f32>(out, s3 + f32at(biasPtr, o + 3), 12);
      if (n > 4) store<f32>(out, s4 + f32at(biasPtr, o + 4), 16);
      if (n > 5) store<f32>(out, s5 + f32at(biasPtr, o + 5), 20);
      if (n > 6) store<f32>(out, s6 + f32at(biasPtr, o + 6), 24);
      if (n > 7) store<f32>(out, s7 + f32at(biasPtr, o + 7), 28);
      if (n > 8) store<f32>(out, s8 + f32at(biasPtr, o + 8), 32);
      if (n > 9) store<f32>(out, s9 + f32at(biasPtr, o + 9), 36);
    }
  }
}

// As linearForwardU8_1x10 with the signed conversion (same values).
export function linearForwardU8S_1x10(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                                      B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, s = f32x4.splat(scale);
  for (let o = 0; o < O; o += 10) {
    const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
    const w2 = weightPtr + <usize>min(o + 2, O - 1) * row, w3 = weightPtr + <usize>min(o + 3, O - 1) * row;
    const w4 = weightPtr + <usize>min(o + 4, O - 1) * row, w5 = weightPtr + <usize>min(o + 5, O - 1) * row;
    const w6 = weightPtr + <usize>min(o + 6, O - 1) * row, w7 = weightPtr + <usize>min(o + 7, O - 1) * row;
    const w8 = weightPtr + <usize>min(o + 8, O - 1) * row, w9 = weightPtr + <usize>min(o + 9, O - 1) * row;
    for (let b = 0; b < B; b++) {
      const x = inpPtr + <usize>b * I;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0), a9 = f32x4.splat(0);
      let i = 0;
      for (; i + 8 <= I; i += 8) {
        const wide = i16x8.extend_low_i8x16_u(v128.load64_zero(x + <usize>i));
        const lo = lowToF32S(wide, s), hi = highToF32S(wide, s), off = <usize>i << 2;
        a0 = madd(madd(a0, lo, v128.load(w0 + off)), hi, v128.load(w0 + off, 16));
        a1 = madd(madd(a1, lo, v128.load(w1 + off)), hi, v128.load(w1 + off, 16));
        a2 = madd(madd(a2, lo, v128.load(w2 + off)), hi, v128.load(w2 + off, 16));
        a3 = madd(madd(a3, lo, v128.load(w3 + off)), hi, v128.load(w3 + off, 16));
        a4 = madd(madd(a4, lo, v128.load(w4 + off)), hi, v128.load(w4 + off, 16));
        a5 = madd(madd(a5, lo, v128.load(w5 + off)), hi, v128.load(w5 + off, 16));
        a6 = madd(madd(a6, lo, v128.load(w6 + off)), hi, v128.load(w6 + off, 16));
        a7 = madd(madd(a7, lo, v128.load(w7 + off)), hi, v128.load(w7 + off, 16));
        a8 = madd(madd(a8, lo, v128.load(w8 + off)), hi, v128.load(w8 + off, 16));
        a9 = madd(madd(a9, lo, v128.load(w9 + off)), hi, v128.load(w9 + off, 16));
      }
      if (i + 4 <= I) {
        const lo = lowToF32S(i16x8.extend_low_i8x16_u(v128.load32_zero(x + <usize>i)), s), off = <usize>i << 2;
        a0 = madd(a0, lo, v128.load(w0 + off)); a1 = madd(a1, lo, v128.load(w1 + off));
        a2 = madd(a2, lo, v128.load(w2 + off)); a3 = madd(a3, lo, v128.load(w3 + off));
        a4 = madd(a4, lo, v128.load(w4 + off)); a5 = madd(a5, lo, v128.load(w5 + off));
        a6 = madd(a6, lo, v128.load(w6 + off)); a7 = madd(a7, lo, v128.load(w7 + off));
        a8 = madd(a8, lo, v128.load(w8 + off)); a9 = madd(a9, lo, v128.load(w9 + off));
        i += 4;
      }
      let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3), s4 = hsum(a4);
      let s5 = hsum(a5), s6 = hsum(a6), s7 = hsum(a7), s8 = hsum(a8), s9 = hsum(a9);
      for (; i < I; i++) {
        const v = u8at(x, i, scale);
        s0 += v * f32at(w0, i); s1 += v * f32at(w1, i); s2 += v * f32at(w2, i); s3 += v * f32at(w3, i);
        s4 += v * f32at(w4, i); s5 += v * f32at(w5, i); s6 += v * f32at(w6, i); s7 += v * f32at(w7, i);
        s8 += v * f32at(w8, i); s9 += v * f32at(w9, i);
      }
      const out = outPtr + ((<usize>b * O + o) << 2), n = O - o;
      store<f32>(out, s0 + f32at(biasPtr, o));
      if (n > 1) store<f32>(out, s1 + f32at(biasPtr, o + 1), 4);
      if (n > 2) store<f32>(out, s2 + f32at(biasPtr, o + 2), 8);
      if (n > 3) store<f32>(out, s3 + f32at(biasPtr, o + 3), 12);
      if (n > 4) store<f32>(out, s4 + f32at(biasPtr, o + 4), 16);
      if (n > 5) store<f32>(out, s5 + f32at(biasPtr, o + 5), 20);
      if (n > 6) store<f32>(out, s6 + f32at(biasPtr, o + 6), 24);
      if (n > 7) store<f32>(out, s7 + f32at(biasPtr, o + 7), 28);
      if (n > 8) store<f32>(out, s8 + f32at(biasPtr, o + 8), 32);
      if (n > 9) store<f32>(out, s9 + f32at(biasPtr, o + 9), 36);
    }
  }
}

// 2 rows × 5 outputs, 4 inputs a step (one load32_zero per row, each converted vector shared by 5 outputs).
// Signed conversion. Rows and outputs past the end repeat the last and are not stored.
export function linearForwardU8S_2x5(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                                     B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, s = f32x4.splat(scale);
  for (let b = 0; b < B; b += 2) {
    const x0 = inpPtr + <usize>b * I, x1 = inpPtr + <usize>min(b + 1, B - 1) * I;
    for (let o = 0; o < O; o += 5) {
      const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
      const w2 = weightPtr + <usize>min(o + 2, O - 1) * row, w3 = weightPtr + <usize>min(o + 3, O - 1) * row;
      const w4 = weightPtr + <usize>min(o + 4, O - 1) * row;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0), c4 = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= I; i += 4) {
        const u = lowToF32S(i16x8.extend_low_i8x16_u(v128.load32_zero(x0 + <usize>i)), s);
        const v = lowToF32S(i16x8.extend_low_i8x16_u(v128.load32_zero(x1 + <usize>i)), s);
        const off = <usize>i << 2;
        let w = v128.load(w0 + off); a0 = madd(a0, u, w); c0 = madd(c0, v, w);
        w = v128.load(w1 + off); a1 = madd(a1, u, w); c1 = madd(c1, v, w);
        w = v128.load(w2 + off); a2 = madd(a2, u, w); c2 = madd(c2, v, w);
        w = v128.load(w3 + off); a3 = madd(a3, u, w); c3 = madd(c3, v, w);
        w = v128.load(w4 + off); a4 = madd(a4, u, w); c4 = madd(c4, v, w);
      }
      let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3), s4 = hsum(a4);
      let t0 = hsum(c0), t1 = hsum(c1), t2 = hsum(c2), t3 = hsum(c3), t4 = hsum(c4);
      for (; i < I; i++) {
        const u = u8at(x0, i, scale), v = u8at(x1, i, scale);
        let w = f32at(w0, i); s0 += u * w; t0 += v * w;
        w = f32at(w1, i); s1 += u * w; t1 += v * w;
        w = f32at(w2, i); s2 += u * w; t2 += v * w;
        w = f32at(w3, i); s3 += u * w; t3 += v * w;
        w = f32at(w4, i); s4 += u * w; t4 += v * w;
      }
      const n = O - o, stride = <usize>O << 2, out = outPtr + ((<usize>b * O + o) << 2);
      const bias0 = f32at(biasPtr, o), bias1 = f32at(biasPtr, min(o + 1, O - 1)), bias2 = f32at(biasPtr, min(o + 2, O - 1));
      const bias3 = f32at(biasPtr, min(o + 3, O - 1)), bias4 = f32at(biasPtr, min(o + 4, O - 1));
      store<f32>(out, s0 + bias0);
      if (n > 1) store<f32>(out, s1 + bias1, 4);
      if (n > 2) store<f32>(out, s2 + bias2, 8);
      if (n > 3) store<f32>(out, s3 + bias3, 12);
      if (n > 4) store<f32>(out, s4 + bias4, 16);
      if (b + 1 < B) {
        const o1 = out + stride;
        store<f32>(o1, t0 + bias0);
        if (n > 1) store<f32>(o1, t1 + bias1, 4);
        if (n > 2) store<f32>(o1, t2 + bias2, 8);
        if (n > 3) store<f32>(o1, t3 + bias3, 12);
        if (n > 4) store<f32>(o1, t4 + bias4, 16);
      }
    }
  }
}

// 1 row × 5 outputs, 4 inputs a step (load8x8_u reads 4 bytes past the row's last 4, unused): 5 accumulators + 5 weight vectors + 1 converted vector fit in the 16
// xmm registers even though V8 loads all the weights of a step first (the 1x10 and 2x5 forms spill).
export function linearForwardU8S_1x5(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                                     B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, s = f32x4.splat(scale);
  for (let b = 0; b < B; b++) {
    const x = inpPtr + <usize>b * I;
    for (let o = 0; o < O; o += 5) {
      const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
      const w2 = weightPtr + <usize>min(o + 2, O - 1) * row, w3 = weightPtr + <usize>min(o + 3, O - 1) * row;
      const w4 = weightPtr + <usize>min(o + 4, O - 1) * row;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= I; i += 4) {
        const u = lowToF32S(v128.load8x8_u(x + <usize>i), s), off = <usize>i << 2;
        a0 = madd(a0, u, v128.load(w0 + off)); a1 = madd(a1, u, v128.load(w1 + off));
        a2 = madd(a2, u, v128.load(w2 + off)); a3 = madd(a3, u, v128.load(w3 + off));
        a4 = madd(a4, u, v128.load(w4 + off));
      }
      let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3), s4 = hsum(a4);
      for (; i < I; i++) {
        const u = u8at(x, i, scale);
        s0 += u * f32at(w0, i); s1 += u * f32at(w1, i); s2 += u * f32at(w2, i); s3 += u * f32at(w3, i);
        s4 += u * f32at(w4, i);
      }
      const out = outPtr + ((<usize>b * O + o) << 2), n = O - o;
      store<f32>(out, s0 + f32at(biasPtr, o));
      if (n > 1) store<f32>(out, s1 + f32at(biasPtr, o + 1), 4);
      if (n > 2) store<f32>(out, s2 + f32at(biasPtr, o + 2), 8);
      if (n > 3) store<f32>(out, s3 + f32at(biasPtr, o + 3), 12);
      if (n > 4) store<f32>(out, s4 + f32at(biasPtr, o + 4), 16);
    }
  }
}

// Main's 4 rows × 2 outputs on f32 rows converted just before, 4 at a time, into an L1 scratch buffer
// (4 × I f32 at scratchPtr): the batch never exists in f32 beyond those 4 rows. Same sums as main.
export function linearForwardU8Scratch(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                                       B: i32, I: i32, O: i32, scale: f32, scratchPtr: usize): void {
  const row = <usize>I << 2;
  const x0 = scratchPtr, x1 = scratchPtr + row, x2 = scratchPtr + 2 * row, x3 = scratchPtr + 3 * row;
  for (let b = 0; b < B; b += 4) {
    convertU8(x0, inpPtr + <usize>b * I, I, scale);
    convertU8(x1, inpPtr + <usize>min(b + 1, B - 1) * I, I, scale);
    convertU8(x2, inpPtr + <usize>min(b + 2, B - 1) * I, I, scale);
    convertU8(x3, inpPtr + <usize>min(b + 3, B - 1) * I, I, scale);
    for (let o = 0; o < O; o += 2) {
      const w0 = weightPtr + <usize>o * row;
      const w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= I; i += 4) {
        const off = <usize>i << 2;
        const v0 = v128.load(w0 + off), v1 = v128.load(w1 + off);
        let x = v128.load(x0 + off); a00 = madd(a00, x, v0); a01 = madd(a01, x, v1);
        x = v128.load(x1 + off); a10 = madd(a10, x, v0); a11 = madd(a11, x, v1);
        x = v128.load(x2 + off); a20 = madd(a20, x, v0); a21 = madd(a21, x, v1);
        x = v128.load(x3 + off); a30 = madd(a30, x, v0); a31 = madd(a31, x, v1);
      }
      let s00 = hsum(a00), s01 = hsum(a01), s10 = hsum(a10), s11 = hsum(a11);
      let s20 = hsum(a20), s21 = hsum(a21), s30 = hsum(a30), s31 = hsum(a31);
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

// ---- backward: dWeight (O,I) = dOutᵀ (O,B) · (inp (B,I) u8 · scale);  dBias (O) = Σ_b dOut ----

// @ts-ignore: decorator
@inline function biasGrad(dBiasPtr: usize, dOutPtr: usize, B: i32, O: i32): void {
  for (let o = 0; o < O; o++) {
    let s: f32 = 0;
    for (let b = 0; b < B; b++) s += f32at(dOutPtr, b * O + o);
    store<f32>(dBiasPtr + (<usize>o << 2), s);
  }
}
// @ts-ignore: decorator
@inline function scalarColumns(dWeightPtr: usize, dOutPtr: usize, inpPtr: usize, B: i32, I: i32, O: i32,
                               i: i32, scale: f32): void {
  for (; i < I; i++) {
    for (let o = 0; o < O; o++) {
      let s: f32 = 0;
      for (let b = 0; b < B; b++) s += f32at(dOutPtr, b * O + o) * u8at(inpPtr + <usize>b * I, i, scale);
      store<f32>(dWeightPtr + (<usize>o * I + i << 2), s);
    }
  }
}

// 5 outputs × 8 inputs: per row one load64_zero, two converted vectors, 5 splats, 10 multiply-adds.
export function linearBackwardU8_5x8(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                                     B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, s = f32x4.splat(scale);
  let i = 0;
  for (; i + 8 <= I; i += 8) {
    for (let o = 0; o < O; o += 5) {
      const g0 = <usize>o << 2, g1 = <usize>min(o + 1, O - 1) << 2, g2 = <usize>min(o + 2, O - 1) << 2;
      const g3 = <usize>min(o + 3, O - 1) << 2, g4 = <usize>min(o + 4, O - 1) << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0), c4 = f32x4.splat(0);
      let x = inpPtr + <usize>i, g = dOutPtr;
      for (let b = 0; b < B; b++, x += I, g += gRow) {
        const wide = i16x8.extend_low_i8x16_u(v128.load64_zero(x));
        const lo = lowToF32(wide, s), hi = highToF32(wide, s);
        let k = v128.load32_splat(g + g0); a0 = madd(a0, lo, k); c0 = madd(c0, hi, k);
        k = v128.load32_splat(g + g1); a1 = madd(a1, lo, k); c1 = madd(c1, hi, k);
        k = v128.load32_splat(g + g2); a2 = madd(a2, lo, k); c2 = madd(c2, hi, k);
        k = v128.load32_splat(g + g3); a3 = madd(a3, lo, k); c3 = madd(c3, hi, k);
        k = v128.load32_splat(g + g4); a4 = madd(a4, lo, k); c4 = madd(c4, hi, k);
      }
      const w = dWeightPtr + (<usize>o * I + i << 2), n = O - o;
      v128.store(w, a0); v128.store(w, c0, 16);
      if (n > 1) { v128.store(w + row, a1); v128.store(w + row, c1, 16); }
      if (n > 2) { v128.store(w + 2 * row, a2); v128.store(w + 2 * row, c2, 16); }
      if (n > 3) { v128.store(w + 3 * row, a3); v128.store(w + 3 * row, c3, 16); }
      if (n > 4) { v128.store(w + 4 * row, a4); v128.store(w + 4 * row, c4, 16); }
    }
  }
  scalarColumns(dWeightPtr, dOutPtr, inpPtr, B, I, O, i, scale);
  biasGrad(dBiasPtr, dOutPtr, B, O);
}

// As linearBackwardU8_5x8 with the signed conversion (same values).
export function linearBackwardU8S_5x8(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                                      B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, s = f32x4.splat(scale);
  let i = 0;
  for (; i + 8 <= I; i += 8) {
    for (let o = 0; o < O; o += 5) {
      const g0 = <usize>o << 2, g1 = <usize>min(o + 1, O - 1) << 2, g2 = <usize>min(o + 2, O - 1) << 2;
      const g3 = <usize>min(o + 3, O - 1) << 2, g4 = <usize>min(o + 4, O - 1) << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0), c4 = f32x4.splat(0);
      let x = inpPtr + <usize>i, g = dOutPtr;
      for (let b = 0; b < B; b++, x += I, g += gRow) {
        const wide = i16x8.extend_low_i8x16_u(v128.load64_zero(x));
        const lo = lowToF32S(wide, s), hi = highToF32S(wide, s);
        let k = v128.load32_splat(g + g0); a0 = madd(a0, lo, k); c0 = madd(c0, hi, k);
        k = v128.load32_splat(g + g1); a1 = madd(a1, lo, k); c1 = madd(c1, hi, k);
        k = v128.load32_splat(g + g2); a2 = madd(a2, lo, k); c2 = madd(c2, hi, k);
        k = v128.load32_splat(g + g3); a3 = madd(a3, lo, k); c3 = madd(c3, hi, k);
        k = v128.load32_splat(g + g4); a4 = madd(a4, lo, k); c4 = madd(c4, hi, k);
      }
      const w = dWeightPtr + (<usize>o * I + i << 2), n = O - o;
      v128.store(w, a0); v128.store(w, c0, 16);
      if (n > 1) { v128.store(w + row, a1); v128.store(w + row, c1, 16); }
      if (n > 2) { v128.store(w + 2 * row, a2); v128.store(w + 2 * row, c2, 16); }
      if (n > 3) { v128.store(w + 3 * row, a3); v128.store(w + 3 * row, c3, 16); }
      if (n > 4) { v128.store(w + 4 * row, a4); v128.store(w + 4 * row, c4, 16); }
    }
  }
  scalarColumns(dWeightPtr, dOutPtr, inpPtr, B, I, O, i, scale);
  biasGrad(dBiasPtr, dOutPtr, B, O);
}

// 10 outputs × 4 inputs, signed conversion: per row one load32_zero, one converted vector, 10 splats, 10
// multiply-adds.
export function linearBackwardU8S_10x4(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                                       B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, s = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= I; i += 4) {
    for (let o = 0; o < O; o += 10) {
      const g0 = <usize>o << 2, g1 = <usize>min(o + 1, O - 1) << 2, g2 = <usize>min(o + 2, O - 1) << 2;
      const g3 = <usize>min(o + 3, O - 1) << 2, g4 = <usize>min(o + 4, O - 1) << 2, g5 = <usize>min(o + 5, O - 1) << 2;
      const g6 = <usize>min(o + 6, O - 1) << 2, g7 = <usize>min(o + 7, O - 1) << 2, g8 = <usize>min(o + 8, O - 1) << 2;
      const g9 = <usize>min(o + 9, O - 1) << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0), a9 = f32x4.splat(0);
      let x = inpPtr + <usize>i, g = dOutPtr;
      for (let b = 0; b < B; b++, x += I, g += gRow) {
        const v = lowToF32S(i16x8.extend_low_i8x16_u(v128.load32_zero(x)), s);
        a0 = madd(a0, v, v128.load32_splat(g + g0)); a1 = madd(a1, v, v128.load32_splat(g + g1));
        a2 = madd(a2, v, v128.load32_splat(g + g2)); a3 = madd(a3, v, v128.load32_splat(g + g3));
        a4 = madd(a4, v, v128.load32_splat(g + g4)); a5 = madd(a5, v, v128.load32_splat(g + g5));
        a6 = madd(a6, v, v128.load32_splat(g + g6)); a7 = madd(a7, v, v128.load32_splat(g + g7));
        a8 = madd(a8, v, v128.load32_splat(g + g8)); a9 = madd(a9, v, v128.load32_splat(g + g9));
      }
      const w = dWeightPtr + (<usize>o * I + i << 2), n = O - o;
      v128.store(w, a0);
      if (n > 1) v128.store(w + row, a1);
      if (n > 2) v128.store(w + 2 * row, a2);
      if (n > 3) v128.store(w + 3 * row, a3);
      if (n > 4) v128.store(w + 4 * row, a4);
      if (n > 5) v128.store(w + 5 * row, a5);
      if (n > 6) v128.store(w + 6 * row, a6);
      if (n > 7) v128.store(w + 7 * row, a7);
      if (n > 8) v128.store(w + 8 * row, a8);
      if (n > 9) v128.store(w + 9 * row, a9);
    }
  }
  scalarColumns(dWeightPtr, dOutPtr, inpPtr, B, I, O, i, scale);
  biasGrad(dBiasPtr, dOutPtr, B, O);
}

// 5 outputs × 4 inputs, signed conversion: 5 accumulators + 5 splats + 1 converted vector, no spills
// (load8x8_u reads 4 bytes past the row's last 4, unused).
export function linearBackwardU8S_5x4(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                                      B: i32, I: i32, O: i32, scale: f32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, s = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= I; i += 4) {
    for (let o = 0; o < O; o += 5) {
      const g0 = <usize>o << 2, g1 = <usize>min(o + 1, O - 1) << 2, g2 = <usize>min(o + 2, O - 1) << 2;
      const g3 = <usize>min(o + 3, O - 1) << 2, g4 = <usize>min(o + 4, O - 1) << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
      let x = inpPtr + <usize>i, g = dOutPtr;
      for (let b = 0; b < B; b++, x += I, g += gRow) {
        const v = lowToF32S(v128.load8x8_u(x), s);
        a0 = madd(a0, v, v128.load32_splat(g + g0)); a1 = madd(a1, v, v128.load32_splat(g + g1));
        a2 = madd(a2, v, v128.load32_splat(g + g2)); a3 = madd(a3, v, v128.load32_splat(g + g3));
        a4 = madd(a4, v, v128.load32_splat(g + g4));
      }
      const w = dWeightPtr + (<usize>o * I + i << 2), n = O - o;
      v128.store(w, a0);
      if (n > 1) v128.store(w + row, a1);
      if (n > 2) v128.store(w + 2 * row, a2);
      if (n > 3) v128.store(w + 3 * row, a3);
      if (n > 4) v128.store(w + 4 * row, a4);
    }
  }
  scalarColumns(dWeightPtr, dOutPtr, inpPtr, B, I, O, i, scale);
  biasGrad(dBiasPtr, dOutPtr, B, O);
}

// Main's 2 outputs × 16 inputs on a 16-column strip converted just before into an L1 scratch buffer
// (B × 16 f32 at scratchPtr, rows 64 bytes apart): each strip is converted once, then walked by every output pair.
export function linearBackwardU8Scratch(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize,
                                        B: i32, I: i32, O: i32, scale: f32, scratchPtr: usize): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, s = f32x4.splat(scale);
  let i = 0;
  for (; i + 16 <= I; i += 16) {
    let src = inpPtr + <usize>i, dst = scratchPtr;
    for (let b = 0; b < B; b++, src += I, dst += 64) {
      const bytes = v128.load(src), lo = i16x8.extend_low_i8x16_u(bytes), hi = i16x8.extend_high_i8x16_u(bytes);
      v128.store(dst, lowToF32S(lo, s)); v128.store(dst, highToF32S(lo, s), 16);
      v128.store(dst, lowToF32S(hi, s), 32); v128.store(dst, highToF32S(hi, s), 48);
    }
    for (let o = 0; o < O; o += 2) {
      const g0Off = <usize>o << 2, g1Off = <usize>min(o + 1, O - 1) << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let x = scratchPtr, g = dOutPtr;
      for (let b = 0; b < B; b++, x += 64, g += gRow) {
        const g0 = v128.load32_splat(g + g0Off), g1 = v128.load32_splat(g + g1Off);
        let v = v128.load(x); a0 = madd(a0, v, g0); c0 = madd(c0, v, g1);
        v = v128.load(x, 16); a1 = madd(a1, v, g0); c1 = madd(c1, v, g1);
        v = v128.load(x, 32); a2 = madd(a2, v, g0); c2 = madd(c2, v, g1);
        v = v128.load(x, 48); a3 = madd(a3, v, g0); c3 = madd(c3, v, g1);
      }
      const w0 = dWeightPtr + (<usize>o * I + i << 2);
      v128.store(w0, a0); v128.store(w0, a1, 16); v128.store(w0, a2, 32); v128.store(w0, a3, 48);
      if (o + 1 < O) {
        const w1 = w0 + row;
        v128.store(w1, c0); v128.store(w1, c1, 16); v128.store(w1, c2, 32); v128.store(w1, c3, 48);
      }
    }
  }
  scalarColumns(dWeightPtr, dOutPtr, inpPtr, B, I, O, i, scale);
  biasGrad(dBiasPtr, dOutPtr, B, O);
}

// The loss between the two GEMMs is main's, so the workload runs the same step on both sides; main's GEMMs too,
// for the gatherScaleU8S comparison on an f32 batch.
export { softmaxCrossEntropyForwardBackward } from "../../assembly/softmax";
export { linearForward, linearBackward } from "../../assembly/matmul";
