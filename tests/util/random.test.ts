// The engine-independent math (ln, cos) and the seeded PRNG that weights and shuffles come from.
import { describe, expect, it } from "vitest";
import { cos, ln } from "../../src/util/math.js";
import { Rng, permutation } from "../../src/util/random.js";

function draws(rng: Rng, n: number, f: (r: Rng) => number): number[] {
  return Array.from({ length: n }, () => f(rng));
}

describe("ln", () => {
  const relErr = (x: number) => {
    const want = Math.log(x);
    return want === 0 ? Math.abs(ln(x)) : Math.abs(ln(x) - want) / Math.abs(want);
  };

  it("matches Math.log within 1e-15 relative over 1e-300 … 1e300", () => {
    let worst = 0, at = 0;
    for (let k = -300; k <= 300; k += 0.37) {
      const x = 10 ** k;
      if (relErr(x) > worst) { worst = relErr(x); at = x; }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThan(1e-15);
  });

  it("matches Math.log within 1e-15 relative near 1, where ln x ≈ x − 1 is tiny", () => {
    const xs = [1 + 2 ** -52, 1 - 2 ** -53, 1 + 1e-12, 1 - 1e-12, 1 + 1e-6, 1 - 1e-6, 1.001, 0.999, 1.1, 0.9];
    for (const x of xs) expect(relErr(x), `x = ${x}`).toBeLessThan(1e-15);
  });

  it("matches Math.log within 1e-15 relative on a dense sweep of (0, 4], including the √½ and √2 fold points", () => {
    let worst = 0, at = 0;
    for (let i = 1; i <= 40000; i++) {
      const x = i / 10000;
      if (x === 1) continue;
      if (relErr(x) > worst) { worst = relErr(x); at = x; }
    }
    for (const x of [Math.SQRT1_2, Math.SQRT2, Math.SQRT1_2 * (1 - 2 ** -52), Math.SQRT2 * (1 - 2 ** -52), 2, 0.5, Math.E]) {
      if (relErr(x) > worst) { worst = relErr(x); at = x; }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThan(1e-15);
  });

  it("is exactly 0 at 1 and exact multiples of ln 2 at powers of two, and handles the smallest double", () => {
    expect(ln(1)).toBe(0);
    expect(ln(2)).toBeCloseTo(Math.LN2, 15);
    expect(Math.abs(ln(2 ** -1000) - -1000 * Math.LN2)).toBeLessThan(1e-15 * 1000 * Math.LN2);
    expect(Math.abs(ln(Number.MIN_VALUE) - Math.log(Number.MIN_VALUE)) / 744.44).toBeLessThan(1e-15);
  });
});

describe("cos", () => {
  it("matches Math.cos within 1e-15 on [0, π]", () => {
    let worst = 0, at = 0;
    for (let i = 0; i <= 100000; i++) {
      const x = (Math.PI * i) / 100000;
      const err = Math.abs(cos(x) - Math.cos(x));
      if (err > worst) { worst = err; at = x; }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(1e-15);
  });

  it("gives 1 at 0, −1 at π and ½ at π/3", () => {
    expect(cos(0)).toBe(1);
    expect(cos(Math.PI)).toBe(-1);
    expect(Math.abs(cos(Math.PI / 3) - 0.5)).toBeLessThan(1e-15);
    expect(Math.abs(cos(Math.PI / 2))).toBeLessThan(1e-15);
  });
});

describe("Rng", () => {
  it("gives the same sequence for the same seed and stream", () => {
    expect(draws(new Rng(42), 1000, (r) => r.u32())).toEqual(draws(new Rng(42), 1000, (r) => r.u32()));
    expect(draws(new Rng(42, 3), 100, (r) => r.normal())).toEqual(draws(new Rng(42, 3), 100, (r) => r.normal()));
  });

  it("gives different sequences for different seeds and for different streams of one seed", () => {
    const base = draws(new Rng(42), 100, (r) => r.u32());
    for (const other of [new Rng(43), new Rng(0), new Rng(42, 1), new Rng(42, 2), new Rng(2 ** 32 - 1)]) {
      const seq = draws(other, 100, (r) => r.u32());
      // Independent 32-bit streams: essentially no position agrees.
      expect(seq.filter((v, i) => v === base[i]).length).toBeLessThan(3);
    }
    expect(draws(new Rng(0, 1), 10, (r) => r.u32())).not.toEqual(draws(new Rng(1, 0), 10, (r) => r.u32()));
  });

  it("returns u32 values as unsigned 32-bit integers", () => {
    const values = draws(new Rng(5), 10000, (r) => r.u32());
    for (const v of values) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(2 ** 32);
    }
    expect(values.some((v) => v >= 2 ** 31), "the top bit is used").toBe(true);
  });

  it("uniform() stays in [0, 1) with mean ≈ ½ and variance ≈ 1/12", () => {
    const u = draws(new Rng(7), 100000, (r) => r.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    const variance = u.reduce((a, b) => a + (b - mean) ** 2, 0) / u.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // σ/√n ≈ 0.0009
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it.each([1, 2, 10, 37, 2 ** 21])("int(%i) stays in [0, n) and is an integer", (n) => {
    const v = draws(new Rng(9), 20000, (r) => r.int(n));
    for (const x of v) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(n);
    }
    if (n === 1) expect(new Set(v)).toEqual(new Set([0]));
  });

  it("int(10) is roughly uniform: chi-square over 100 000 draws is far below a loose bound", () => {
    const counts = new Array(10).fill(0);
    const rng = new Rng(11);
    for (let i = 0; i < 100000; i++) counts[rng.int(10)]++;
    const chi2 = counts.reduce((a, c) => a + (c - 10000) ** 2 / 10000, 0);
    // 9 degrees of freedom: P(χ² > 40) ≈ 8e-6.
    expect(chi2).toBeLessThan(40);
    expect(Math.min(...counts)).toBeGreaterThan(9500);
  });

  it("normal() has mean ≈ 0, std ≈ 1 and Gaussian tails over 100 000 draws", () => {
    const z = draws(new Rng(13), 100000, (r) => r.normal());
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    expect(Math.abs(mean)).toBeLessThan(0.015); // σ/√n ≈ 0.003
    expect(Math.abs(std - 1)).toBeLessThan(0.015);
    const beyond2 = z.filter((v) => Math.abs(v) > 2).length / z.length;
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.005);
    expect(z.every(Number.isFinite)).toBe(true);
  });
});

describe("permutation", () => {
  it.each([0, 1, 2, 10, 1000])("of %i is a permutation of 0..n−1", (n) => {
    const p = permutation(n, new Rng(17));
    expect(p).toBeInstanceOf(Int32Array);
    expect(p.length).toBe(n);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it("is the same for the same seed, different for another, and not the identity", () => {
    const a = permutation(100, new Rng(1)), b = permutation(100, new Rng(1)), c = permutation(100, new Rng(2));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a).filter((v, i) => v === i).length).toBeLessThan(10);
  });

  it("puts every element in every position about equally often", () => {
    // 3! = 6 orders of [0, 1, 2], each ≈ 1/6 of 60 000 draws.
    const rng = new Rng(19), counts = new Map<string, number>();
    for (let i = 0; i < 60000; i++) {
      const key = Array.from(permutation(3, rng)).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });
});
