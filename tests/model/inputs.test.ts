// predict / predictProba on the arrays users have: number[], number[][], Float64Array, typed rows.
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/runtime/runtime.js";
import { MLP } from "../../src/model/models.js";
import { toInputRows } from "../../src/model/inputs.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { randomF32, randomU8 } from "../../bench/shared/random.js";
import { thrown } from "../helpers/errors.js";

const W = 5;

describe("toInputRows", () => {
  it("passes Uint8Array and Float32Array through untouched", () => {
    const u8 = new Uint8Array(2 * W), f32 = new Float32Array(W);
    expect(toInputRows(u8, W)).toBe(u8);
    expect(toInputRows(f32, W)).toBe(f32);
  });

  it("rounds a Float64Array, a flat number[] and nested rows to the same Float32Array", () => {
    const values = [0.1, 0.2, 0.3, 0.4, 0.5, 1 / 3, 2, -1, 1e-8, 7];
    const want = Float32Array.from(values);
    expect(toInputRows(Float64Array.from(values), W)).toEqual(want);
    expect(toInputRows(values, W)).toEqual(want);
    expect(toInputRows([values.slice(0, W), values.slice(W)], W)).toEqual(want);
    expect(toInputRows([Float64Array.from(values.slice(0, W)), Float32Array.from(values.slice(W))], W)).toEqual(want);
  });

  it("keeps rows of Uint8Array pixels as pixels, to be scaled like a flat Uint8Array", () => {
    const rows = [Uint8Array.from([0, 1, 2, 3, 255]), Uint8Array.from([9, 8, 7, 6, 5])];
    const out = toInputRows(rows, W);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 255, 9, 8, 7, 6, 5]);
  });

  it("gives zero rows for an empty array", () => {
    expect(toInputRows([], W)).toEqual(new Float32Array(0));
  });

  it.each([
    ["a flat array that is not whole rows", Array(7).fill(0), "Invalid inputs: expected a multiple of 5 values (rows of 5), got 7 values."],
    ["a Float64Array that is not whole rows", new Float64Array(4), "Invalid inputs: expected a multiple of 5 values (rows of 5), got 4 values."],
    ["a Uint8Array that is not whole rows", new Uint8Array(6), "Invalid inputs: expected a multiple of 5 values (rows of 5), got 6 values."],
    ["a nested row of the wrong width", [[1, 2, 3, 4, 5], [1, 2, 3]],
      "Invalid inputs[1]: expected 5 values (the model's inputs), got 3. Pass one flat row per example (a 28×28 image as 784 values, row by row)."],
  ])("refuses %s with a ShapeError", (_, x, message) => {
    const error = thrown(() => toInputRows(x, W));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe(message);
  });

  it.each([
    ["a string", "1,2,3,4,5", "inputs"],
    ["an object", { length: 5 }, "inputs"],
    ["an Int32Array", new Int32Array(5), "inputs"],
    ["a flat array with a string in it", [1, 2, "3", 4, 5], "inputs[2]"],
    ["a flat array with a row in it", [1, [2], 3, 4, 5], "inputs[1]"],
    ["a nested array with a number among the rows", [[1, 2, 3, 4, 5], 6], "inputs[1]"],
    ["a nested row with a string in it", [[1, 2, 3, 4, "5"]], "inputs[0][4]"],
    ["a nested array with a hole", [[1, 2, , 4, 5]], "inputs[0][2]"],
    ["pixel rows mixed with feature rows", [new Uint8Array(5), [1, 2, 3, 4, 5]], "inputs[1]"],
  ])("refuses %s with an OptionError naming where", (_, x, option) => {
    const error = thrown(() => toInputRows(x, W));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe(option);
  });
});

describe("predict and predictProba on plain arrays", () => {
  const model = new MLP({ layers: [W, 4, 3], seed: 1, weightStd: 1 });
  const f32 = randomF32(3 * W, 5, 0, 1);
  beforeAll(async () => { await init(); });

  it("give the Float32Array results for one example as number[], for several as number[][] or Float64Array", () => {
    const want = model.predictProba(f32), classes = Array.from(model.predict(f32));
    expect(model.predictProba(Array.from(f32.subarray(0, W)))).toEqual(want.subarray(0, 3));
    const rows = [0, 1, 2].map((r) => Array.from(f32.subarray(r * W, (r + 1) * W)));
    expect(model.predictProba(rows)).toEqual(want);
    expect(Array.from(model.predict(rows))).toEqual(classes);
    expect(model.predictProba(Float64Array.from(f32))).toEqual(want);
  });

  it("give rows of Uint8Array pixels the results of the flat Uint8Array", () => {
    const u8 = randomU8(2 * W, 6);
    expect(model.predictProba([u8.subarray(0, W), u8.subarray(W)])).toEqual(model.predictProba(u8));
  });

  it("refuse a nested row of the wrong width with a ShapeError", () => {
    expect(() => model.predict([[1, 2, 3]])).toThrow(ShapeError);
  });
});
