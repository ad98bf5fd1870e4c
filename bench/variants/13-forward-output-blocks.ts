// Variant 13 of linearForward: main's 4 rows × 2 outputs, run over blocks of 64 outputs, so the block's weights
// (64 × 784 × 4 bytes = 200 KB) stay in L2 while every row block walks them, where main walks all 800 KB of the
// 784 → 256 layer once per 4 rows, from L3. The same bits (each output is the same dot product). A first version
// with the output-block loop inside one function lost a third: V8 spilled in the inner loop; here the block is a
// function of its own with an output stride.
// Measured 2026-12-02 03:20 UTC (2 vCPU EPYC Zen 3, KVM, shared; ms per epoch of 235 products, median / min of 15
// alternating rounds, five runs): O=256 node bench/variants/run.js 13-forward-output-blocks: main 1257/1006,
// 1151/997, 1159/953, 1137/1051, 1231/987; this 1247/898, 1124/923, 1057/924, 1143/963, 1218/1025: 0-9 % on the
// medians, the minima either way. At O = 10 (one block) 40/30, 46/30, 42/33 against 41/30, 45/31, 43/30. Within
// the noise of this machine: the hardware prefetcher streams the weights from L3 nearly as fast as L2 gives them.
import { hsum, madd, f32at } from "../../assembly/simd";

const OB = 64;

export function linearForward(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize, B: i32, I: i32, O: i32): void {
  for (let o0 = 0; o0 < O; o0 += OB) {
    forwardBlock(outPtr + (<usize>o0 << 2), inpPtr, weightPtr + (<usize>o0 * I << 2), biasPtr + (<usize>o0 << 2), B, I, min(OB, O - o0), O);
  }
}

function forwardBlock(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize,
                      B: i32, I: i32, O: i32, ldOut: i32): void {
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
      const out = outPtr + ((<usize>b * ldOut + o) << 2), stride = <usize>ldOut << 2;
      const two = o + 1 < O;
      store<f32>(out, s00 + bias0); if (two) store<f32>(out, s01 + bias1, 4);
      if (b + 1 < B) { store<f32>(out + stride, s10 + bias0); if (two) store<f32>(out + stride, s11 + bias1, 4); }
      if (b + 2 < B) { store<f32>(out + 2 * stride, s20 + bias0); if (two) store<f32>(out + 2 * stride, s21 + bias1, 4); }
      if (b + 3 < B) { store<f32>(out + 3 * stride, s30 + bias0); if (two) store<f32>(out + 3 * stride, s31 + bias1, 4); }
    }
  }
}

