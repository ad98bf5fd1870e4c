// Regression losses over B rows of C outputs against targets (B,C). Each returns the mean over rows of the
// per-row sum and writes dOut (B,C), the gradient of that mean. dOut may alias out. Per-example weights
// (weightsPtr: B f32 values, or 0 for none) make it Σ w·loss / Σ w and scale each row's gradient by w / Σ w, as
// for cross-entropy (see softmax.ts, which also has it fused with softmax).
import { inverseWeight } from "./softmax";

// @ts-ignore: decorator
@inline function rowWeight(weightsPtr: usize, b: i32): f32 {
  return weightsPtr == 0 ? 1 : load<f32>(weightsPtr + (<usize>b << 2));
}

// ½ Σ (out − target)², as d2l's squared_loss.
export function l2LossForwardBackward(dOutPtr: usize, outPtr: usize, targetsPtr: usize, weightsPtr: usize, B: i32, C: i32): f32 {
  if (B == 0) return 0;
  const invW = inverseWeight(weightsPtr, B);
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const w = rowWeight(weightsPtr, b), share = w * invW;
    for (let c = 0; c < C; c++) {
      const off = <usize>(b * C + c) << 2, r = load<f32>(outPtr + off) - load<f32>(targetsPtr + off);
      if (w != 0) total += w * (0.5 * r * r);
      store<f32>(dOutPtr + off, r * share);
    }
  }
  return total * invW;
}

// Σ |out − target|; the gradient at a zero residual is 0.
export function l1LossForwardBackward(dOutPtr: usize, outPtr: usize, targetsPtr: usize, weightsPtr: usize, B: i32, C: i32): f32 {
  if (B == 0) return 0;
  const invW = inverseWeight(weightsPtr, B);
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const w = rowWeight(weightsPtr, b), share = w * invW;
    for (let c = 0; c < C; c++) {
      const off = <usize>(b * C + c) << 2, r = load<f32>(outPtr + off) - load<f32>(targetsPtr + off);
      if (w != 0) total += w * abs(r);
      store<f32>(dOutPtr + off, r > 0 ? share : r < 0 ? -share : 0);
    }
  }
  return total * invW;
}

// Σ huber_δ(out − target): ½r² where |r| ≤ δ, else δ(|r| − ½δ) (PyTorch's HuberLoss); gradient clamp(r, −δ, δ).
export function huberLossForwardBackward(dOutPtr: usize, outPtr: usize, targetsPtr: usize, weightsPtr: usize, B: i32, C: i32,
                                         delta: f32): f32 {
  if (B == 0) return 0;
  const invW = inverseWeight(weightsPtr, B);
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const w = rowWeight(weightsPtr, b), share = w * invW;
    for (let c = 0; c < C; c++) {
      const off = <usize>(b * C + c) << 2, r = load<f32>(outPtr + off) - load<f32>(targetsPtr + off), a = abs(r);
      if (w != 0) total += w * (a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta));
      store<f32>(dOutPtr + off, max(-delta, min(delta, r)) * share);
    }
  }
  return total * invW;
}
