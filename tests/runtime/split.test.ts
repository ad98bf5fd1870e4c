// The split table: ranges that cover each kernel's units in aligned, non-empty parts, and a list of threaded
// kernels that the wasm builds all export.
import { describe, expect, it } from "vitest";
import { KERNEL_NAMES } from "../../src/kernels/contract.js";
import { THREADED_KERNELS, split } from "../../src/runtime/split.js";

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

describe("THREADED_KERNELS", () => {
  it("lists each split kernel once, every one a kernel the wasm builds export, linearBackward as its range form", () => {
    expect(new Set(THREADED_KERNELS).size).toBe(THREADED_KERNELS.length);
    for (const name of THREADED_KERNELS) expect(KERNEL_NAMES).toContain(name);
    expect(THREADED_KERNELS).toContain("linearBackwardRange");
    expect(THREADED_KERNELS).not.toContain("linearBackward");
    expect(THREADED_KERNELS).not.toContain("softmaxCrossEntropyForwardBackward");
  });
});
