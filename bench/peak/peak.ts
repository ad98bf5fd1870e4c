// The 128-bit arithmetic ceiling of this engine on one thread, which bench/peak.js times and every training
// kernel's GFLOP/s is reported against. Compiled twice by the benchmark: with SIMD (mulAddPeak), and with relaxed
// SIMD as well (relaxedMaddPeak), a separate module because an engine without relaxed SIMD rejects the whole module.
//
// mulAddPeak: 6 multiply chains m = m · c and 6 add chains a = a + m. Each f32x4 mul and add has a latency of a few
// cycles and two of each can issue per cycle on current x86 and Arm cores, so 6 independent chains of each keep
// them all busy; 14 live v128 values fit the 16 registers engines allocate, so nothing spills. The chains stay
// dependent on the loop so no engine can hoist or fold them; with c = 1 the values stay finite and normal.
// Each iteration: 6 × (4 mul + 4 add) = 48 flops.
//
// relaxedMaddPeak: 12 chains a = relaxed_madd(x, c, a) (a fused multiply-add where the CPU has one, which is the
// point of relaxed SIMD). Each iteration: 12 × 8 = 96 flops.

export function mulAddPeak(iterations: i32, c: f32): f32 {
  const vc = f32x4.splat(c);
  let m0 = f32x4.splat(1), m1 = f32x4.splat(1), m2 = f32x4.splat(1), m3 = f32x4.splat(1), m4 = f32x4.splat(1), m5 = f32x4.splat(1);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  for (let i = 0; i < iterations; i++) {
    m0 = f32x4.mul(m0, vc); m1 = f32x4.mul(m1, vc); m2 = f32x4.mul(m2, vc);
    m3 = f32x4.mul(m3, vc); m4 = f32x4.mul(m4, vc); m5 = f32x4.mul(m5, vc);
    a0 = f32x4.add(a0, m0); a1 = f32x4.add(a1, m1); a2 = f32x4.add(a2, m2);
    a3 = f32x4.add(a3, m3); a4 = f32x4.add(a4, m4); a5 = f32x4.add(a5, m5);
  }
  // The sum is returned so that no chain is dead code.
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(a4, a5));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

export function relaxedMaddPeak(iterations: i32, c: f32): f32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return NaN;
  const vc = f32x4.splat(c), x = f32x4.splat(1);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  let a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0), a9 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.relaxed_madd(x, vc, a0); a1 = f32x4.relaxed_madd(x, vc, a1); a2 = f32x4.relaxed_madd(x, vc, a2);
    a3 = f32x4.relaxed_madd(x, vc, a3); a4 = f32x4.relaxed_madd(x, vc, a4); a5 = f32x4.relaxed_madd(x, vc, a5);
    a6 = f32x4.relaxed_madd(x, vc, a6); a7 = f32x4.relaxed_madd(x, vc, a7); a8 = f32x4.relaxed_madd(x, vc, a8);
    a9 = f32x4.relaxed_madd(x, vc, a9); a10 = f32x4.relaxed_madd(x, vc, a10); a11 = f32x4.relaxed_madd(x, vc, a11);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
