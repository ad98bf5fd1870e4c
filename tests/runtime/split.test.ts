// The split table: ranges that cover each kernel's units in aligned, non-empty parts, and a list of threaded
// kernels that the wasm builds all export.
import { describe, expect, it } from "vitest";
import { KERNEL_NAMES } from "../../src/kernels/contract.js";
import { MIN_PIECE, THREADED_KERNELS, pieces, split } from "../../src/runtime/split.js";

describe("split", () => {
  it("covers [0, n) with at most `parts` non-empty ranges whose boundaries are multiples of align", () => {
    for (const [n, parts, align] of [[256, 2, 4], [10, 4, 1], [7850, 3, 64], [3, 4, 4], [1, 2, 1], [1000, 8, 64]] as const) {
      const ranges = split(n, parts, align);
      expect(ranges.length).toBeLessThanOrEqual(parts);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(n);
      ranges.forEach(([s, e], i) => {
        expect(e).toBeGreaterThan(s);
        if (i > 0) expect(s).toBe(ranges[i - 1]![1]);
        if (e !== n) expect(e % align).toBe(0);
      });
    }
    expect(split(256, 2, 4)).toEqual([[0, 128], [128, 256]]);
    expect(split(10, 4, 1)).toEqual([[0, 3], [3, 6], [6, 9], [9, 10]]);
  });
});

describe("pieces", () => {
  it("runs a call whole on the calling thread when its work cannot give two threads MIN_PIECE each", () => {
    // Softmax regression 784→10 at batch 16 and 32: 125 440 and 250 880 multiply-adds.
    expect(pieces(16, 7840, 2, 4)).toEqual([[0, 16]]);
    expect(pieces(32, 7840, 2, 4)).toEqual([[0, 32]]);
    expect(pieces(1000, MIN_PIECE / 1000, 8, 4)).toEqual([[0, 1000]]);
    expect(pieces(5, 10 * MIN_PIECE, 1, 1)).toEqual([[0, 5]]);
  });

  it("splits into as many pieces as there are threads when each gets MIN_PIECE, else into fewer", () => {
    expect(pieces(256, 7840, 2, 4)).toEqual([[0, 128], [128, 256]]);
    // 96 rows of 7 840: 752 640 in all, 5 × MIN_PIECE; five aligned pieces would leave the last 16 rows short.
    expect(pieces(96, 7840, 8, 4)).toEqual([[0, 24], [24, 48], [48, 72], [72, 96]]);
    expect(pieces(96, 7840, 3, 4)).toEqual([[0, 32], [32, 64], [64, 96]]);
  });

  it("never makes a piece of less than MIN_PIECE, even where alignment leaves the last one short", () => {
    for (const [units, cost, threads, align] of [[20, MIN_PIECE / 9, 2, 4], [33, MIN_PIECE / 16, 4, 4], [7850, 20, 8, 64], [203530, 20, 8, 64],
      [784, 2560, 3, 16], [100, MIN_PIECE / 40, 8, 1]] as const) {
      const ranges = pieces(units, cost, threads, align);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(units);
      expect(ranges.length).toBeLessThanOrEqual(threads);
      if (ranges.length > 1) for (const [s, e] of ranges) expect((e - s) * cost, `${units} units`).toBeGreaterThanOrEqual(MIN_PIECE);
    }
    // 20 units of MIN_PIECE / 9: two pieces would be 12 and 8 units (aligned to 4), the second under MIN_PIECE.
    expect(pieces(20, MIN_PIECE / 9, 2, 4)).toEqual([[0, 20]]);
  });
});

describe("THREADED_KERNELS", () => {
  it("lists each split kernel once, every one a kernel the wasm builds export, linearBackward as its range form", () => {
    expect(new Set(THREADED_KERNELS).size).toBe(THREADED_KERNELS.length);
    for (const name of THREADED_KERNELS) expect(KERNEL_NAMES).toContain(name);
    expect(THREADED_KERNELS).toContain("linearBackwardRange");
    expect(THREADED_KERNELS).not.toContain("linearBackward");
    expect(THREADED_KERNELS).not.toContain("softmaxCrossEntropyForwardBackward");
  });
});
