// bench/peak.js and bench/peak/peak.ts: the ceiling loop does the work its flop count says, and is measured.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain-JS benchmark module without declarations
import { compilePeak, FLOPS_PER_ITERATION, measurePeak } from "../../bench/peak.js";

type Peak = (iterations: number, c: number) => number;
const instantiate = (bytes: Uint8Array<ArrayBuffer>) => new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Record<string, Peak>;

describe("the peak loop", () => {
  const simd = compilePeak("simd") as Uint8Array<ArrayBuffer>;
  const relaxed = compilePeak("simd,relaxed-simd") as Uint8Array<ArrayBuffer>;

  it("adds one per lane per chain and iteration: 6 mul + add chains of 4 lanes, 8 flops each", () => {
    const { mulAddPeak } = instantiate(simd);
    // c = 1: every multiply keeps m = 1, every add adds it, so the sum counts the adds.
    expect(mulAddPeak!(1000, 1)).toBe(6 * 4 * 1000);
    expect(FLOPS_PER_ITERATION.mulAddPeak).toBe(6 * 4 * 2);
    // c = 0.5 halves m each iteration: the multiplies are really done.
    expect(mulAddPeak!(3, 0.5)).toBe(6 * 4 * (0.5 + 0.25 + 0.125));
  });

  it("has 12 relaxed multiply-add chains of 4 lanes where the engine validates relaxed SIMD, and none in the SIMD build", () => {
    expect(instantiate(simd).relaxedMaddPeak!(10, 1)).toBeNaN();
    expect(FLOPS_PER_ITERATION.relaxedMaddPeak).toBe(12 * 4 * 2);
    if (!WebAssembly.validate(relaxed)) return;
    expect(instantiate(relaxed).relaxedMaddPeak!(1000, 1)).toBe(12 * 4 * 1000);
  });

  it("reports a positive ceiling, and the relaxed one or why it is missing", () => {
    const peak = measurePeak({ quick: true });
    expect(peak.mulAdd.gflops).toBeGreaterThan(0);
    expect(peak.mulAdd.bestMs).toBeGreaterThan(0);
    if (WebAssembly.validate(relaxed)) expect(peak.relaxedMadd.gflops).toBeGreaterThan(0);
    else expect(peak.relaxedMadd.reason).toMatch(/does not validate relaxed SIMD/);
  }, 60_000);
});
