// Variant 15, the ceiling (bench/peak/peak.ts): is its f32x4 multiply + add loop honest, and how close can a
// product's inner loop come to it? Three loops timed in one process, interleaved (node, compiled with asc -O3
// --enable simd): peak6, bench/peak's loop (6 multiply chains m = m·c and 6 add chains a = a + m: 48 flops an
// iteration, each mul and add counted once, as V8 emits them: it never fuses a wasm mul + add); peak7, the same with
// 7 chains of each; madd8, the products' own inner loop, 8 accumulators a += x·b with 2 + 4 v128 loads per 8
// multiply-adds (linearForward's 4 × 2 block), every load an L1 hit.
// Measured 2026-12-07 08:45 UTC on the 2-vCPU EPYC Zen 3 VM while other jobs loaded it (best of 25 calls):
// peak6 35.3 GFLOP/s, peak7 10.9, madd8 32.1. Zen 3 issues 2 f32x4 mul and 2 f32x4 add a cycle, 3 cycles of
// latency each, so 6 independent chains of each are the fewest that keep all four pipes busy; with 7, V8 runs
// out of its 15 allocatable xmm registers (14 chains + the constant + a scratch) and spills: 3× slower. The loop is
// not folded away (its sum is returned and checked finite, and its GFLOP/s scale with the iteration count), so
// 6 + 6 chains is the honest ceiling. The products' inner loop itself, with its loads, reaches 91 % of it from L1;
// what the training kernels lose below that (53 % forward, 78 % weight gradient at 256×784→256 in the last quiet
// run) is memory: 784→256's weights are 800 KB, past L2, and the forward walks them once per 4 rows (variant 13,
// output blocks that keep 200 KB of them in L2, was within noise), and the weight gradient's strips walk the batch
// rows 3 KB apart. No cheap change reaches 90 %; zero skipping (assembly/matmul.ts) does less work instead.
export function peak6(n: i32, c: f32): f32 {
  const vc = f32x4.splat(c);
  let m0 = f32x4.splat(1), m1 = f32x4.splat(1), m2 = f32x4.splat(1), m3 = f32x4.splat(1), m4 = f32x4.splat(1), m5 = f32x4.splat(1);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    m0 = f32x4.mul(m0, vc); m1 = f32x4.mul(m1, vc); m2 = f32x4.mul(m2, vc); m3 = f32x4.mul(m3, vc); m4 = f32x4.mul(m4, vc); m5 = f32x4.mul(m5, vc);
    a0 = f32x4.add(a0, m0); a1 = f32x4.add(a1, m1); a2 = f32x4.add(a2, m2); a3 = f32x4.add(a3, m3); a4 = f32x4.add(a4, m4); a5 = f32x4.add(a5, m5);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(a4, a5));
  return f32x4.extract_lane(s, 0);
}
export function peak7(n: i32, c: f32): f32 {
  const vc = f32x4.splat(c);
  let m0 = f32x4.splat(1), m1 = f32x4.splat(1), m2 = f32x4.splat(1), m3 = f32x4.splat(1), m4 = f32x4.splat(1), m5 = f32x4.splat(1), m6 = f32x4.splat(1);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    m0 = f32x4.mul(m0, vc); m1 = f32x4.mul(m1, vc); m2 = f32x4.mul(m2, vc); m3 = f32x4.mul(m3, vc); m4 = f32x4.mul(m4, vc); m5 = f32x4.mul(m5, vc); m6 = f32x4.mul(m6, vc);
    a0 = f32x4.add(a0, m0); a1 = f32x4.add(a1, m1); a2 = f32x4.add(a2, m2); a3 = f32x4.add(a3, m3); a4 = f32x4.add(a4, m4); a5 = f32x4.add(a5, m5); a6 = f32x4.add(a6, m6);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), a6));
  return f32x4.extract_lane(s, 0);
}
// Kernel-shaped: 8 accumulators acc += load(a) * load(b) from L1 (the products' real inner loop, loads included).
export function madd8(n: i32, p: usize): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const off = <usize>(i & 63) << 4;
    const b0 = v128.load(p + off, 4096), b1 = v128.load(p + off, 8192);
    let x = v128.load(p + off); a0 = f32x4.add(a0, f32x4.mul(x, b0)); a1 = f32x4.add(a1, f32x4.mul(x, b1));
    x = v128.load(p + off, 1024); a2 = f32x4.add(a2, f32x4.mul(x, b0)); a3 = f32x4.add(a3, f32x4.mul(x, b1));
    x = v128.load(p + off, 2048); a4 = f32x4.add(a4, f32x4.mul(x, b0)); a5 = f32x4.add(a5, f32x4.mul(x, b1));
    x = v128.load(p + off, 3072); a6 = f32x4.add(a6, f32x4.mul(x, b0)); a7 = f32x4.add(a7, f32x4.mul(x, b1));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0);
}
