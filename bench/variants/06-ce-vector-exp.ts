// Variant 06 of softmaxCrossEntropyForwardBackward: exp by a polynomial (Cephes expf: round to n·ln2, degree-5
// polynomial on the remainder, 2^n from the exponent bits) applied 4 lanes at a time over the whole B×C block,
// instead of Mathf.exp per value.
export function softmaxCrossEntropyForwardBackward(dLogitsPtr: usize, logitsPtr: usize, labelsPtr: usize,
                                                   B: i32, C: i32, smoothing: f32): f32 {
  if (B == 0) return 0;
  const invB: f32 = 1 / <f32>B, spread: f32 = smoothing / <f32>C;
  // Pass 1: shifted logits z − max into dLogits, and each row's loss target.
  let total: f32 = 0;
  for (let b = 0; b < B; b++) {
    const off = <usize>b * C << 2, z = logitsPtr + off, d = dLogitsPtr + off;
    let m = -Infinity as f32;
    for (let c = 0; c < C; c++) m = max(m, load<f32>(z + (<usize>c << 2)));
    for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), load<f32>(z + (<usize>c << 2)) - m);
    const label = load<i32>(labelsPtr + (<usize>b << 2));
    total -= load<f32>(d + (<usize>label << 2));
  }
  // Pass 2: exp of the whole block.
  const n = B * C;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = dLogitsPtr + (<usize>i << 2);
    v128.store(p, expx4(v128.load(p)));
  }
  for (; i < n; i++) {
    const p = dLogitsPtr + (<usize>i << 2);
    store<f32>(p, f32x4.extract_lane(expx4(f32x4.splat(load<f32>(p))), 0));
  }
  // Pass 3: normalise into the gradient.
  for (let b = 0; b < B; b++) {
    const d = dLogitsPtr + (<usize>b * C << 2);
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) sum += load<f32>(d + (<usize>c << 2));
    total += Mathf.log(sum);
    const scale: f32 = invB / sum;
    for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), load<f32>(d + (<usize>c << 2)) * scale - spread * invB);
    const label = load<i32>(labelsPtr + (<usize>b << 2));
    store<f32>(d + (<usize>label << 2), load<f32>(d + (<usize>label << 2)) - (1 - smoothing) * invB);
  }
  return total * invB;
}

// @ts-ignore: decorator
@inline function expx4(x: v128): v128 {
  const under = f32x4.lt(x, f32x4.splat(-87.33654));
  const xc = f32x4.max(x, f32x4.splat(-87.33654));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), under);
}
