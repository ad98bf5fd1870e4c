// Smaller encodings of a model's parameters for its file: IEEE half precision, and int8 with one f32 scale per
// weight row. Integer and exact f32 arithmetic only, so every runtime reads and writes the same bits. Nothing
// here knows about training: the predict-only entry decodes with it.
import type { LayerLayout } from "../model/layout.js";

/** How a model file stores its parameters: f32 (exact), f16 (half the size) or int8 with per-row scales (a quarter). */
export type WeightsDtype = "f32" | "f16" | "int8";

/** The largest finite f16 value; a weight beyond it (after rounding) cannot be stored as f16. */
export const F16_MAX = 65504;

// Views of one 4-byte scratch for f32 bit patterns (marked pure, and built from a name rather than `f32.buffer`, so
// a bundle that only decodes drops them).
const scratch = /* @__PURE__ */ new ArrayBuffer(4);
const f32 = /* @__PURE__ */ new Float32Array(scratch), u32 = /* @__PURE__ */ new Uint32Array(scratch);

/**
 * The f16 bits of an f32 value, rounded to nearest, ties to even, in integer arithmetic. NaN stays NaN and ±∞ stays
 * ±∞; `undefined` for a finite value that rounds beyond ±65504.
 */
export function f16Bits(value: number): number | undefined {
  f32[0] = value;
  const bits = u32[0]!, sign = (bits >>> 16) & 0x8000, exp = (bits >>> 23) & 0xff, mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  if (exp > 142) return undefined;
  if (exp >= 113) {
    // Normal in f16: rebias the exponent, keep 10 mantissa bits, round on the 13 dropped; a carry may reach ∞.
    const half = ((exp - 112) << 10) | (mant >>> 13), rest = mant & 0x1fff;
    const rounded = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half;
    return rounded >= 0x7c00 ? undefined : sign | rounded;
  }
  // Subnormal in f16 (units of 2^-24): the 24-bit significand shifted right, rounded the same way; below 2^-25, zero.
  if (exp < 101) return sign;
  const m = mant | 0x800000, shift = 126 - exp, h = m >>> shift, rest = m & ((1 << shift) - 1), tie = 1 << (shift - 1);
  return sign | (rest > tie || (rest === tie && (h & 1) === 1) ? h + 1 : h);
}

/**
 * The f32 value of f16 bits (exact: every f16 value is an f32 value, and this product of a small integer and a
 * power of two is computed without rounding).
 */
export function f16Value(h: number): number {
  const exp = (h >>> 10) & 0x1f, mant = h & 0x3ff, sign = h & 0x8000 ? -1 : 1;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  // Normal: (1024 + mant) · 2^(exp − 25); subnormal (exp 0): mant · 2^−24, the same as 2·mant · 2^(0 − 25).
  return sign * (exp ? 1024 + mant : 2 * mant) * 2 ** (exp - 25);
}

/** Bytes an encoding of these layers' parameters takes (before padding to 4). */
export function weightsBytes(dtype: WeightsDtype, layout: readonly LayerLayout[], size: number): number {
  if (dtype === "f32") return size * 4;
  if (dtype === "f16") return size * 2;
  // Per layer: a scale and a bias per output row (f32), then every layer's int8 weights.
  return layout.reduce((n, { inputs, outputs }) => n + outputs * 8 + inputs * outputs, 0);
}

/**
 * The parameters as f16, little-endian. A finite parameter beyond ±65504 has no f16 value: `overflow` is told
 * its index and value (and must throw).
 */
export function encodeF16(params: Float32Array, out: DataView, at: number, overflow: (index: number, value: number) => never): void {
  for (let i = 0; i < params.length; i++) {
    const h = f16Bits(params[i]!);
    if (h === undefined) overflow(i, params[i]!);
    out.setUint16(at + i * 2, h, true);
  }
}

export function decodeF16(view: DataView, at: number, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = f16Value(view.getUint16(at + i * 2, true));
  return out;
}

/**
 * Each weight row as int8 values q = round(w / s) in [-127, 127] with s = max |w| / 127 (an f32) per row, so
 * w ≈ q × s; biases stay f32. A row of zeros gets s = 1. Layout: for each layer its scales, then its biases (f32
 * little-endian); then every layer's int8 weights, row by row.
 */
export function encodeInt8(params: Float32Array, layout: readonly LayerLayout[], out: DataView, at: number): void {
  let q = at + layout.reduce((n, { outputs }) => n + outputs * 8, 0);
  for (const { inputs, outputs, weight, bias } of layout) {
    for (let o = 0; o < outputs; o++) {
      const row = params.subarray(weight + o * inputs, weight + (o + 1) * inputs);
      let max = 0;
      for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(row[i]!));
      f32[0] = max / 127;
      const scale = f32[0] > 0 && Number.isFinite(f32[0]) ? f32[0] : 1;
      out.setFloat32(at + o * 4, scale, true);
      out.setFloat32(at + (outputs + o) * 4, params[bias + o]!, true);
      for (let i = 0; i < inputs; i++) out.setInt8(q++, Math.max(-127, Math.min(127, Math.round(row[i]! / scale))));
    }
    at += outputs * 8;
  }
}

/**
 * The parameters from int8 bytes (w = q × s, one f32 multiply). `badScale` is told the layer, row and value of a
 * scale that is zero, negative or not finite (and must throw).
 */
export function decodeInt8(view: DataView, at: number, layout: readonly LayerLayout[], size: number,
                           badScale: (layer: number, row: number, value: number) => never): Float32Array {
  const out = new Float32Array(size);
  let q = at + layout.reduce((n, { outputs }) => n + outputs * 8, 0);
  layout.forEach(({ inputs, outputs, weight, bias }, l) => {
    for (let o = 0; o < outputs; o++) {
      const scale = view.getFloat32(at + o * 4, true);
      if (!(scale > 0 && Number.isFinite(scale))) badScale(l, o, scale);
      out[bias + o] = view.getFloat32(at + (outputs + o) * 4, true);
      for (let i = 0; i < inputs; i++) out[weight + o * inputs + i] = view.getInt8(q++) * scale;
    }
    at += outputs * 8;
  });
  return out;
}
