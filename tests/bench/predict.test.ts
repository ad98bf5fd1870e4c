// bench/predict.js: the single-prediction targets of issue 21, from one run's medians.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain-JS benchmark module without declarations
import { predictTargets, TARGETS } from "../../bench/predict.js";

type Target = { name: string; value: number; pass: boolean };

describe("predictTargets", () => {
  const row = (latencyRatio: number, throughputRatio: number) =>
    ({ label: "MLP", calls: 10000, batchRuns: 20, latencyRatio, throughputRatio });

  it("asks for 3× lower latency on one image and at least the same throughput on 1 000", () => {
    expect(TARGETS).toEqual({ latency: 3, throughput: 1 });
    const [latency, throughput]: Target[] = predictTargets([row(2.9, 1)]);
    expect(latency).toMatchObject({ value: 2.9, pass: false, name: expect.stringContaining("≥ 3× lower latency") });
    expect(latency!.name).toContain("median of 10,000 calls");
    expect(throughput).toMatchObject({ value: 1, pass: true, name: expect.stringContaining("1 000 images per call") });
  });

  it("gives two lines per model, passing a latency ratio of exactly 3", () => {
    const lines: Target[] = predictTargets([row(3, 0.99), row(0.5, 2)]);
    expect(lines.map((l) => l.pass)).toEqual([true, false, false, true]);
  });
});
