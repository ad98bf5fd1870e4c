import { describe, expect, it } from "vitest";
import { batchCount, batchRanges, epochOrder } from "../../src/data/batches.js";

describe("the batch order", () => {
  it.each([[1, 1], [10, 3], [256, 256], [1000, 256], [60000, 256]])(
    "visits each of %i examples exactly once per epoch in batches of %i, the last one short", (n, batchSize) => {
      for (const epoch of [1, 2]) {
        const order = epochOrder(n, true, 7, epoch);
        const seen = new Uint8Array(n);
        const ranges = [...batchRanges(n, batchSize)];
        expect(ranges).toHaveLength(batchCount(n, batchSize));
        for (const [start, end] of ranges) {
          expect(end - start).toBe(Math.min(batchSize, n - start));
          for (const i of order.subarray(start, end)) seen[i]!++;
        }
        expect(seen.every((count) => count === 1)).toBe(true);
      }
    });

  it("shuffles differently each epoch and each seed, and identically for the same pair", () => {
    const a = epochOrder(1000, true, 1, 1);
    expect(epochOrder(1000, true, 1, 1)).toEqual(a);
    expect(epochOrder(1000, true, 1, 2)).not.toEqual(a);
    expect(epochOrder(1000, true, 2, 1)).not.toEqual(a);
    expect(a).not.toEqual(epochOrder(1000, false, 1, 1));
  });

  it("keeps the stored order without shuffling", () => {
    expect(Array.from(epochOrder(5, false, 3, 9))).toEqual([0, 1, 2, 3, 4]);
  });
});
