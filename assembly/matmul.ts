// The three GEMM forms a dense layer needs. Weights are (out, in) row-major, so the forward pass is contiguous
// dot products and both backward products walk memory with unit stride.
// Dimension letters: B batch rows, I inputs, O outputs; M, K, N for the plain matmul.
import { hsum, madd, f32at } from "./simd";

// A block of rows runs sparse (over its lists of non-zero 4-input chunks) when at most this many 64ths of its
// chunks are non-zero. The crossover (npm run bench:zeros, 784 → 256 and → 10) is near 90-95 %: the sparse
// blocks cost about what the dense ones do with nothing skipped.
const FORWARD_SPARSE_MAX_64THS = 58;

// Layers with fewer outputs than this never look for zeros: listing a block's non-zero chunks or rows costs about
// 1/O of its products, and the sparse loops' 4-output blocks do 12 outputs' work for 10 (softmax regression's
// 784 → 10 trained 12-15 % slower listing them than not; the bits are the same either way).
const SPARSE_MIN_OUTPUTS = 32;

// out (B,O) = inp (B,I) · weightᵀ (O,I) + bias (O). out is overwritten. chunks is scratch for
// 2·⌈B/4⌉·⌊I/4⌋ i32 (lists of chunks, below).
// Each output is 4 partial sums over the inputs i ≡ 0, 1, 2, 3 (mod 4), in order of i, added as (0 + 1) + (2 + 3),
// then the ⌊I/4⌋·4.. I − 1 tail in order, then the bias: in the dense and the sparse blocks alike.
// Zeros: in a layer of at least SPARSE_MIN_OUTPUTS outputs, every block of 4 rows first lists, for its rows
// (b, b + 1) and (b + 2, b + 3), the byte offsets of the 4-input chunks where the two rows are not all zero (bits,
// so a -0 counts as non-zero), in chunks + (b/2)·⌊I/4⌋·4 (threads split rows by 4, so they never share a list). A sparse enough block then sums only the listed chunks,
// 2 rows × 4 outputs at a time. A skipped chunk adds 0·w = ±0 to sums that start at +0, and under
// round-to-nearest a sum that starts at +0 never becomes -0, so adding ±0 changes no bit: the same bits as the
// dense blocks. The one exception is a non-finite weight (0·inf = NaN), which dense blocks spread to the output
// and sparse ones skip where it meets only zeros: it then shows up only where it meets a non-zero input (as a
// non-finite loss, which training refuses).
export function linearForward(outPtr: usize, inpPtr: usize, weightPtr: usize, biasPtr: usize, chunksPtr: usize,
                              B: i32, I: i32, O: i32): void {
  const row = <usize>I << 2, K = I >> 2, stride = <usize>O << 2;
  for (let b = 0; b < B; b += 4) {
    const a0 = inpPtr + <usize>b * row;
    const a1 = inpPtr + <usize>min(b + 1, B - 1) * row;
    const a2 = inpPtr + <usize>min(b + 2, B - 1) * row;
    const a3 = inpPtr + <usize>min(b + 3, B - 1) * row;
    const c0 = outPtr + <usize>b * stride;
    if (ASC_FEATURE_SIMD) {
      const listA = chunksPtr + (<usize>(b >> 1) * K << 2), listB = listA + (<usize>K << 2);
      if (b + 1 == B) {
        // A last single row (a prediction of one input) gets a loop of its own, rather than sharing a block with
        // copies of itself that do the work of 2 or 4 rows for 1: its non-zero chunks, 1 row × 8 outputs.
        let n = 0;
        for (let off: usize = 0, end = <usize>K << 4; off < end; off += 16) {
          store<u32>(listA + (<usize>n << 2), <u32>off);
          n += <i32>v128.any_true(v128.load(a0 + off));
        }
        forwardRow(c0, a0, weightPtr, biasPtr, listA, n, I, O);
        continue;
      }
      if (O >= SPARSE_MIN_OUTPUTS) {
        // Branch-free: every chunk is written at the list's end, which moves on only when the chunk has a non-zero.
        let nA = 0, nB = 0;
        for (let off: usize = 0, end = <usize>K << 4; off < end; off += 16) {
          store<u32>(listA + (<usize>nA << 2), <u32>off);
          nA += <i32>v128.any_true(v128.or(v128.load(a0 + off), v128.load(a1 + off)));
          store<u32>(listB + (<usize>nB << 2), <u32>off);
          nB += <i32>v128.any_true(v128.or(v128.load(a2 + off), v128.load(a3 + off)));
        }
        if ((nA + nB) * 32 <= K * FORWARD_SPARSE_MAX_64THS) {
          forwardSparse(c0, a0, a1, weightPtr, biasPtr, listA, nA, I, O, b + 1 < B);
          if (b + 2 < B) forwardSparse(c0 + 2 * stride, a2, a3, weightPtr, biasPtr, listB, nB, I, O, b + 3 < B);
          continue;
        }
      }
    }
    forwardDense(c0, a0, a1, a2, a3, weightPtr, biasPtr, I, O, B - b);
  }
}

// out rows [0, min(rows, 4)) from input rows a0-a3, every input. Blocks of 4 rows × 2 outputs keep 8 accumulators
// in registers; rows past B repeat the last row and are not stored. Names as in XNNPACK's 4x2c4 kernels: va0-va3
// load rows of inp, vb0 and vb1 rows of weight, and vaccRxOc4 holds 4 partial sums (c4) of row R, output O,
// summed lane by lane into vaccRxO after the loop.
function forwardDense(c0: usize, a0: usize, a1: usize, a2: usize, a3: usize, weightPtr: usize, biasPtr: usize,
                      I: i32, O: i32, rows: i32): void {
  const row = <usize>I << 2, stride = <usize>O << 2;
  for (let o = 0; o < O; o += 2) {
    const w0 = weightPtr + <usize>o * row;
    const w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
    let vacc0x0: f32 = 0, vacc0x1: f32 = 0, vacc1x0: f32 = 0, vacc1x1: f32 = 0;
    let vacc2x0: f32 = 0, vacc2x1: f32 = 0, vacc3x0: f32 = 0, vacc3x1: f32 = 0;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      let vacc0x0c4 = f32x4.splat(0), vacc0x1c4 = f32x4.splat(0), vacc1x0c4 = f32x4.splat(0), vacc1x1c4 = f32x4.splat(0);
      let vacc2x0c4 = f32x4.splat(0), vacc2x1c4 = f32x4.splat(0), vacc3x0c4 = f32x4.splat(0), vacc3x1c4 = f32x4.splat(0);
      for (; i + 4 <= I; i += 4) {
        const off = <usize>i << 2;
        const vb0 = v128.load(w0 + off), vb1 = v128.load(w1 + off);
        // Each row is loaded just before its two multiply-adds, so one input register serves all four.
        const va0 = v128.load(a0 + off); vacc0x0c4 = madd(vacc0x0c4, va0, vb0); vacc0x1c4 = madd(vacc0x1c4, va0, vb1);
        const va1 = v128.load(a1 + off); vacc1x0c4 = madd(vacc1x0c4, va1, vb0); vacc1x1c4 = madd(vacc1x1c4, va1, vb1);
        const va2 = v128.load(a2 + off); vacc2x0c4 = madd(vacc2x0c4, va2, vb0); vacc2x1c4 = madd(vacc2x1c4, va2, vb1);
        const va3 = v128.load(a3 + off); vacc3x0c4 = madd(vacc3x0c4, va3, vb0); vacc3x1c4 = madd(vacc3x1c4, va3, vb1);
      }
      vacc0x0 = hsum(vacc0x0c4); vacc0x1 = hsum(vacc0x1c4); vacc1x0 = hsum(vacc1x0c4); vacc1x1 = hsum(vacc1x1c4);
      vacc2x0 = hsum(vacc2x0c4); vacc2x1 = hsum(vacc2x1c4); vacc3x0 = hsum(vacc3x0c4); vacc3x1 = hsum(vacc3x1c4);
    }
    for (; i < I; i++) {
      const vb0 = f32at(w0, i), vb1 = f32at(w1, i);
      const va0 = f32at(a0, i); vacc0x0 += va0 * vb0; vacc0x1 += va0 * vb1;
      const va1 = f32at(a1, i); vacc1x0 += va1 * vb0; vacc1x1 += va1 * vb1;
      const va2 = f32at(a2, i); vacc2x0 += va2 * vb0; vacc2x1 += va2 * vb1;
      const va3 = f32at(a3, i); vacc3x0 += va3 * vb0; vacc3x1 += va3 * vb1;
    }
    const vbias0 = f32at(biasPtr, o), vbias1 = f32at(biasPtr, min(o + 1, O - 1));
    const c = c0 + (<usize>o << 2);
    const two = o + 1 < O;
    store<f32>(c, vacc0x0 + vbias0); if (two) store<f32>(c, vacc0x1 + vbias1, 4);
    if (rows > 1) { store<f32>(c + stride, vacc1x0 + vbias0); if (two) store<f32>(c + stride, vacc1x1 + vbias1, 4); }
    if (rows > 2) { store<f32>(c + 2 * stride, vacc2x0 + vbias0); if (two) store<f32>(c + 2 * stride, vacc2x1 + vbias1, 4); }
    if (rows > 3) { store<f32>(c + 3 * stride, vacc3x0 + vbias0); if (two) store<f32>(c + 3 * stride, vacc3x1 + vbias1, 4); }
  }
}

// out rows 0 and (when second) 1 from input rows a0 and a1, over the n 4-input chunks listed at list (byte
// offsets, ascending), the others being zero in both rows; then the tail. Blocks of 2 rows × 4 outputs: 8
// accumulators, 2 row loads and 4 weight loads per chunk, as the dense 4 × 2 blocks, but half as many rows must be
// zero together for a chunk to be skipped (22 % of Fashion-MNIST's chunks against 11 %).
function forwardSparse(c0: usize, a0: usize, a1: usize, weightPtr: usize, biasPtr: usize, listPtr: usize, n: i32,
                       I: i32, O: i32, second: bool): void {
  const row = <usize>I << 2, stride = <usize>O << 2, listEnd = listPtr + (<usize>n << 2), tail = I & ~3;
  for (let o = 0; o < O; o += 4) {
    const w0 = weightPtr + <usize>o * row;
    const w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
    const w2 = weightPtr + <usize>min(o + 2, O - 1) * row;
    const w3 = weightPtr + <usize>min(o + 3, O - 1) * row;
    let vacc0x0c4 = f32x4.splat(0), vacc0x1c4 = f32x4.splat(0), vacc0x2c4 = f32x4.splat(0), vacc0x3c4 = f32x4.splat(0);
    let vacc1x0c4 = f32x4.splat(0), vacc1x1c4 = f32x4.splat(0), vacc1x2c4 = f32x4.splat(0), vacc1x3c4 = f32x4.splat(0);
    for (let l = listPtr; l < listEnd; l += 4) {
      const off = <usize>load<u32>(l);
      const va0 = v128.load(a0 + off), va1 = v128.load(a1 + off);
      let vb = v128.load(w0 + off); vacc0x0c4 = madd(vacc0x0c4, va0, vb); vacc1x0c4 = madd(vacc1x0c4, va1, vb);
      vb = v128.load(w1 + off); vacc0x1c4 = madd(vacc0x1c4, va0, vb); vacc1x1c4 = madd(vacc1x1c4, va1, vb);
      vb = v128.load(w2 + off); vacc0x2c4 = madd(vacc0x2c4, va0, vb); vacc1x2c4 = madd(vacc1x2c4, va1, vb);
      vb = v128.load(w3 + off); vacc0x3c4 = madd(vacc0x3c4, va0, vb); vacc1x3c4 = madd(vacc1x3c4, va1, vb);
    }
    let vacc0x0 = hsum(vacc0x0c4), vacc0x1 = hsum(vacc0x1c4), vacc0x2 = hsum(vacc0x2c4), vacc0x3 = hsum(vacc0x3c4);
    let vacc1x0 = hsum(vacc1x0c4), vacc1x1 = hsum(vacc1x1c4), vacc1x2 = hsum(vacc1x2c4), vacc1x3 = hsum(vacc1x3c4);
    for (let i = tail; i < I; i++) {
      const vb0 = f32at(w0, i), vb1 = f32at(w1, i), vb2 = f32at(w2, i), vb3 = f32at(w3, i);
      const va0 = f32at(a0, i); vacc0x0 += va0 * vb0; vacc0x1 += va0 * vb1; vacc0x2 += va0 * vb2; vacc0x3 += va0 * vb3;
      const va1 = f32at(a1, i); vacc1x0 += va1 * vb0; vacc1x1 += va1 * vb1; vacc1x2 += va1 * vb2; vacc1x3 += va1 * vb3;
    }
    const c = c0 + (<usize>o << 2), left = O - o;
    store<f32>(c, vacc0x0 + f32at(biasPtr, o));
    if (left > 1) store<f32>(c, vacc0x1 + f32at(biasPtr, o + 1), 4);
    if (left > 2) store<f32>(c, vacc0x2 + f32at(biasPtr, o + 2), 8);
    if (left > 3) store<f32>(c, vacc0x3 + f32at(biasPtr, o + 3), 12);
    if (second) {
      store<f32>(c + stride, vacc1x0 + f32at(biasPtr, o));
      if (left > 1) store<f32>(c + stride, vacc1x1 + f32at(biasPtr, o + 1), 4);
      if (left > 2) store<f32>(c + stride, vacc1x2 + f32at(biasPtr, o + 2), 8);
      if (left > 3) store<f32>(c + stride, vacc1x3 + f32at(biasPtr, o + 3), 12);
    }
  }
}

// out row 0 from input row a0, over the n 4-input chunks listed at list (byte offsets, ascending; the others are
// zero), then the tail: the sums of the blocks above, lane by lane, 8 outputs at a time (8 independent chains; a
// row alone has no other rows to keep the multiply-adds busy). Outputs past O repeat the last and are not stored.
function forwardRow(c0: usize, a0: usize, weightPtr: usize, biasPtr: usize, listPtr: usize, n: i32, I: i32, O: i32): void {
  const row = <usize>I << 2, listEnd = listPtr + (<usize>n << 2), tail = I & ~3;
  for (let o = 0; o < O; o += 8) {
    const w0 = weightPtr + <usize>o * row, w1 = weightPtr + <usize>min(o + 1, O - 1) * row;
    const w2 = weightPtr + <usize>min(o + 2, O - 1) * row, w3 = weightPtr + <usize>min(o + 3, O - 1) * row;
    const w4 = weightPtr + <usize>min(o + 4, O - 1) * row, w5 = weightPtr + <usize>min(o + 5, O - 1) * row;
    const w6 = weightPtr + <usize>min(o + 6, O - 1) * row, w7 = weightPtr + <usize>min(o + 7, O - 1) * row;
    let vacc0c4 = f32x4.splat(0), vacc1c4 = f32x4.splat(0), vacc2c4 = f32x4.splat(0), vacc3c4 = f32x4.splat(0);
    let vacc4c4 = f32x4.splat(0), vacc5c4 = f32x4.splat(0), vacc6c4 = f32x4.splat(0), vacc7c4 = f32x4.splat(0);
    for (let l = listPtr; l < listEnd; l += 4) {
      const off = <usize>load<u32>(l), va = v128.load(a0 + off);
      vacc0c4 = madd(vacc0c4, va, v128.load(w0 + off)); vacc1c4 = madd(vacc1c4, va, v128.load(w1 + off));
      vacc2c4 = madd(vacc2c4, va, v128.load(w2 + off)); vacc3c4 = madd(vacc3c4, va, v128.load(w3 + off));
      vacc4c4 = madd(vacc4c4, va, v128.load(w4 + off)); vacc5c4 = madd(vacc5c4, va, v128.load(w5 + off));
      vacc6c4 = madd(vacc6c4, va, v128.load(w6 + off)); vacc7c4 = madd(vacc7c4, va, v128.load(w7 + off));
    }
    let vacc0 = hsum(vacc0c4), vacc1 = hsum(vacc1c4), vacc2 = hsum(vacc2c4), vacc3 = hsum(vacc3c4);
    let vacc4 = hsum(vacc4c4), vacc5 = hsum(vacc5c4), vacc6 = hsum(vacc6c4), vacc7 = hsum(vacc7c4);
    for (let i = tail; i < I; i++) {
      const va = f32at(a0, i);
      vacc0 += va * f32at(w0, i); vacc1 += va * f32at(w1, i); vacc2 += va * f32at(w2, i); vacc3 += va * f32at(w3, i);
      vacc4 += va * f32at(w4, i); vacc5 += va * f32at(w5, i); vacc6 += va * f32at(w6, i); vacc7 += va * f32at(w7, i);
    }
    const c = c0 + (<usize>o << 2), left = O - o;
    store<f32>(c, vacc0 + f32at(biasPtr, o));
    if (left > 1) store<f32>(c, vacc1 + f32at(biasPtr, o + 1), 4);
    if (left > 2) store<f32>(c, vacc2 + f32at(biasPtr, o + 2), 8);
    if (left > 3) store<f32>(c, vacc3 + f32at(biasPtr, o + 3), 12);
    if (left > 4) store<f32>(c, vacc4 + f32at(biasPtr, o + 4), 16);
    if (left > 5) store<f32>(c, vacc5 + f32at(biasPtr, o + 5), 20);
    if (left > 6) store<f32>(c, vacc6 + f32at(biasPtr, o + 6), 24);
    if (left > 7) store<f32>(c, vacc7 + f32at(biasPtr, o + 7), 28);
  }
}

// dWeight (O,I) = dOutᵀ (O,B) · inp (B,I);  dBias (O) = Σ_b dOut (B,O). Both are overwritten, so the training
// step needs no separate zeroGrad. panels is scratch for B × O floats (see packOutputPairs), rows for
// 2·B·⌊I/16⌋ i32 (lists of rows, see linearBackwardRange).
export function linearBackward(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize, panelsPtr: usize,
                               rowsPtr: usize, B: i32, I: i32, O: i32): void {
  packOutputPairs(panelsPtr, dOutPtr, B, O);
  linearBackwardRange(dWeightPtr, dBiasPtr, dOutPtr, inpPtr, panelsPtr, rowsPtr, B, I, O, 0, I);
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

// A 16-column strip runs sparse (its two 8-column halves over their lists of non-zero rows) when at most this many
// 64ths of its half-rows are non-zero. With nothing to skip the sparse blocks are 2-10 % slower than the dense
// 2 × 16 ones; the crossover (npm run bench:zeros) is near 90 % non-zero.
const SPARSE_ROWS_MAX_64THS = 58;

// linearBackward for the input columns [i0, i1) of dWeight only (dBias is written by the range that starts at 0),
// so threads can split the columns: each one then reads only its columns of inp. Every element is summed over b
// in the same order whatever the range: the same bits as one call. panels holds dOut packed by packOutputPairs.
//
// Zeros: in a layer of at least SPARSE_MIN_OUTPUTS outputs, every 16-column strip first lists, for each of its two
// 8-column halves, the rows b whose 8 inputs are not all zero (bits, so a -0 counts as non-zero: skipping less is
// always safe), in rows + (i/16)·B·8 (disjoint strips, so threads never share a list). A sparse enough strip then sums only over its listed rows. A skipped
// row adds dOut·0 = ±0 to sums that start at +0, and under round-to-nearest a sum that starts at +0 never becomes
// -0, so adding ±0 changes no bit: sparse and dense give the same bits, in the same order over b. The one
// exception is a non-finite dOut (0·inf = NaN), which dense sums spread and sparse ones skip; the loss gradient
// is finite whenever the loss is, and training refuses a non-finite loss before its gradient is used.
export function linearBackwardRange(dWeightPtr: usize, dBiasPtr: usize, dOutPtr: usize, inpPtr: usize, panelsPtr: usize,
                                    rowsPtr: usize, B: i32, I: i32, O: i32, i0: i32, i1: i32): void {
  const row = <usize>I << 2;
  let i = i0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= i1; i += 16) {
      if (O < SPARSE_MIN_OUTPUTS) {
        weightGradientDense(dWeightPtr, dOutPtr, inpPtr, panelsPtr, B, I, O, i);
        continue;
      }
      const list0 = rowsPtr + (<usize>(i >> 4) * B << 3), list1 = list0 + (<usize>B << 2);
      // Branch-free: every row is written at the list's end, which moves on only when the row has a non-zero.
      let n0 = 0, n1 = 0, x = inpPtr + (<usize>i << 2);
      for (let b = 0; b < B; b++, x += row) {
        store<i32>(list0 + (<usize>n0 << 2), b);
        n0 += <i32>v128.any_true(v128.or(v128.load(x), v128.load(x, 16)));
        store<i32>(list1 + (<usize>n1 << 2), b);
        n1 += <i32>v128.any_true(v128.or(v128.load(x, 32), v128.load(x, 48)));
      }
      if ((n0 + n1) * 32 <= B * SPARSE_ROWS_MAX_64THS) {
        weightGradientSparse(dWeightPtr, dOutPtr, inpPtr, panelsPtr, list0, n0, B, I, O, i);
        weightGradientSparse(dWeightPtr, dOutPtr, inpPtr, panelsPtr, list1, n1, B, I, O, i + 8);
      } else {
        weightGradientDense(dWeightPtr, dOutPtr, inpPtr, panelsPtr, B, I, O, i);
      }
    }
  }
  for (; i < i1; i++) {
    for (let o = 0; o < O; o++) {
      let vacc: f32 = 0;
      for (let b = 0; b < B; b++) vacc += f32at(dOutPtr, b * O + o) * f32at(inpPtr + <usize>b * row, i);
      store<f32>(dWeightPtr + (<usize>o * I + i << 2), vacc);
    }
  }
  if (i0 == 0) biasGradient(dBiasPtr, dOutPtr, B, O);
}

// dWeight's columns [i, i + 16) over every row of the batch. Blocks of 2 outputs × 16 inputs; a 16-column strip of
// inp (B × 64 bytes) stays in L1 while every output pair walks it. Names as in XNNPACK's loadsplat kernels,
// dWeight being the product dOutᵀ · inp: va0 and va1 are the pair's dOut values splatted, vb0123-vbCDEF a row of
// the strip, vaccRxCCCC the 4 columns CCCC of output R. Each row vector is loaded just before its two
// multiply-adds, so 8 accumulators + 1 row vector + 2 splats fit in the 15 xmm registers V8 allocates, without
// spills. The batch loop bumps one pointer into inp and one into the pair's panel, where the two outputs sit at
// constant offsets 0 and 4 (a wasm address is a value + a constant: any other offset costs an add per row).
function weightGradientDense(dWeightPtr: usize, dOutPtr: usize, inpPtr: usize, panelsPtr: usize, B: i32, I: i32, O: i32, i: i32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, panel = <usize>B << 3;
  for (let o = 0; o < O; o += 2) {
    let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0), vacc0x89AB = f32x4.splat(0), vacc0xCDEF = f32x4.splat(0);
    let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0), vacc1x89AB = f32x4.splat(0), vacc1xCDEF = f32x4.splat(0);
    let x = inpPtr + (<usize>i << 2);
    const two = o + 1 < O;
    if (two) {
      for (let g = panelsPtr + <usize>(o >> 1) * panel, gEnd = g + panel; g < gEnd; x += row, g += 8) {
        const va0 = v128.load32_splat(g), va1 = v128.load32_splat(g, 4);
        const vb0123 = v128.load(x); vacc0x0123 = madd(vacc0x0123, va0, vb0123); vacc1x0123 = madd(vacc1x0123, va1, vb0123);
        const vb4567 = v128.load(x, 16); vacc0x4567 = madd(vacc0x4567, va0, vb4567); vacc1x4567 = madd(vacc1x4567, va1, vb4567);
        const vb89AB = v128.load(x, 32); vacc0x89AB = madd(vacc0x89AB, va0, vb89AB); vacc1x89AB = madd(vacc1x89AB, va1, vb89AB);
        const vbCDEF = v128.load(x, 48); vacc0xCDEF = madd(vacc0xCDEF, va0, vbCDEF); vacc1xCDEF = madd(vacc1xCDEF, va1, vbCDEF);
      }
    } else {
      for (let g = dOutPtr + (<usize>o << 2), gEnd = g + <usize>B * gRow; g < gEnd; x += row, g += gRow) {
        const va0 = v128.load32_splat(g);
        vacc0x0123 = madd(vacc0x0123, va0, v128.load(x)); vacc0x4567 = madd(vacc0x4567, va0, v128.load(x, 16));
        vacc0x89AB = madd(vacc0x89AB, va0, v128.load(x, 32)); vacc0xCDEF = madd(vacc0xCDEF, va0, v128.load(x, 48));
      }
    }
    const c0 = dWeightPtr + (<usize>o * I + i << 2);
    v128.store(c0, vacc0x0123); v128.store(c0, vacc0x4567, 16); v128.store(c0, vacc0x89AB, 32); v128.store(c0, vacc0xCDEF, 48);
    if (two) {
      const c1 = c0 + row;
      v128.store(c1, vacc1x0123); v128.store(c1, vacc1x4567, 16); v128.store(c1, vacc1x89AB, 32); v128.store(c1, vacc1xCDEF, 48);
    }
  }
}

// dWeight's columns [i, i + 8) over the n rows listed at list (ascending), the others' inputs being all zero.
// Blocks of 4 outputs × 8 inputs (two pair panels), so a block's 8 accumulators get 2 row vectors and 4 splats per
// listed row, as the dense blocks' 2 × 16 get 4 and 2; then a last pair and a last odd output. Half-strips skip
// about twice as many Fashion-MNIST rows as whole strips (28 % against 16 %).
function weightGradientSparse(dWeightPtr: usize, dOutPtr: usize, inpPtr: usize, panelsPtr: usize, listPtr: usize, n: i32,
                              B: i32, I: i32, O: i32, i: i32): void {
  const row = <usize>I << 2, gRow = <usize>O << 2, panel = <usize>B << 3;
  const xs = inpPtr + (<usize>i << 2), listEnd = listPtr + (<usize>n << 2);
  let o = 0;
  for (; o + 4 <= O; o += 4) {
    const p0 = panelsPtr + <usize>(o >> 1) * panel, p1 = p0 + panel;
    let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0), vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
    let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0), vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
    for (let l = listPtr; l < listEnd; l += 4) {
      const b = <usize>load<i32>(l);
      const x = xs + b * row, g0 = p0 + (b << 3), g1 = p1 + (b << 3);
      const vb0123 = v128.load(x), vb4567 = v128.load(x, 16);
      let va = v128.load32_splat(g0); vacc0x0123 = madd(vacc0x0123, va, vb0123); vacc0x4567 = madd(vacc0x4567, va, vb4567);
      va = v128.load32_splat(g0, 4); vacc1x0123 = madd(vacc1x0123, va, vb0123); vacc1x4567 = madd(vacc1x4567, va, vb4567);
      va = v128.load32_splat(g1); vacc2x0123 = madd(vacc2x0123, va, vb0123); vacc2x4567 = madd(vacc2x4567, va, vb4567);
      va = v128.load32_splat(g1, 4); vacc3x0123 = madd(vacc3x0123, va, vb0123); vacc3x4567 = madd(vacc3x4567, va, vb4567);
    }
    const c0 = dWeightPtr + (<usize>o * I + i << 2), c1 = c0 + row, c2 = c1 + row, c3 = c2 + row;
    v128.store(c0, vacc0x0123); v128.store(c0, vacc0x4567, 16); v128.store(c1, vacc1x0123); v128.store(c1, vacc1x4567, 16);
    v128.store(c2, vacc2x0123); v128.store(c2, vacc2x4567, 16); v128.store(c3, vacc3x0123); v128.store(c3, vacc3x4567, 16);
  }
  if (o + 2 <= O) {
    const p0 = panelsPtr + <usize>(o >> 1) * panel;
    let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0), vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
    for (let l = listPtr; l < listEnd; l += 4) {
      const b = <usize>load<i32>(l);
      const x = xs + b * row, g0 = p0 + (b << 3);
      const vb0123 = v128.load(x), vb4567 = v128.load(x, 16);
      let va = v128.load32_splat(g0); vacc0x0123 = madd(vacc0x0123, va, vb0123); vacc0x4567 = madd(vacc0x4567, va, vb4567);
      va = v128.load32_splat(g0, 4); vacc1x0123 = madd(vacc1x0123, va, vb0123); vacc1x4567 = madd(vacc1x4567, va, vb4567);
    }
    const c0 = dWeightPtr + (<usize>o * I + i << 2), c1 = c0 + row;
    v128.store(c0, vacc0x0123); v128.store(c0, vacc0x4567, 16); v128.store(c1, vacc1x0123); v128.store(c1, vacc1x4567, 16);
    o += 2;
  }
  if (o < O) {
    const g0 = dOutPtr + (<usize>o << 2);
    let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
    for (let l = listPtr; l < listEnd; l += 4) {
      const b = <usize>load<i32>(l);
      const x = xs + b * row, va = v128.load32_splat(g0 + b * gRow);
      vacc0x0123 = madd(vacc0x0123, va, v128.load(x)); vacc0x4567 = madd(vacc0x4567, va, v128.load(x, 16));
    }
    const c0 = dWeightPtr + (<usize>o * I + i << 2);
    v128.store(c0, vacc0x0123); v128.store(c0, vacc0x4567, 16);
  }
}

// dBias (O) = Σ_b dOut (B,O), four outputs at a time: lane j sums output o + j over b in order, as the scalar
// loop does. A function of its own (binaryen does not inline functions with loops), so the register allocation
// of the loop above is not disturbed.
function biasGradient(dBiasPtr: usize, dOutPtr: usize, B: i32, O: i32): void {
  const gRow = <usize>O << 2;
  let o = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 4 <= O; o += 4) {
      let vacc0123 = f32x4.splat(0);
      for (let b = 0, g = dOutPtr + (<usize>o << 2); b < B; b++, g += gRow) vacc0123 = f32x4.add(vacc0123, v128.load(g));
      v128.store(dBiasPtr + (<usize>o << 2), vacc0123);
    }
  }
  for (; o < O; o++) {
    let vacc: f32 = 0;
    for (let b = 0; b < B; b++) vacc += f32at(dOutPtr, b * O + o);
    store<f32>(dBiasPtr + (<usize>o << 2), vacc);
  }
}

// out (M,N) = a (M,K) · b (K,N). out is overwritten. Also the input gradient of a layer:
// dInp (B,I) = dOut (B,O) · weight (O,I) is matmul(dInp, dOut, weight, B, O, I).
// Blocks of 2 rows × 16 columns (8 accumulators; per k 4 loads of b at constant offsets and 2 splats of a), then
// one of 2 × 8 and single columns; rows past M repeat the last row and are not stored. The k loop bumps one
// pointer into each operand. Names as in XNNPACK's loadsplat kernels: va0 and va1 splat a's two rows, vb0123-vbCDEF
// are 16 columns of a row of b, vaccRxCCCC the columns CCCC of output row R.
export function matmul(outPtr: usize, aPtr: usize, bPtr: usize, M: i32, K: i32, N: i32): void {
  const bRow = <usize>N << 2, aRow = <usize>K << 2;
  for (let m = 0; m < M; m += 2) {
    const a0 = aPtr + <usize>m * aRow, row1 = m + 1 < M ? aRow : 0, aEnd = a0 + aRow;
    const c0 = outPtr + <usize>m * bRow, c1 = c0 + bRow, two = m + 1 < M;
    let n = 0;
    if (ASC_FEATURE_SIMD) {
      for (; n + 16 <= N; n += 16) {
        let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0), vacc0x89AB = f32x4.splat(0), vacc0xCDEF = f32x4.splat(0);
        let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0), vacc1x89AB = f32x4.splat(0), vacc1xCDEF = f32x4.splat(0);
        let w = bPtr + (<usize>n << 2);
        for (let p = a0; p < aEnd; p += 4, w += bRow) {
          const va0 = v128.load32_splat(p), va1 = v128.load32_splat(p + row1);
          const vb0123 = v128.load(w); vacc0x0123 = madd(vacc0x0123, va0, vb0123); vacc1x0123 = madd(vacc1x0123, va1, vb0123);
          const vb4567 = v128.load(w, 16); vacc0x4567 = madd(vacc0x4567, va0, vb4567); vacc1x4567 = madd(vacc1x4567, va1, vb4567);
          const vb89AB = v128.load(w, 32); vacc0x89AB = madd(vacc0x89AB, va0, vb89AB); vacc1x89AB = madd(vacc1x89AB, va1, vb89AB);
          const vbCDEF = v128.load(w, 48); vacc0xCDEF = madd(vacc0xCDEF, va0, vbCDEF); vacc1xCDEF = madd(vacc1xCDEF, va1, vbCDEF);
        }
        const off = <usize>n << 2;
        v128.store(c0 + off, vacc0x0123); v128.store(c0 + off, vacc0x4567, 16); v128.store(c0 + off, vacc0x89AB, 32); v128.store(c0 + off, vacc0xCDEF, 48);
        if (two) { v128.store(c1 + off, vacc1x0123); v128.store(c1 + off, vacc1x4567, 16); v128.store(c1 + off, vacc1x89AB, 32); v128.store(c1 + off, vacc1xCDEF, 48); }
      }
      if (n + 8 <= N) {
        let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0), vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
        let w = bPtr + (<usize>n << 2);
        for (let p = a0; p < aEnd; p += 4, w += bRow) {
          const vb0123 = v128.load(w), vb4567 = v128.load(w, 16);
          const va0 = v128.load32_splat(p), va1 = v128.load32_splat(p + row1);
          vacc0x0123 = madd(vacc0x0123, va0, vb0123); vacc0x4567 = madd(vacc0x4567, va0, vb4567);
          vacc1x0123 = madd(vacc1x0123, va1, vb0123); vacc1x4567 = madd(vacc1x4567, va1, vb4567);
        }
        const off = <usize>n << 2;
        v128.store(c0 + off, vacc0x0123); v128.store(c0 + off, vacc0x4567, 16);
        if (two) { v128.store(c1 + off, vacc1x0123); v128.store(c1 + off, vacc1x4567, 16); }
        n += 8;
      }
    }
    for (; n < N; n++) {
      let vacc0: f32 = 0, vacc1: f32 = 0;
      for (let k = 0; k < K; k++) {
        const vb = f32at(bPtr + <usize>k * bRow, n);
        vacc0 += f32at(a0, k) * vb; vacc1 += f32at(a0 + row1, k) * vb;
      }
      store<f32>(c0 + (<usize>n << 2), vacc0);
      if (two) store<f32>(c1 + (<usize>n << 2), vacc1);
    }
  }
}
