// Regression losses over B rows of C outputs against targets (B,C). Each returns the mean over rows of the
// per-row sum and writes dOut (B,C), the gradient of that mean. dOut may alias out.
// (Cross-entropy, fused with softmax, is in softmax.ts.)

// ½ Σ (out − target)², as d2l's squared_loss.
export function l2LossForwardBackward(dOutPtr: usize, outPtr: usize, targetsPtr: usize, B: i32, C: i32): f32 {
  if (B == 0) return 0;
  const invB: f32 = 1 / <f32>B, n = B * C;
  let total: f32 = 0;
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2, r = load<f32>(outPtr + off) - load<f32>(targetsPtr + off);
    total += 0.5 * r * r;
    store<f32>(dOutPtr + off, r * invB);
  }
  return total * invB;
}

// Σ |out − target|; the gradient at a zero residual is 0.
export function l1LossForwardBackward(dOutPtr: usize, outPtr: usize, targetsPtr: usize, B: i32, C: i32): f32 {
  if (B == 0) return 0;
  const invB: f32 = 1 / <f32>B, n = B * C;
  let total: f32 = 0;
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2, r = load<f32>(outPtr + off) - load<f32>(targetsPtr + off);
    total += abs(r);
    store<f32>(dOutPtr + off, r > 0 ? invB : r < 0 ? -invB : 0);
  }
  return total * invB;
}

// Σ huber_δ(out − target): ½r² where |r| ≤ δ, else δ(|r| − ½δ) (PyTorch's HuberLoss); gradient clamp(r, −δ, δ).
export function huberLossForwardBackward(dOutPtr: usize, outPtr: usize, targetsPtr: usize, B: i32, C: i32,
                                         delta: f32): f32 {
  if (B == 0) return 0;
  const invB: f32 = 1 / <f32>B, n = B * C;
  let total: f32 = 0;
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2, r = load<f32>(outPtr + off) - load<f32>(targetsPtr + off), a = abs(r);
    total += a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
    store<f32>(dOutPtr + off, max(-delta, min(delta, r)) * invB);
  }
  return total * invB;
}
