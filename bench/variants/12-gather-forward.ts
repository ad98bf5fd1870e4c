// Variant 12: the batch gather fused into the forward product. Rows are gathered R = 8 at a time into the f32
// batch just before their products (with main's own kernels, so the same bits), after touching every cache line
// of the rows 8 ahead, so their misses overlap the products instead of a separate touch pass up front.
// Measured 2026-12-02 03:21 UTC (2 vCPU EPYC Zen 3, KVM, shared), node bench/variants/run.js 12-gather-forward,
// ms per epoch of 235 gathers + products, median / min of 15 alternating rounds, three runs: main 77/67, 70/52,
// 56/49; this 76/58, 66/53, 58/48. No gain beyond noise (R = 4, 16 and AHEAD = 4, 16 the same): the conversion
// and the products cost the same wherever they run, and main's touch pass already has every miss in flight.
import { linearForward } from "../../assembly/matmul";
import { gatherScaleU8 } from "../../assembly/data";

const R = 8, AHEAD = 8;

export function gatherLinearForward(outPtr: usize, xPtr: usize, srcPtr: usize, idxPtr: usize, weightPtr: usize,
                                    biasPtr: usize, B: i32, I: i32, O: i32, scale: f32): u32 {
  let touched: u32 = 0;
  for (let b = 0; b < min(AHEAD, B); b++) touched += touchRow(srcPtr, idxPtr, b, I);
  const row = <usize>I << 2;
  for (let b = 0; b < B; b += R) {
    for (let t = b + AHEAD; t < min(b + AHEAD + R, B); t++) touched += touchRow(srcPtr, idxPtr, t, I);
    const n = min(R, B - b);
    touched += gatherScaleU8(xPtr + <usize>b * row, srcPtr, idxPtr + (<usize>b << 2), n, I, scale);
    linearForward(outPtr + (<usize>b * O << 2), xPtr + <usize>b * row, weightPtr, biasPtr, n, I, O);
  }
  return touched;
}

// @ts-ignore: decorator
@inline function touchRow(srcPtr: usize, idxPtr: usize, b: i32, I: i32): u32 {
  const src = srcPtr + <usize>load<i32>(idxPtr + (<usize>b << 2)) * I;
  let touched: u32 = 0;
  for (let i = 0; i < I; i += 64) touched += load<u8>(src + i);
  return touched;
}
