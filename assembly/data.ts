// Batch assembly: copy the rows named by idx (B indices) out of a dataset of rows of I values.

// out (B,I) f32 = src[idx[b]] (u8) · scale. Multiplying by the f32 constant (not dividing) keeps every backend
// bit-identical. Rows come from random places in a dataset larger than the caches, so the loop is bound by
// memory latency: a first pass touches every cache line of every row, putting all the misses in flight at once,
// before the second pass converts (a quarter faster than touching one row ahead). The touching loads' values are
// dropped: a load that may trap is kept by binaryen and by the engines even when its value is unused.
export function gatherScaleU8(outPtr: usize, srcPtr: usize, idxPtr: usize, B: i32, I: i32, scale: f32): void {
  for (let b = 0; b < B; b++) {
    const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
    for (let i = 0; i < I; i += 64) load<u8>(src + i);
  }
  for (let b = 0; b < B; b++) {
    const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
    const out = outPtr + (<usize>b * I << 2);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      // Bytes widen to i32 lanes of 0..255, so the signed conversion gives the same floats as the unsigned one,
      // which has no x86 instruction (V8 emulates it in several).
      const s = f32x4.splat(scale);
      for (; i + 16 <= I; i += 16) {
        const bytes = v128.load(src + i);
        const lo = i16x8.extend_low_i8x16_u(bytes), hi = i16x8.extend_high_i8x16_u(bytes);
        const o = out + (<usize>i << 2);
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)), s));
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), s), 16);
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), s), 32);
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), s), 48);
      }
    }
    for (; i < I; i++) store<f32>(out + (<usize>i << 2), <f32>load<u8>(src + i) * scale);
  }
}

// out (B,I) f32 = src[idx[b]] (f32).
export function gatherF32(outPtr: usize, srcPtr: usize, idxPtr: usize, B: i32, I: i32): void {
  const row = <usize>I << 2;
  for (let b = 0; b < B; b++) {
    memory.copy(outPtr + <usize>b * row, srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * row, row);
  }
}

// out (B) i32 = labels[idx[b]].
export function gatherLabels(outPtr: usize, labelsPtr: usize, idxPtr: usize, B: i32): void {
  for (let b = 0; b < B; b++) {
    const at = <usize>load<i32>(idxPtr + (<usize>b << 2)) << 2;
    store<i32>(outPtr + (<usize>b << 2), load<i32>(labelsPtr + at));
  }
}
