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
      .toBe('Unknown Dataset option "labels". Known options: features, classes, imageShape, classNames, scale, allowNonFinite.');
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

describe("Dataset.fromArrays and non-finite features", () => {
  it.each([["NaN", Number.NaN], ["Infinity", Infinity], ["-Infinity", -Infinity]])(
    "refuses %s in a feature, naming the row and column of the first one", (shown, bad) => {
      const xs = new Float32Array([0, 1, 1, 0, 0.5, 0.5]);
      xs[5] = Number.NaN;
      xs[3] = bad;
      const error = thrown(make({ features: 2, classes: 2 }, xs));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe(`Invalid feature at row 1, column 1: expected a finite number, got ${shown}. ` +
        "Replace missing or overflowing values before training (for example by the column's mean), or pass " +
        "{ allowNonFinite: true } to keep them: losses and predictions that read them are NaN.");
    });

  it("refuses a value that `scale` overflows to Infinity", () => {
    const error = thrown(make({ features: 2, classes: 2, scale: 1e10 }, new Float32Array([0, 1, 3e38, 0, 0.5, 0.5])));
    expect(error.message).toMatch(/^Invalid feature at row 1, column 0: expected a finite number, got Infinity\./);
  });

  it("keeps them with { allowNonFinite: true }, and refuses an allowNonFinite that is not a boolean", () => {
    const xs = new Float32Array([0, Number.NaN, 1, 0, 0.5, Infinity]);
    const data = Dataset.fromArrays(xs, y, { features: 2, classes: 2, allowNonFinite: true });
    expect(data.x).toBe(xs);
    expect(data.row(0)[1]).toBeNaN();
    expect(optionError(make({ features: 2, classes: 2, allowNonFinite: "yes" }, xs)).message)
      .toBe('Invalid allowNonFinite: expected true or false, got "yes".');
  });

  it("checks pixels given as Uint8Array for nothing: every byte is finite", () => {
    expect(Dataset.fromArrays(new Uint8Array([0, 255, 7, 9]), [0, 1], { features: 2, classes: 2 }).length).toBe(2);
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

describe("Dataset.fromArrays with pixels as floats", () => {
  const pixels = Float32Array.from({ length: 3 * 4 }, (_, i) => (i * 23) % 256);
  const labels = new Int32Array([0, 1, 2]);
  const shape = { features: 4, classes: 3 };

  it("refuses a Float32Array of integers in [0, 255] above 1 without `scale`, naming the option", () => {
    const error = optionError(() => Dataset.fromArrays(pixels, labels, shape));
    expect(error.option).toBe("scale");
    expect(error.message).toBe("Invalid scale: expected a scale for Float32 values that look like raw pixels (integers in [0, 255]), " +
      "got undefined. Pass `scale: 1 / 255` to train on [0, 1] as Uint8 pixels are, or `scale: 1` to keep the values as they are.");
    // One 255 among fractions is not raw pixels; a single value above 1 among integers is.
    expect(() => Dataset.fromArrays(new Float32Array([0, 255, 0, 2]), [0], shape)).toThrow(OptionError);
  });

  it.each([
    ["scaled to [0, 1]", [0, 0.5, 1, 0.25]],
    ["binary", [0, 1, 1, 0]],
    ["with a negative value", [-1, 2, 3, 4]],
    ["above 255", [0, 256, 3, 4]],
    ["with a fraction", [0, 2.5, 3, 4]],
  ])("keeps a Float32Array %s as it is, without `scale`", (_, values) => {
    const xs = Float32Array.from(values);
    expect(Dataset.fromArrays(xs, [0], shape).x).toBe(xs);
  });

  it("multiplies by the f32 constant once: `scale: 1 / 255` gives the bits a Uint8Array gets in its batches", () => {
    const u8 = Uint8Array.from(pixels);
    const data = Dataset.fromArrays(pixels, labels, { ...shape, scale: 1 / 255 });
    expect(data.x).not.toBe(pixels);
    expect(data.x).toBeInstanceOf(Float32Array);
    expect(Array.from(data.x)).toEqual(Array.from(u8, (v) => Math.fround(v * U8_SCALE)));
    expect(Array.from(data.row(1))).toEqual(Array.from(Dataset.fromArrays(u8, labels, shape).row(1)));
    expect(Array.from(pixels.subarray(0, 3))).toEqual([0, 23, 46]); // the caller's array is left alone
  });

  it("keeps raw-looking values with `scale: 1`, in a subset too, and scales Uint8 pixels into floats", () => {
    const kept = Dataset.fromArrays(pixels, labels, { ...shape, scale: 1 });
    expect(Array.from(kept.x)).toEqual(Array.from(pixels));
    expect(Array.from(kept.subset([2, 0]).x)).toEqual([...pixels.subarray(8, 12), ...pixels.subarray(0, 4)]);
    const fromBytes = Dataset.fromArrays(Uint8Array.from([0, 10, 20, 255]), [1], { ...shape, scale: 0.5 });
    expect(fromBytes.x).toEqual(new Float32Array([0, 5, 10, 127.5]));
  });

  it.each([[0], [-1], [Number.NaN], [Infinity], ["0.1"]])("refuses scale %j: expected a finite number > 0", (scale) => {
    const error = optionError(make({ ...shape, scale }, pixels, labels));
    expect(error.message).toMatch(/^Invalid scale: expected a finite number > 0, got /);
  });
});
