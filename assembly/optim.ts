// Parameter updates over one contiguous block of n parameters, with PyTorch's semantics. Weight decay is L2
// regularisation added to the gradient (g ← g + wd·p).

// SGD; with momentum μ > 0: v ← μv + g, p ← p − lr·v. velocity is untouched when μ = 0.
export function sgdUpdate(paramPtr: usize, gradPtr: usize, velocityPtr: usize, n: i32,
                          lr: f32, momentum: f32, weightDecay: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const step = f32x4.splat(lr), mu = f32x4.splat(momentum), wd = f32x4.splat(weightDecay);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const p = v128.load(paramPtr + off);
      let g = f32x4.add(v128.load(gradPtr + off), f32x4.mul(wd, p));
      if (momentum != 0) {
        g = f32x4.add(f32x4.mul(mu, v128.load(velocityPtr + off)), g);
        v128.store(velocityPtr + off, g);
      }
      v128.store(paramPtr + off, f32x4.sub(p, f32x4.mul(step, g)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const p = load<f32>(paramPtr + off);
    let g = load<f32>(gradPtr + off) + weightDecay * p;
    if (momentum != 0) {
      g = momentum * load<f32>(velocityPtr + off) + g;
      store<f32>(velocityPtr + off, g);
    }
    store<f32>(paramPtr + off, p - lr * g);
  }
}

// Adam: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr · (m / c1) / (√(v / c2) + ε), where the bias
// corrections c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ come from the caller (it counts the steps t). f32x4.sqrt and f32x4.div
// are correctly rounded like their scalar twins, so the SIMD loop gives the scalar loop's bits. The divisions and
// the square root queue on one divider and bound the loop; once β1ᵗ is below half an ulp of 1 (from step 165 for
// β1 = 0.9), c1 is exactly 1 and dividing by it the identity, so the SIMD loop skips that division.
export function adamUpdate(paramPtr: usize, gradPtr: usize, mPtr: usize, vPtr: usize, n: i32,
                           lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, c1: f32, c2: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // The test outside the loop, each call inlined with a constant: inside, binaryen would make it a select, which
    // divides all the same.
    i = c1 != 1 ? adamSimd(paramPtr, gradPtr, mPtr, vPtr, n, lr, beta1, beta2, eps, weightDecay, c1, c2, false)
      : adamSimd(paramPtr, gradPtr, mPtr, vPtr, n, lr, beta1, beta2, eps, weightDecay, c1, c2, true);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const p = load<f32>(paramPtr + off);
    const g = load<f32>(gradPtr + off) + weightDecay * p;
    const m = beta1 * load<f32>(mPtr + off) + (1 - beta1) * g;
    const v = beta2 * load<f32>(vPtr + off) + (1 - beta2) * g * g;
    store<f32>(mPtr + off, m);
    store<f32>(vPtr + off, v);
    store<f32>(paramPtr + off, p - lr * (m / c1) / (Mathf.sqrt(v / c2) + eps));
  }
}

// adamUpdate's SIMD loop over the first ⌊n/4⌋·4 parameters; returns where the scalar tail starts. c1IsOne: skip
// the division by c1 (the identity when c1 is 1).
// @ts-ignore: decorator
@inline function adamSimd(paramPtr: usize, gradPtr: usize, mPtr: usize, vPtr: usize, n: i32, lr: f32, beta1: f32, beta2: f32,
                          eps: f32, weightDecay: f32, c1: f32, c2: f32, c1IsOne: bool): i32 {
  const vlr = f32x4.splat(lr), vbeta1 = f32x4.splat(beta1), vbeta2 = f32x4.splat(beta2), veps = f32x4.splat(eps);
  const vwd = f32x4.splat(weightDecay), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const vone1 = f32x4.splat(1 - beta1), vone2 = f32x4.splat(1 - beta2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const p = v128.load(paramPtr + off);
    const g = f32x4.add(v128.load(gradPtr + off), f32x4.mul(vwd, p));
    const m = f32x4.add(f32x4.mul(vbeta1, v128.load(mPtr + off)), f32x4.mul(vone1, g));
    const v = f32x4.add(f32x4.mul(vbeta2, v128.load(vPtr + off)), f32x4.mul(f32x4.mul(vone2, g), g));
    v128.store(mPtr + off, m);
    v128.store(vPtr + off, v);
    const step = f32x4.div(f32x4.mul(vlr, c1IsOne ? m : f32x4.div(m, vc1)), f32x4.add(f32x4.sqrt(f32x4.div(v, vc2)), veps));
    v128.store(paramPtr + off, f32x4.sub(p, step));
  }
  return i;
}
