import { describe, expect, it } from "vitest";
import { Dataset, U8_SCALE } from "../../src/data/dataset.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { optionError, thrown } from "../helpers/errors.js";

const x = new Float32Array([0, 1, 1, 0, 0.5, 0.5]);
const y = new Int32Array([0, 1, 1]);
const make = (options: unknown, xs: unknown = x, ys: unknown = y) =>
  () => Dataset.fromArrays(xs as Float32Array, ys as Int32Array, options as never);

describe("Dataset.fromArrays", () => {
  it("wraps the arrays without copying them and keeps the metadata", () => {
    const data = Dataset.fromArrays(x, y, { features: 2, classes: 2, imageShape: [1, 2], classNames: ["a", "b"] });
    expect(data.x).toBe(x);
    expect(data.y).toBe(y);
    expect(data.length).toBe(3);
    expect(data.imageShape).toEqual([1, 2]);
    expect(data.classNames).toEqual(["a", "b"]);
    expect(data.targets).toBeUndefined();
  });

  it("converts labels of another array type once", () => {
    const data = Dataset.fromArrays(x, [0, 1, 1], { features: 2, classes: 2 });
    expect(data.y).toEqual(new Int32Array([0, 1, 1]));
  });

  it("takes a Float32Array of classes values per example as targets, with each row's argmax as its label", () => {
    const targets = new Float32Array([0.9, 0.1, 0.2, 0.8, 0.4, 0.6]);
    const data = Dataset.fromArrays(x, targets, { features: 2, classes: 2 });
    expect(data.targets).toBe(targets);
    expect(Array.from(data.y)).toEqual([0, 1, 1]);
  });

  it("refuses an unknown option and names the nearest known one", () => {
    const error = optionError(make({ features: 2, classes: 2, clases: 2 }));
    expect(error.message).toBe('Unknown Dataset option "clases". Did you mean "classes"?');
    expect(optionError(make({ features: 2, classes: 2, labels: y })).message)
      .toBe('Unknown Dataset option "labels". Known options: features, classes, imageShape, classNames.');
  });

  it("refuses options that are not an object", () => {
    expect(optionError(make(null)).message).toBe("Invalid Dataset options: expected an object, got null.");
    expect(optionError(make(undefined)).message).toBe("Invalid features: expected an integer ≥ 1, got undefined.");
  });

  it.each([0, -1, 1.5, "2", Number.NaN])("refuses features = %s", (features) => {
    const error = optionError(make({ features, classes: 2 }));
    expect(error.option).toBe("features");
    expect(error.rule).toBe("an integer ≥ 1");
  });

  it.each([1, 0, 2.5, "10", undefined])("refuses classes = %s", (classes) => {
    const error = optionError(make({ features: 2, classes }));
    expect(error.option).toBe("classes");
    expect(error.rule).toBe("an integer ≥ 2");
  });

  it.each([["a number", 6], ["one dimension", [2]], ["a zero side", [0, 2]], ["a fraction", [0.5, 4]]])(
    "refuses an imageShape that is %s", (_what, imageShape) => {
      const error = optionError(make({ features: 2, classes: 2, imageShape }));
      expect(error.option).toBe("imageShape");
      expect(error.rule).toBe("[height, width], two positive integers");
    });

  it("refuses an imageShape whose area is not the number of features, giving both", () => {
    expect(optionError(make({ features: 2, classes: 2, imageShape: [2, 2] })).message)
      .toBe("Invalid imageShape: expected [height, width] with height × width = 2, got 4. " +
        "[2, 2] holds 4 values; each example has 2.");
  });

  it("refuses class names that are not one string per class", () => {
    expect(optionError(make({ features: 2, classes: 2, classNames: ["a"] })).message)
      .toBe("Invalid classNames: expected an array of 2 strings, got array(1).");
    expect(optionError(make({ features: 2, classes: 2, classNames: ["a", 2] })).option).toBe("classNames");
    expect(optionError(make({ features: 2, classes: 2, classNames: "ab" })).option).toBe("classNames");
  });

  it("refuses x that is not a Uint8Array or Float32Array", () => {
    expect(optionError(make({ features: 2, classes: 2 }, [0, 1, 1, 0, 0, 0])).message)
      .toBe("Invalid x: expected a Uint8Array or Float32Array, got array(6).");
    expect(optionError(make({ features: 2, classes: 2 }, new Float64Array(6))).option).toBe("x");
  });

  it("refuses y that is not array-like", () => {
    expect(optionError(make({ features: 2, classes: 2 }, x, null)).message)
      .toBe("Invalid y: expected an array of integer labels (or a Float32Array of targets), got null.");
    expect(optionError(make({ features: 2, classes: 2 }, x, 3)).option).toBe("y");
  });

  it("refuses x whose length is not labels × features, with a ShapeError", () => {
    const error = thrown(make({ features: 4, classes: 2 }));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe("Invalid x: expected 3 labels × 4 features = 12 values, got 6. " +
      "Pass one row of features per label.");
  });

  it.each([["above the classes", [0, 2, 1], "2"], ["negative", [0, -1, 1], "-1"], ["fractional", [0, 0.5, 1], "0.5"]])(
    "refuses a label %s, giving its index", (_what, labels, shown) => {
      const error = thrown(make({ features: 2, classes: 2 }, x, labels));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe(`Invalid label at index 1: expected an integer in [0, 2), got ${shown}. ` +
        "Check that `classes` counts every class in the data.");
    });

  it("refuses a target that is not finite, giving its index", () => {
    const error = thrown(make({ features: 2, classes: 2 }, x, new Float32Array([1, 0, Number.NaN, 1, 0, 1])));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toContain("Invalid target at index 2: expected a finite number, got NaN.");
  });
});

describe("Dataset.subset and Dataset.row", () => {
  const data = Dataset.fromArrays(new Uint8Array([0, 255, 10, 20, 30, 40]), [1, 0, 1],
    { features: 2, classes: 2, imageShape: [1, 2], classNames: ["a", "b"] });

  it("copies the chosen examples into a new Dataset with the same metadata", () => {
    const part = data.subset([2, 0]);
    expect(Array.from(part.x)).toEqual([30, 40, 0, 255]);
    expect(Array.from(part.y)).toEqual([1, 1]);
    expect(part.imageShape).toEqual([1, 2]);
    expect(part.classNames).toEqual(["a", "b"]);
  });

  it("keeps the targets of the chosen examples", () => {
    const soft = Dataset.fromArrays(x, new Float32Array([0.9, 0.1, 0.2, 0.8, 0.4, 0.6]), { features: 2, classes: 2 });
    expect(Array.from(soft.subset([1]).targets!)).toEqual([Math.fround(0.2), Math.fround(0.8)]);
  });

  it("refuses an index outside the data, naming its position", () => {
    const error = optionError(() => data.subset([0, 3]));
    expect(error.message).toBe("Invalid indices[1]: expected an integer in [0, 3), got 3.");
    expect(optionError(() => data.subset([0.5])).option).toBe("indices[0]");
  });

  it("scales a u8 row to [0, 1] with the kernels' constant", () => {
    expect(Array.from(data.row(0))).toEqual([0, Math.fround(255 * U8_SCALE)]);
  });

  it("refuses a row index outside the data", () => {
    expect(optionError(() => data.row(-1)).message).toBe("Invalid index: expected an integer in [0, 3), got -1.");
    expect(thrown(() => data.row(3))).toBeInstanceOf(OptionError);
  });
});
