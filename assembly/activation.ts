// Element-wise activations over n values.

// out = max(inp, 0). out may alias inp.
export function reluForward(outPtr: usize, inpPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(outPtr + off, f32x4.max(v128.load(inpPtr + off), zero));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(outPtr + off, max(load<f32>(inpPtr + off), 0));
  }
}

// dInp = dOut where the ReLU's output is positive, else 0 (the ReLU output is its own mask).
// dInp may alias dOut.
export function reluBackward(dInpPtr: usize, dOutPtr: usize, outPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const mask = f32x4.gt(v128.load(outPtr + off), zero);
      v128.store(dInpPtr + off, v128.and(v128.load(dOutPtr + off), mask));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dInpPtr + off, load<f32>(outPtr + off) > 0 ? load<f32>(dOutPtr + off) : 0);
  }
}
