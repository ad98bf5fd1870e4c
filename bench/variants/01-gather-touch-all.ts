// Variant 01 of gatherScaleU8: touch one byte of every cache line of every row of the batch first (all misses
// in flight at once, up to the core's limit), then convert. Compared with main's "touch the row 2 ahead".
export function gatherScaleU8(outPtr: usize, srcPtr: usize, idxPtr: usize, B: i32, I: i32, scale: f32): u32 {
  let touched: u32 = 0;
  for (let b = 0; b < B; b++) {
    const row = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
    for (let i = 0; i < I; i += 64) touched += load<u8>(row + i);
  }
  for (let b = 0; b < B; b++) {
    const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
    const out = outPtr + (<usize>b * I << 2);
    let i = 0;
    const s = f32x4.splat(scale);
    for (; i + 16 <= I; i += 16) {
      const bytes = v128.load(src + i);
      const lo = i16x8.extend_low_i8x16_u(bytes), hi = i16x8.extend_high_i8x16_u(bytes);
      const o = out + (<usize>i << 2);
      v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), s));
      v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), s), 16);
      v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), s), 32);
      v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), s), 48);
    }
    for (; i < I; i++) store<f32>(out + (<usize>i << 2), <f32>load<u8>(src + i) * scale);
  }
  return touched;
}
