import { describe, expect, it } from "vitest";
import { Dataset } from "../../src/data/dataset.js";
import { stratifiedSplit } from "../../src/data/split.js";
import { optionError } from "../helpers/errors.js";

// 10 examples of class 0, 5 of class 1, 3 of class 2, interleaved; each row holds its own index, so a split's
// rows say which examples went where.
const labels = [0, 1, 0, 2, 0, 1, 0, 0, 2, 1, 0, 0, 1, 0, 2, 0, 1, 0];
const data = Dataset.fromArrays(Float32Array.from(labels, (_, i) => i + 0.5), labels, { features: 1, classes: 3, classNames: ["a", "b", "c"] });
const indicesOf = (d: Dataset) => Array.from(d.x as Float32Array, (v) => v - 0.5);
const countOf = (d: Dataset, c: number) => Array.from(d.y).filter((y) => y === c).length;

describe("stratifiedSplit", () => {
  it("holds out ⌊length × fraction⌋ examples, each class its share, the leftover to the largest remainder then the lowest class", () => {
    // 9 of 18: class 0 gives 10 × 9 / 18 = 5; classes 1 and 2 give 2.5 and 1.5, rounded down to 2 and 1 with equal
    // remainders, so the ninth example comes from class 1.
    const { train, validation } = stratifiedSplit(data, { validation: 0.5, seed: 3 });
    expect([0, 1, 2].map((c) => countOf(validation, c))).toEqual([5, 3, 1]);
    expect([0, 1, 2].map((c) => countOf(train, c))).toEqual([5, 2, 2]);
    // 20 % of 18 is 3 (rounded down): 10 × 3 / 18 = 1.67, 5 × 3 / 18 = 0.83, 3 × 3 / 18 = 0.5 → 1, 0, 0, then
    // the two leftovers go to class 1 (remainder 15/18) and class 0 (12/18) before class 2 (9/18).
    const small = stratifiedSplit(data, { validation: 0.2 }).validation;
    expect([0, 1, 2].map((c) => countOf(small, c))).toEqual([2, 1, 0]);
  });

  it("puts every example in exactly one set, keeps the data's order and each example's label and metadata", () => {
    const { train, validation } = stratifiedSplit(data, { validation: 0.3, seed: 7 });
    const held = indicesOf(validation), kept = indicesOf(train);
    expect([...held, ...kept].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    expect(held).toEqual([...held].sort((a, b) => a - b));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    held.forEach((i, k) => expect(validation.y[k]).toBe(labels[i]));
    kept.forEach((i, k) => expect(train.y[k]).toBe(labels[i]));
    expect(validation.classNames).toEqual(["a", "b", "c"]);
  });

  it("picks the same examples for the same seed, and others for another seed", () => {
    const a = indicesOf(stratifiedSplit(data, { validation: 0.5, seed: 1 }).validation);
    expect(indicesOf(stratifiedSplit(data, { validation: 0.5, seed: 1 }).validation)).toEqual(a);
    const seeds = [2, 3, 4, 5].map((seed) => indicesOf(stratifiedSplit(data, { validation: 0.5, seed }).validation).join());
    expect(seeds.some((other) => other !== a.join())).toBe(true);
  });

  it("splits target rows along with their examples", () => {
    const targets = Float32Array.from({ length: 6 * 2 }, (_, i) => (i % 2 === (i >> 1) % 2 ? 0.75 : 0.25));
    const soft = Dataset.fromArrays(Float32Array.from({ length: 6 }, (_, i) => i), targets, { features: 1, classes: 2, scale: 1 });
    const { validation } = stratifiedSplit(soft, { validation: 0.5 });
    Array.from(validation.x as Float32Array).forEach((i, k) =>
      expect(Array.from(validation.targets!.subarray(k * 2, k * 2 + 2))).toEqual(Array.from(targets.subarray(i * 2, i * 2 + 2))));
  });

  it.each([
    [{ validation: 0 }, "validation", 0],
    [{ validation: 1 }, "validation", 1],
    [{ validation: 0.5, seed: -1 }, "seed", -1],
    [{}, "validation", undefined],
  ])("refuses %j with an OptionError naming the option", (options, option, value) => {
    const error = optionError(() => stratifiedSplit(data, options as never));
    expect(error.option).toBe(option);
    expect(error.value).toBe(value);
  });

  it("refuses an unknown option listing the known ones, and a fraction that leaves a set empty", () => {
    expect(optionError(() => stratifiedSplit(data, { validaton: 0.2 } as never)).message)
      .toBe('Unknown stratifiedSplit option "validaton". Known options: validation, seed.');
    const tiny = Dataset.fromArrays(new Float32Array([0.5, 0.25, 0.75]), [0, 1, 0], { features: 1, classes: 2 });
    const error = optionError(() => stratifiedSplit(tiny, { validation: 0.2 }));
    expect(error.message).toMatch(/^Invalid validation: expected a fraction leaving at least one example on each side of 3, got 0\.2\./);
  });
});
