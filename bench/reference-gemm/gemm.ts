// The reference GEMM of the benchmark: the fastest fixed-width wasm-SIMD GEMM we found, so that
// bench/kernels.js can report each training kernel as a fraction of what this machine reaches at its shape.
// Not shipped and not used in training. Compiled by asc in bench/reference-gemm/reference.js (SIMD, -O3, stub runtime).
//
// C (M,N) = op(A) · op(B), row-major f32. A is (M,K), or stored (K,M) when transA; B is (K,N), or stored (N,K)
// when transB. So linearForward is gemm(out, inp, weight, B, I, O, 0, 1), linearBackward's dW is
// gemm(dW, dOut, inp, O, B, I, 1, 0) and matmul is gemm(out, a, b, M, K, N, 0, 0).
//
// Four forms; the benchmark checks each against the TS kernels and picks the fastest per shape (reference.js):
// - packed B (mr 4): Goto-style, K in blocks of kc; each block of B packed into 8-column panels (kc × 8, zero-
//   padded past N) that stay in L1 while every row block of A streams past them, A read in place through a row
//   stride and a k stride; a 4 × 8 micro-kernel (8 accumulators, per k 2 loads of B and 4 splats of A); rows left
//   over take a 1 × 8 kernel, a last panel of ≤ 4 columns (N = 10) the 8 × 4 and 1 × 4 ones.
// - packed A and B (mr 9): A also packed, into 4-row panels, so the splats are at constant offsets of one pointer.
// - dot products (mr 2), where A is (M,K) and B stored (N,K), both unit-stride along K (the forward pass): 4 rows
//   × 2 columns, one horizontal sum per result. No packing.
// - direct (mr 16-19), where B is stored (K,N): 2 × 16 or 4 × 8 tiles over operands in place, one pointer per
//   operand bumped per k, rows or columns outer. No packing, K not blocked.
// All are f32x4 mul + add (fixed-width SIMD has no fused multiply-add; Node 20 has no relaxed SIMD). Packing is
// part of every call: the training kernels get unpacked operands too.
//
// Measured and dropped (GFLOP/s, median of per-round minima / best call, all forms interleaved in one process on
// the 2-vCPU Zen 3 of bench/results, at 256×784×256 Bᵀ | 256×256×784 Aᵀ | 10×256×256 Aᵀ | 256×10×256):
//   kept: 4×8 B packed   20.6/32.4 | 25.3/27.2 | 14.0/20.9 | 10.2/14.1;  A and B packed 20.2/30.9 | 20.4/29.7 |
//         15.4/20.1 | 11.8/16.0;  dot 4×2 18.6/23.6;  direct 2×16 — | 19.7/23.3 | 20.5/22.0 | 21.7/23.0;
//         direct 4×8 — | 23.6/25.7 | — | 20.1/21.8
//   5×8 B packed 16.6/18.8 | 14.8/17.6 | 13.9/16.3 | 9.4/13.7;  6×8 (12 accumulators: V8 keeps one xmm register
//   as scratch, so it spills) 15.2/19.0 | 17.8/18.1 | 15.7/20.1 | 10.4/14.3;  4×8 with k unrolled ×2 or ×4
//   (binaryen fuses the two steps per accumulator, more live registers, and V8 unrolls the loop itself ×3 anyway)
//   15.6/21.8 | 14.4/19.7 | 10.6/16.9 | 10.3/12.5;  A and B packed 3×12, 4×12, 2×16, 5×8, 6×8, 8×4, 6×4, 3×8:
//   none above 4×8 except 2×16 at 10×256×256 (16.7/24.5, below direct 2×16's median);  dot 4×2 with k unrolled
//   ×2 / ×4 16.8/22.9, 15.0/20.6;  dot 3×3 16.3/23.7;  dot 4×3 (spills) 15.9/16.9.

// Stores (or adds, after the first K block) one row of 8 results; past N only the nc valid columns.
@inline function storeRow(c: usize, v0: v128, v1: v128, nc: i32, acc: bool, tmp: usize): void {
  if (nc == 8) {
    if (acc) { v0 = f32x4.add(v0, v128.load(c)); v1 = f32x4.add(v1, v128.load(c, 16)); }
    v128.store(c, v0); v128.store(c, v1, 16);
  } else {
    v128.store(tmp, v0); v128.store(tmp, v1, 16);
    for (let j = 0; j < nc; j++) {
      const at = c + (<usize>j << 2);
      store<f32>(at, (acc ? load<f32>(at) : 0) + load<f32>(tmp + (<usize>j << 2)));
    }
  }
}

// Packs columns [n0, n0 + 8) of rows [k0, k0 + kb) of op(B) into dst as kb rows of 8, zeros past N.
function packPanel(dst: usize, b: usize, k0: i32, kb: i32, n0: i32, K: i32, N: i32, transB: bool): void {
  const nc = min(8, N - n0);
  if (!transB && nc == 8) {
    let src = b + ((<usize>k0 * N + n0) << 2);
    const stride = <usize>N << 2;
    for (let k = 0; k < kb; k++, src += stride, dst += 32) {
      v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16);
    }
    return;
  }
  if (transB && nc == 8) {
    // Eight rows of the stored (N,K) B, 4 k at a time: two 4×4 transposes per step.
    const row = <usize>K << 2;
    let s0 = b + ((<usize>n0 * K + k0) << 2);
    let k = 0;
    for (; k + 4 <= kb; k += 4, s0 += 16, dst += 128) {
      transpose4(dst, s0, row, 32);
      transpose4(dst + 16, s0 + 4 * row, row, 32);
    }
    for (; k < kb; k++, s0 += 4, dst += 32) {
      for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), load<f32>(s0 + <usize>j * row));
    }
    return;
  }
  for (let k = 0; k < kb; k++, dst += 32) {
    for (let j = 0; j < 8; j++) {
      let v: f32 = 0;
      if (j < nc) v = transB ? load<f32>(b + ((<usize>(n0 + j) * K + k0 + k) << 2)) : load<f32>(b + ((<usize>(k0 + k) * N + n0 + j) << 2));
      store<f32>(dst + (<usize>j << 2), v);
    }
  }
}

// dst[k * dstRow + j] = src[j * srcRow + k] for a 4 × 4 block (rows of src become columns of dst).
@inline function transpose4(dst: usize, src: usize, srcRow: usize, dstRow: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + srcRow), r2 = v128.load(src + 2 * srcRow), r3 = v128.load(src + 3 * srcRow);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + dstRow, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * dstRow, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstRow, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// 4 rows × 8 columns: 8 accumulators; per k two loads of the packed B row and 4 splats of A.
function k4x8(c: usize, ldc: usize, a: usize, rs: usize, ks: usize, pb: usize, kb: i32, nc: i32, acc: bool, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const rs2 = rs << 1;
  let pa = a, pa3 = a + rs * 3;
  let p = pb;
  const end = pb + (<usize>kb << 5);
  while (p < end) {
    const b0 = v128.load(p), b1 = v128.load(p, 16);
    let s = v128.load32_splat(pa); c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(pa + rs); c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(pa + rs2); c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(pa3); c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    pa += ks; pa3 += ks;
    p += 32;
  }
  storeRow(c, c00, c01, nc, acc, tmp);
  storeRow(c + 1 * ldc, c10, c11, nc, acc, tmp);
  storeRow(c + 2 * ldc, c20, c21, nc, acc, tmp);
  storeRow(c + 3 * ldc, c30, c31, nc, acc, tmp);
}

// 1 rows × 8 columns: 2 accumulators; per k two loads of the packed B row and 1 splats of A.
function k1x8(c: usize, ldc: usize, a: usize, rs: usize, ks: usize, pb: usize, kb: i32, nc: i32, acc: bool, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let pa = a;
  let p = pb;
  const end = pb + (<usize>kb << 5);
  while (p < end) {
    const b0 = v128.load(p), b1 = v128.load(p, 16);
    let s = v128.load32_splat(pa); c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    pa += ks;
    p += 32;
  }
  storeRow(c, c00, c01, nc, acc, tmp);
}

// storeRow for a 4-column panel.
@inline function storeQuad(c: usize, v: v128, nc: i32, acc: bool, tmp: usize): void {
  v128.store(tmp, v);
  for (let j = 0; j < nc; j++) {
    const at = c + (<usize>j << 2);
    store<f32>(at, (acc ? load<f32>(at) : 0) + load<f32>(tmp + (<usize>j << 2)));
  }
}

// Packs the last columns [n0, N), at most 4, of rows [k0, k0 + kb) of op(B) into dst as kb rows of 4, zeros past N.
function packQuad(dst: usize, b: usize, k0: i32, kb: i32, n0: i32, K: i32, N: i32, transB: bool): void {
  const nc = N - n0;
  for (let k = 0; k < kb; k++, dst += 16) {
    for (let j = 0; j < 4; j++) {
      let v: f32 = 0;
      if (j < nc) v = transB ? load<f32>(b + ((<usize>(n0 + j) * K + k0 + k) << 2)) : load<f32>(b + ((<usize>(k0 + k) * N + n0 + j) << 2));
      store<f32>(dst + (<usize>j << 2), v);
    }
  }
}

// 8 rows × 4 columns, for a last panel of at most 4 columns (8 accumulators).
function k8x4(c: usize, ldc: usize, a: usize, rs: usize, ks: usize, pb: usize, kb: i32, nc: i32, acc: bool, tmp: usize): void {
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0);
  let c5 = f32x4.splat(0);
  let c6 = f32x4.splat(0);
  let c7 = f32x4.splat(0);
  const rs2 = rs << 1;
  let pa = a, pa3 = a + rs * 3, pa6 = a + rs * 6;
  let p = pb;
  const end = pb + (<usize>kb << 4);
  while (p < end) {
    const b = v128.load(p);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + rs), b));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + rs2), b));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa3), b));
    c4 = f32x4.add(c4, f32x4.mul(v128.load32_splat(pa3 + rs), b));
    c5 = f32x4.add(c5, f32x4.mul(v128.load32_splat(pa3 + rs2), b));
    c6 = f32x4.add(c6, f32x4.mul(v128.load32_splat(pa6), b));
    c7 = f32x4.add(c7, f32x4.mul(v128.load32_splat(pa6 + rs), b));
    pa += ks; pa3 += ks; pa6 += ks;
    p += 16;
  }
  storeQuad(c, c0, nc, acc, tmp);
  storeQuad(c + 1 * ldc, c1, nc, acc, tmp);
  storeQuad(c + 2 * ldc, c2, nc, acc, tmp);
  storeQuad(c + 3 * ldc, c3, nc, acc, tmp);
  storeQuad(c + 4 * ldc, c4, nc, acc, tmp);
  storeQuad(c + 5 * ldc, c5, nc, acc, tmp);
  storeQuad(c + 6 * ldc, c6, nc, acc, tmp);
  storeQuad(c + 7 * ldc, c7, nc, acc, tmp);
}

// 1 row × 4 columns, for a last panel of at most 4 columns (1 accumulators).
function k1x4(c: usize, ldc: usize, a: usize, rs: usize, ks: usize, pb: usize, kb: i32, nc: i32, acc: bool, tmp: usize): void {
  let c0 = f32x4.splat(0);
  let pa = a;
  let p = pb;
  const end = pb + (<usize>kb << 4);
  while (p < end) {
    const b = v128.load(p);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b));
    pa += ks;
    p += 16;
  }
  storeQuad(c, c0, nc, acc, tmp);
}

// The other form, for A (M,K) and B stored (N,K) both unit-stride along K (the forward pass): blocks of 4 rows ×
// 2 columns of dot products, 8 accumulators, one horizontal sum each after the K loop; rows and columns past the
// end repeat the last one and are not stored. No packing.
function dot4x2(cPtr: usize, aPtr: usize, bPtr: usize, M: i32, K: i32, N: i32): void {
  const row = <usize>K << 2;
  for (let m = 0; m < M; m += 4) {
    const x0 = aPtr + <usize>m * row, x1 = aPtr + <usize>min(m + 1, M - 1) * row;
    const x2 = aPtr + <usize>min(m + 2, M - 1) * row, x3 = aPtr + <usize>min(m + 3, M - 1) * row;
    for (let n = 0; n < N; n += 2) {
      const w0 = bPtr + <usize>n * row, w1 = bPtr + <usize>min(n + 1, N - 1) * row;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const off = <usize>k << 2;
        const v0 = v128.load(w0 + off), v1 = v128.load(w1 + off);
        let x = v128.load(x0 + off); a00 = f32x4.add(a00, f32x4.mul(x, v0)); a01 = f32x4.add(a01, f32x4.mul(x, v1));
        x = v128.load(x1 + off); a10 = f32x4.add(a10, f32x4.mul(x, v0)); a11 = f32x4.add(a11, f32x4.mul(x, v1));
        x = v128.load(x2 + off); a20 = f32x4.add(a20, f32x4.mul(x, v0)); a21 = f32x4.add(a21, f32x4.mul(x, v1));
        x = v128.load(x3 + off); a30 = f32x4.add(a30, f32x4.mul(x, v0)); a31 = f32x4.add(a31, f32x4.mul(x, v1));
      }
      let s00 = hsum(a00), s01 = hsum(a01), s10 = hsum(a10), s11 = hsum(a11);
      let s20 = hsum(a20), s21 = hsum(a21), s30 = hsum(a30), s31 = hsum(a31);
      for (; k < K; k++) {
        const off = <usize>k << 2;
        const v0 = load<f32>(w0 + off), v1 = load<f32>(w1 + off);
        let x = load<f32>(x0 + off); s00 += x * v0; s01 += x * v1;
        x = load<f32>(x1 + off); s10 += x * v0; s11 += x * v1;
        x = load<f32>(x2 + off); s20 += x * v0; s21 += x * v1;
        x = load<f32>(x3 + off); s30 += x * v0; s31 += x * v1;
      }
      const out = cPtr + ((<usize>m * N + n) << 2), stride = <usize>N << 2, two = n + 1 < N;
      store<f32>(out, s00); if (two) store<f32>(out, s01, 4);
      if (m + 1 < M) { store<f32>(out + stride, s10); if (two) store<f32>(out + stride, s11, 4); }
      if (m + 2 < M) { store<f32>(out + 2 * stride, s20); if (two) store<f32>(out + 2 * stride, s21, 4); }
      if (m + 3 < M) { store<f32>(out + 3 * stride, s30); if (two) store<f32>(out + 3 * stride, s31, 4); }
    }
  }
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// Packs rows [m0, m0 + 4) of columns [k0, k0 + kb) of op(A) into dst as kb groups of 4 (zeros past M), so the
// 4 × 8 kernel below splats A at constant offsets from one pointer.
function packA4(dst: usize, a: usize, k0: i32, kb: i32, m0: i32, M: i32, K: i32, transA: bool): void {
  const rows = min(4, M - m0);
  if (transA && rows == 4) {
    let src = a + ((<usize>k0 * M + m0) << 2);
    const stride = <usize>M << 2;
    for (let k = 0; k < kb; k++, src += stride, dst += 16) v128.store(dst, v128.load(src));
    return;
  }
  if (!transA && rows == 4) {
    const row = <usize>K << 2;
    let src = a + ((<usize>m0 * K + k0) << 2);
    let k = 0;
    for (; k + 4 <= kb; k += 4, src += 16, dst += 64) transpose4(dst, src, row, 16);
    for (; k < kb; k++, src += 4, dst += 16) {
      for (let r = 0; r < 4; r++) store<f32>(dst + (<usize>r << 2), load<f32>(src + <usize>r * row));
    }
    return;
  }
  for (let k = 0; k < kb; k++, dst += 16) {
    for (let r = 0; r < 4; r++) {
      let v: f32 = 0;
      if (r < rows) v = transA ? load<f32>(a + ((<usize>(k0 + k) * M + m0 + r) << 2)) : load<f32>(a + ((<usize>(m0 + r) * K + k0 + k) << 2));
      store<f32>(dst + (<usize>r << 2), v);
    }
  }
}

// 4 rows × 8 columns from a packed A panel: splats at constant offsets, one pointer per operand; rows ≤ 4 stored.
function k4x8p(c: usize, ldc: usize, pa: usize, pb: usize, kb: i32, nc: i32, rows: i32, acc: bool, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let p = pb;
  const end = pb + (<usize>kb << 5);
  while (p < end) {
    const b0 = v128.load(p), b1 = v128.load(p, 16);
    let s = v128.load32_splat(pa); c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(pa, 4); c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(pa, 8); c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(pa, 12); c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    pa += 16;
    p += 32;
  }
  storeRow(c, c00, c01, nc, acc, tmp);
  if (rows > 1) storeRow(c + ldc, c10, c11, nc, acc, tmp);
  if (rows > 2) storeRow(c + 2 * ldc, c20, c21, nc, acc, tmp);
  if (rows > 3) storeRow(c + 3 * ldc, c30, c31, nc, acc, tmp);
}

// The direct form, for B stored (K,N) (the backward products): no packing, K not blocked; one pointer into each
// operand bumped per k, B read at constant offsets, and A too when stored (K,M) (its rows are adjacent floats).
// 2 rows × 16 columns (8 accumulators, 4 loads and 2 splats per k) or 4 × 8 (2 loads, 4 splats); columns outer
// keeps a K × 16 (or × 8) strip of B in L1 while all rows walk it, rows outer keeps a row block of A instead.
// Only for M and N multiples of the tile (the tuner offers it where they are).
@inline function tile2x16(c: usize, ldc: usize, a: usize, rs: usize, ks: usize, b: usize, K: i32, transA: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let p = a, y = b;
  const end = a + <usize>K * ks;
  if (transA) {
    for (; p < end; p += ks, y += ldc) {
      const s0 = v128.load32_splat(p), s1 = v128.load32_splat(p, 4);
      let v = v128.load(y); a0 = f32x4.add(a0, f32x4.mul(v, s0)); c0 = f32x4.add(c0, f32x4.mul(v, s1));
      v = v128.load(y, 16); a1 = f32x4.add(a1, f32x4.mul(v, s0)); c1 = f32x4.add(c1, f32x4.mul(v, s1));
      v = v128.load(y, 32); a2 = f32x4.add(a2, f32x4.mul(v, s0)); c2 = f32x4.add(c2, f32x4.mul(v, s1));
      v = v128.load(y, 48); a3 = f32x4.add(a3, f32x4.mul(v, s0)); c3 = f32x4.add(c3, f32x4.mul(v, s1));
    }
  } else {
    for (; p < end; p += ks, y += ldc) {
      const s0 = v128.load32_splat(p), s1 = v128.load32_splat(p + rs);
      let v = v128.load(y); a0 = f32x4.add(a0, f32x4.mul(v, s0)); c0 = f32x4.add(c0, f32x4.mul(v, s1));
      v = v128.load(y, 16); a1 = f32x4.add(a1, f32x4.mul(v, s0)); c1 = f32x4.add(c1, f32x4.mul(v, s1));
      v = v128.load(y, 32); a2 = f32x4.add(a2, f32x4.mul(v, s0)); c2 = f32x4.add(c2, f32x4.mul(v, s1));
      v = v128.load(y, 48); a3 = f32x4.add(a3, f32x4.mul(v, s0)); c3 = f32x4.add(c3, f32x4.mul(v, s1));
    }
  }
  v128.store(c, a0); v128.store(c, a1, 16); v128.store(c, a2, 32); v128.store(c, a3, 48);
  const c1p = c + ldc;
  v128.store(c1p, c0); v128.store(c1p, c1, 16); v128.store(c1p, c2, 32); v128.store(c1p, c3, 48);
}

@inline function tile4x8(c: usize, ldc: usize, a: usize, rs: usize, ks: usize, b: usize, K: i32, transA: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let p = a, y = b;
  const end = a + <usize>K * ks, rs2 = rs << 1;
  if (transA) {
    for (; p < end; p += ks, y += ldc) {
      const b0 = v128.load(y), b1 = v128.load(y, 16);
      let s = v128.load32_splat(p); c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
      s = v128.load32_splat(p, 4); c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
      s = v128.load32_splat(p, 8); c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
      s = v128.load32_splat(p, 12); c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    }
  } else {
    for (; p < end; p += ks, y += ldc) {
      const b0 = v128.load(y), b1 = v128.load(y, 16), p2 = p + rs2;
      let s = v128.load32_splat(p); c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
      s = v128.load32_splat(p + rs); c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
      s = v128.load32_splat(p2); c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
      s = v128.load32_splat(p2 + rs); c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    }
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

// mr 16/17: 2 × 16 rows outer / columns outer; 18/19: 4 × 8 rows outer / columns outer.
function direct(cPtr: usize, aPtr: usize, bPtr: usize, M: i32, K: i32, N: i32, transA: bool, mr: i32): void {
  const ldc = <usize>N << 2, rs: usize = transA ? 4 : <usize>K << 2, ks: usize = transA ? <usize>M << 2 : 4;
  const rows = mr < 18 ? 2 : 4, cols = mr < 18 ? 16 : 8;
  if (mr == 16 || mr == 18) {
    for (let m = 0; m < M; m += rows) {
      for (let n = 0; n < N; n += cols) {
        const c = cPtr + <usize>m * ldc + (<usize>n << 2), a = aPtr + <usize>m * rs, b = bPtr + (<usize>n << 2);
        if (rows == 2) tile2x16(c, ldc, a, rs, ks, b, K, transA); else tile4x8(c, ldc, a, rs, ks, b, K, transA);
      }
    }
  } else {
    for (let n = 0; n < N; n += cols) {
      for (let m = 0; m < M; m += rows) {
        const c = cPtr + <usize>m * ldc + (<usize>n << 2), a = aPtr + <usize>m * rs, b = bPtr + (<usize>n << 2);
        if (rows == 2) tile2x16(c, ldc, a, rs, ks, b, K, transA); else tile4x8(c, ldc, a, rs, ks, b, K, transA);
      }
    }
  }
}

// C = op(A) · op(B); mr the form (4 B packed, 9 A and B packed, 2 dot products, 16-19 direct), kc the K block; packB holds ceil(N/8)·8·kc floats, packA
// ceil(M/4)·4·kc, and tmp 32 bytes, all 16-byte aligned.
export function gemm(cPtr: usize, aPtr: usize, bPtr: usize, M: i32, K: i32, N: i32, transA: i32, transB: i32,
                     mr: i32, kc: i32, packB: usize, tmp: usize, packA: usize): void {
  if (mr == 2 && !transA && transB) { dot4x2(cPtr, aPtr, bPtr, M, K, N); return; }
  if (mr >= 16 && !transB) { direct(cPtr, aPtr, bPtr, M, K, N, transA != 0, mr); return; }
  const ldc = <usize>N << 2;
  // A(m, k) is at aPtr + m * rs + k * ks.
  const rs: usize = transA ? 4 : <usize>K << 2, ks: usize = transA ? <usize>M << 2 : 4;
  for (let k0 = 0; k0 < K; k0 += kc) {
    const kb = min(kc, K - k0), acc = k0 > 0;
    const a0 = aPtr + <usize>k0 * ks;
    // Panels of 8 columns; a last one of at most 4 columns takes the 4-column kernels instead of padding to 8.
    let n0 = 0;
    for (; n0 < N && N - n0 > 4; n0 += 8) packPanel(packB + (<usize>n0 * kb << 2), bPtr, k0, kb, n0, K, N, transB != 0);
    const quad = n0 < N;
    if (quad) packQuad(packB + (<usize>n0 * kb << 2), bPtr, k0, kb, n0, K, N, transB != 0);
    if (mr == 9) {
      // Both operands packed: A in 4-row panels, B in 8-column panels (a last one of ≤ 4 columns padded to 8).
      if (quad) packPanel(packB + (<usize>n0 * kb << 2), bPtr, k0, kb, n0, K, N, transB != 0);
      for (let m = 0; m < M; m += 4) packA4(packA + (<usize>m * kb << 2), aPtr, k0, kb, m, M, K, transA != 0);
      for (let n = 0; n < N; n += 8) {
        const pb = packB + (<usize>n * kb << 2), nc = min(8, N - n), c0 = cPtr + (<usize>n << 2);
        for (let m = 0; m < M; m += 4) k4x8p(c0 + <usize>m * ldc, ldc, packA + (<usize>m * kb << 2), pb, kb, nc, min(4, M - m), acc, tmp);
      }
      continue;
    }
    for (let n = 0; n < n0; n += 8) {
      const pb = packB + (<usize>n * kb << 2), nc = min(8, N - n);
      const c0 = cPtr + (<usize>n << 2);
      let m = 0;
      for (; m + 4 <= M; m += 4) k4x8(c0 + <usize>m * ldc, ldc, a0 + <usize>m * rs, rs, ks, pb, kb, nc, acc, tmp);
      for (; m < M; m++) k1x8(c0 + <usize>m * ldc, ldc, a0 + <usize>m * rs, rs, ks, pb, kb, nc, acc, tmp);
    }
    if (quad) {
      const pb = packB + (<usize>n0 * kb << 2), nc = N - n0;
      const c0 = cPtr + (<usize>n0 << 2);
      let m = 0;
      for (; m + 8 <= M; m += 8) k8x4(c0 + <usize>m * ldc, ldc, a0 + <usize>m * rs, rs, ks, pb, kb, nc, acc, tmp);
      for (; m < M; m++) k1x4(c0 + <usize>m * ldc, ldc, a0 + <usize>m * rs, rs, ks, pb, kb, nc, acc, tmp);
    }
  }
}
