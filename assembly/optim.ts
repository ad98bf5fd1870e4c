// Parameter updates over one contiguous block of n parameters.

// param -= lr · grad.
export function sgdUpdate(paramPtr: usize, gradPtr: usize, n: i32, lr: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const step = f32x4.splat(lr);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(paramPtr + off, f32x4.sub(v128.load(paramPtr + off), f32x4.mul(step, v128.load(gradPtr + off))));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(paramPtr + off, load<f32>(paramPtr + off) - lr * load<f32>(gradPtr + off));
  }
}
