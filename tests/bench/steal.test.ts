// The benchmark's host-steal meter: the share it reports, and a real reading of /proc/stat where there is one.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain-JS benchmark module without declarations
import { cpuTimes, percent, stolenShare } from "../../bench/steal.js";

describe("bench/steal.js", () => {
  it("is the stolen share of all CPU time between two readings", () => {
    expect(stolenShare({ total: 1000, steal: 10 }, { total: 1400, steal: 40 })).toBeCloseTo(0.075, 12);
    expect(stolenShare({ total: 1000, steal: 10 }, { total: 1000, steal: 10 })).toBeNull();
    expect(stolenShare(null, { total: 1, steal: 0 })).toBeNull();
    expect(percent(0.075)).toBe("7.5 %");
    expect(percent(null)).toBe("—");
  });

  it.runIf(existsSync("/proc/stat"))("reads /proc/stat: totals that only grow, steal within them", () => {
    const a = cpuTimes();
    const until = Date.now() + 30;
    while (Date.now() < until);
    const b = cpuTimes();
    expect(a).not.toBeNull();
    expect(b!.total).toBeGreaterThan(a!.total);
    expect(b!.steal).toBeGreaterThanOrEqual(a!.steal);
    const share = stolenShare(a, b)!;
    expect(share).toBeGreaterThanOrEqual(0);
    expect(share).toBeLessThanOrEqual(1);
  });
});
