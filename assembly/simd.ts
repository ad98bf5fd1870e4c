// Helpers shared by the kernels. Every horizontal sum adds lanes in the same fixed order, so a result depends
// only on the inputs, never on the runtime.

// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// acc + a·b. The opt-in relaxed build fuses it where the CPU can (one rounding instead of two, so its bits may
// differ between machines); the default build always rounds twice, the same bits everywhere.
// @ts-ignore: decorator
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline export function f32at(base: usize, index: i32): f32 {
  return load<f32>(base + (<usize>index << 2));
}
