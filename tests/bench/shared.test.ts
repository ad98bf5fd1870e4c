// bench/shared/: the one allclose, seeded random-data maker and banded look-alike of the tests, bench/ and the
// benchmark page (tests/helpers/close.ts is the allclose as a vitest assertion).
import { describe, expect, it } from "vitest";
import { describeMismatch, firstMismatch, maxAbsDiff } from "../../bench/shared/allclose.js";
import { BANDED_COLS, BANDED_ROWS, bandedImages, bandedLabel, bandedPixel } from "../../bench/shared/banded.js";
import { SeededRandom, randomF32, randomI32, randomPermutation, randomU8 } from "../../bench/shared/random.js";
import { expectClose } from "../helpers/close.js";
import { Rng } from "../../src/util/random.js";

describe("expectClose", () => {
  it("passes values within atol + rtol·|expected|, and NaN against NaN, and equal infinities", () => {
    expectClose([1, 100.05, NaN, -Infinity], [1.0005, 100, NaN, -Infinity], { atol: 1e-3, rtol: 1e-3 });
  });

  it("reports the first bad index, both values and the max abs diff", () => {
    expect(() => expectClose([0, 1.5, 2, 9], [0, 1, 2, 3], { atol: 0.1, rtol: 0, label: "case" }))
      .toThrow("case: values differ at index 1 of 4: expected 1, got 1.5 (allowed ±1.00e-1: atol 0.1, rtol 0; max abs diff 6.00e+0)");
  });

  it("fails NaN against a number in either direction, and an infinity against a finite value", () => {
    expect(() => expectClose([NaN], [0], { atol: 1, rtol: 1 })).toThrow(/index 0/);
    expect(() => expectClose([0], [NaN], { atol: 1, rtol: 1 })).toThrow(/index 0/);
    expect(() => expectClose([Infinity], [3e38], { atol: 1e38, rtol: 1 })).toThrow(/index 0/);
  });

  it("fails arrays of different lengths", () => {
    expect(() => expectClose([1, 2], [1, 2, 3], { atol: 1, rtol: 1 })).toThrow(/expected 3 values, got 2/);
  });
});

describe("firstMismatch", () => {
  it("is null when every value agrees, else the first bad index with the allowed and the largest finite difference", () => {
    expect(firstMismatch([1, 2.05], [1, 2], { atol: 0.1, rtol: 0 })).toBeNull();
    expect(firstMismatch([1, 5, 2, Infinity, 9], [1, 2, 2, 3, 1], { atol: 0.5, rtol: 0.25 }))
      .toEqual({ index: 1, actual: 5, expected: 2, limit: 1, maxDiff: 8 });
  });

  it("reports different lengths as such", () => {
    const m = firstMismatch([1], [1, 2], { atol: 1, rtol: 0 })!;
    expect(m.lengths).toEqual([1, 2]);
    expect(describeMismatch(m, 2, { atol: 1, rtol: 0 })).toBe("length mismatch: expected 2 values, got 1");
  });

  it("takes typed arrays as well as plain ones", () => {
    expect(firstMismatch(Float32Array.of(0.1), [0.1], { atol: 1e-7, rtol: 0 })).toBeNull();
    expect(firstMismatch(Float32Array.of(0.1), [0.1], { atol: 0, rtol: 0 })?.index).toBe(0);
  });
});

describe("maxAbsDiff", () => {
  it("is the largest finite difference, 0 for none", () => {
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 1])).toBe(2);
    expect(maxAbsDiff([NaN, Infinity], [0, 0])).toBe(0);
    expect(maxAbsDiff([], [])).toBe(0);
  });
});

describe("SeededRandom", () => {
  it("gives the same numbers for the same seed and stream, and different ones for another seed or stream", () => {
    const a = new SeededRandom(42, 1).f32(64), b = new SeededRandom(42, 1).f32(64);
    expect(a).toEqual(b);
    expect(new SeededRandom(43, 1).f32(64)).not.toEqual(a);
    expect(new SeededRandom(42, 2).f32(64)).not.toEqual(a);
  });

  it("draws the library's own Rng sequence, so the page without a build and the library agree", () => {
    for (const [seed, stream] of [[0, 0], [42, 1], [0xffffffff, 7]] as const) {
      const page = new SeededRandom(seed, stream), library = new Rng(seed, stream);
      expect(Array.from({ length: 100 }, () => page.u32())).toEqual(Array.from({ length: 100 }, () => library.u32()));
    }
  });

  it("keeps every kind of array in its range, and reaches both ends of it", () => {
    const f = randomF32(4000, 1, -2, 3);
    expect(Math.min(...f)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...f)).toBeLessThan(3);
    expect(Math.min(...f)).toBeLessThan(-1.9);
    expect(Math.max(...f)).toBeGreaterThan(2.9);
    const i = randomI32(4000, 7, 1);
    expect(new Set(i)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    const u = randomU8(20000, 1);
    expect(new Set(u).size).toBe(256);
  });

  it("makes permutations: every index once, in an order that depends on the seed", () => {
    const p = randomPermutation(1000, 5);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, k) => k));
    expect(p).not.toEqual(Int32Array.from({ length: 1000 }, (_, k) => k));
    expect(randomPermutation(1000, 6)).not.toEqual(p);
  });

  it("draws integers from 32 bits, uniform enough that each of 10 values takes 10 % ± 1 % of 100 000 draws", () => {
    const counts = new Array(10).fill(0);
    for (const v of randomI32(100_000, 10, 9)) counts[v]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(1000);
  });
});

describe("the banded look-alike", () => {
  it("lights up rows 2c+4 and 2c+5 of an image of class c, and keeps the rest dark", () => {
    const { images, labels } = bandedImages(50);
    for (let k = 0; k < 50; k++) {
      for (let r = 0; r < BANDED_ROWS; r++) {
        const row = images.subarray(k * 784 + r * BANDED_COLS, k * 784 + (r + 1) * BANDED_COLS);
        const bright = r === 2 * labels[k]! + 4 || r === 2 * labels[k]! + 5;
        for (const v of row) {
          if (bright) expect(v).toBeGreaterThanOrEqual(160);
          else expect(v).toBeLessThan(64);
        }
      }
    }
  });

  it("has every class, none more than twice as often as another", () => {
    const { labels } = bandedImages(1000);
    const counts = new Array(10).fill(0);
    for (const l of labels) counts[l]++;
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * Math.min(...counts));
  });

  it("makes example i the same whether it comes alone or in a range, so train and test splits are slices", () => {
    const all = bandedImages(30);
    const tail = bandedImages(10, 20);
    expect(tail.labels).toEqual(all.labels.subarray(20));
    expect(tail.images).toEqual(all.images.subarray(20 * 784));
    expect(bandedLabel(25)).toBe(all.labels[25]);
    expect(bandedPixel(all.labels[25]!, 25, 3, 4)).toBe(all.images[25 * 784 + 3 * 28 + 4]);
  });
});
