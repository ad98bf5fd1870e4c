// The f16 and int8 weight codecs, checked against oracles built independently: the table of every f16 value
// (nearest by exact distance in doubles) and the per-row quantisation bound.
import { describe, expect, it } from "vitest";
import { F16_MAX, decodeF16, decodeInt8, encodeF16, encodeInt8, f16Bits, f16Value, weightsBytes } from "../../src/io/weights.js";
import { layoutOf } from "../../src/model/layout.js";
import { randomF32 } from "../../bench/shared/random.js";
import { thrown } from "../helpers/errors.js";

// Every finite non-negative f16 value, by its definition: (1 + m/1024) · 2^(e−15), or m · 2^−24 when e = 0.
const FINITE = Array.from({ length: 0x7c00 }, (_, h) => {
  const e = h >> 10, m = h & 0x3ff;
  return e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
});

// Nearest f16 (ties to the even bit pattern) by exact comparison: f32 inputs and f16 values are doubles exactly.
function oracle(x: number): number | undefined {
  const a = Math.abs(x), sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  if (a >= F16_MAX + 16) return undefined; // 65520 is halfway to 2^16, which rounds to ∞
  let lo = 0, hi = FINITE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (FINITE[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  if (lo === FINITE.length - 1) return sign | lo;
  const below = a - FINITE[lo]!, above = FINITE[lo + 1]! - a;
  return sign | (below < above || (below === above && lo % 2 === 0) ? lo : lo + 1);
}

describe("f16", () => {
  it("decodes every f16 bit pattern to its value and encodes it back to the same bits", () => {
    const wrong: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const v = f16Value(h), e = (h >> 10) & 0x1f;
      if (e === 0x1f && (h & 0x3ff) !== 0) { if (!Number.isNaN(v)) wrong.push(`${h}: ${v} for NaN`); continue; }
      const magnitude = e === 0x1f ? Infinity : FINITE[h & 0x7fff]!;
      if (!Object.is(v, h & 0x8000 ? -magnitude : magnitude) || f16Bits(v) !== h) wrong.push(`${h}: ${v}, back to ${f16Bits(v)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("rounds f32 values to the nearest f16, ties to even, across normal, subnormal and underflowing magnitudes", () => {
    const values: number[] = [];
    for (const [lo, hi] of [[-1, 1], [-70000, 70000], [-1e-4, 1e-4], [-1e-7, 1e-7], [-1e-9, 1e-9]] as const) {
      values.push(...randomF32(4000, lo * 7 + hi, lo, hi));
    }
    // Exact halfway points between neighbouring f16 values, which only ties-to-even decides.
    for (let h = 1; h < 0x7bff; h += 97) values.push((FINITE[h]! + FINITE[h + 1]!) / 2, -(FINITE[h]! + FINITE[h + 1]!) / 2);
    values.push(2 ** -25, 3 * 2 ** -26, 65504, 65519, 65519.996, -65519, 0, -0);
    const wrong = values.map(Math.fround).filter((f) => f16Bits(f) !== oracle(f)).map((f) => `${f}: ${f16Bits(f)} not ${oracle(f)}`);
    expect(wrong).toEqual([]);
  });

  it("keeps NaN and ±∞, and gives no bits for a finite value that rounds past ±65504", () => {
    expect(Number.isNaN(f16Value(f16Bits(NaN)!))).toBe(true);
    expect(f16Bits(Infinity)).toBe(0x7c00);
    expect(f16Bits(-Infinity)).toBe(0xfc00);
    expect(f16Bits(65520)).toBeUndefined();
    expect(f16Bits(-1e6)).toBeUndefined();
    expect(f16Bits(65519.99)).toBe(0x7bff);
  });

  it("encodes a block little-endian and reports the first parameter beyond the range", () => {
    const params = Float32Array.from([1, -2, 0.5, 3e-8]);
    const view = new DataView(new ArrayBuffer(8));
    encodeF16(params, view, 0, () => { throw new Error("no overflow expected"); });
    expect(view.getUint16(0, true)).toBe(0x3c00);
    expect(Array.from(decodeF16(view, 0, 4))).toEqual([1, -2, 0.5, f16Value(f16Bits(Math.fround(3e-8))!)]);
    const error = thrown(() => encodeF16(Float32Array.from([0, 7e4]), view, 0, (index, value) => { throw new Error(`${index}:${value}`); }));
    expect(error.message).toBe("1:70000");
  });
});

describe("int8 with per-row scales", () => {
  const { layout, size } = layoutOf([7, 5, 3]);

  it("keeps every weight within half a step of its row's scale, and biases exactly", () => {
    const params = randomF32(size, 11, -3, 3);
    params.fill(0, layout[1]!.weight, layout[1]!.weight + 5); // one row of zeros
    const bytes = weightsBytes("int8", layout, size);
    expect(bytes).toBe(5 * 8 + 3 * 8 + 7 * 5 + 5 * 3);
    const view = new DataView(new ArrayBuffer(bytes));
    encodeInt8(params, layout, view, 0);
    const back = decodeInt8(view, 0, layout, size, () => { throw new Error("bad scale"); });
    for (const { inputs, outputs, weight, bias } of layout) {
      for (let o = 0; o < outputs; o++) {
        const row = params.subarray(weight + o * inputs, weight + (o + 1) * inputs);
        const max = Math.max(...Array.from(row, Math.abs)), step = max === 0 ? 1 : Math.fround(max / 127);
        for (let i = 0; i < inputs; i++) {
          expect(Math.abs(back[weight + o * inputs + i]! - row[i]!)).toBeLessThanOrEqual(step / 2 * (1 + 1e-6));
        }
        expect(back[bias + o]).toBe(params[bias + o]);
      }
    }
    // The row of zeros comes back as zeros, with scale 1.
    expect(Array.from(back.subarray(layout[1]!.weight, layout[1]!.weight + 5))).toEqual([0, 0, 0, 0, 0]);
  });

  it("reports a zero, negative or non-finite scale by layer and row", () => {
    const view = new DataView(new ArrayBuffer(weightsBytes("int8", layout, size)));
    encodeInt8(randomF32(size, 2), layout, view, 0);
    for (const bad of [0, -1, NaN, Infinity]) {
      const copy = new DataView(view.buffer.slice(0));
      copy.setFloat32(5 * 8 + 4 * 2, bad, true); // layer 2, row 2
      const error = thrown(() => decodeInt8(copy, 0, layout, size, (l, r, v) => { throw new Error(`${l}:${r}:${v}`); }));
      expect(error.message).toBe(`1:2:${bad}`);
    }
  });
});
