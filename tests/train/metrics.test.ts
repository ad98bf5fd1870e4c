import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { Dataset } from "../../src/data/dataset.js";
import { classificationReport, confusionMatrix, reportOf } from "../../src/train/metrics.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { BACKENDS } from "../../src/kernels/contract.js";
import type { Backend } from "../../src/kernels/contract.js";

const runtimes = new Map<Backend, Runtime>(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));

// Softmax regression with W = 10·I and b = 0: the logits are the inputs scaled, so the predicted class is the
// argmax of the input row.
function argmaxModel(classes: number): SoftmaxRegression {
  const model = new SoftmaxRegression({ inputs: classes, classes });
  const params = new Float32Array(model.size);
  for (let c = 0; c < classes; c++) params[c * classes + c] = 10;
  model.setParameters(params);
  return model;
}

// Inputs whose argmax is `predicted`; labels are the truth.
const predicted = [0, 0, 1, 2, 2, 2, 1, 0, 2];
const labels = [0, 1, 1, 2, 2, 0, 1, 0, 1];
const rows = (values: number[], classes: number, peak: number) =>
  values.flatMap((p, i) => Array.from({ length: classes }, (_, c) => (c === p ? peak : ((i + c) % 3) / 10)));

describe.each(BACKENDS)("confusionMatrix with the %s backend", (backend) => {
  const runtime = { runtime: runtimes.get(backend)! };

  it("counts true classes by row and predicted classes by column", () => {
    const data = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3 });
    const model = argmaxModel(3);
    expect(Array.from(model.predict(data, runtime))).toEqual(predicted);
    const { confusion, perClass, accuracy } = confusionMatrix(model, data, runtime);
    // true 0: predicted 0, 2, 0 · true 1: predicted 0, 1, 1, 2 · true 2: predicted 2, 2.
    expect(confusion).toEqual([
      [2, 0, 1],
      [1, 2, 1],
      [0, 0, 2],
    ]);
    expect(confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([3, 4, 2]);
    expect(perClass[0]).toBeCloseTo(2 / 3, 12);
    expect(perClass[1]).toBe(0.5);
    expect(perClass[2]).toBe(1);
    expect(accuracy).toBe(6 / 9);
  });

  it("reads Uint8 pixels the same way (scaled to [0, 1])", () => {
    const data = Dataset.fromArrays(Uint8Array.from(rows(predicted, 3, 0.9).map((v) => Math.round(v * 255))), labels,
      { features: 3, classes: 3 });
    expect(confusionMatrix(argmaxModel(3), data, runtime).accuracy).toBe(6 / 9);
  });

  it("gives NaN accuracy for a class with no examples, and 1 overall when every prediction is right", () => {
    const truth = [0, 1, 0, 1];
    const data = Dataset.fromArrays(Float32Array.from(rows(truth, 4, 0.9)), truth, { features: 4, classes: 4 });
    const { confusion, perClass, accuracy } = confusionMatrix(argmaxModel(4), data, runtime);
    expect(confusion).toEqual([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(perClass).toEqual([1, 1, NaN, NaN]);
    expect(accuracy).toBe(1);
  });

  it.each([
    ["features", { features: 4, classes: 3 }, /Invalid dataset: expected 3 features per example \(the model's input width\), got 4\./],
    ["classes", { features: 3, classes: 4 }, /Invalid dataset: expected 3 classes \(the model's output width\), got 4\./],
  ])("throws a ShapeError when the data's %s do not match the model", (_what, shape, message) => {
    const data = Dataset.fromArrays(new Float32Array(2 * shape.features), [0, 1], shape);
    expect(() => confusionMatrix(argmaxModel(3), data, runtime)).toThrow(ShapeError);
    expect(() => confusionMatrix(argmaxModel(3), data, runtime)).toThrow(message);
  });
});

describe("confusionMatrix options", () => {
  it("runs on the runtime given and refuses an unknown option key listing the known one", () => {
    const data = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3 });
    const error = (() => { try { confusionMatrix(argmaxModel(3), data, { runtme: runtimes.get("js") } as never); } catch (e) { return e as Error; } })();
    expect(error).toBeInstanceOf(OptionError);
    expect(error!.message).toBe('Unknown confusionMatrix option "runtme". Known options: runtime.');
  });
});

describe.each(BACKENDS)("classificationReport with the %s backend", (backend) => {
  const runtime = { runtime: runtimes.get(backend)! };

  it("gives precision, recall, F1 and support per class, their macro and support-weighted means, and accuracy", () => {
    const data = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3 });
    const report = classificationReport(argmaxModel(3), data, runtime);
    // Confusion [[2, 0, 1], [1, 2, 1], [0, 0, 2]]: class 0 is predicted 3 times, right twice, of 3 examples;
    // class 1 predicted twice, both right, of 4; class 2 predicted 4 times, right twice, of 2. Every F1 is 2/3.
    expect(report.confusion).toEqual([[2, 0, 1], [1, 2, 1], [0, 0, 2]]);
    expect(report.classes.map((c) => c.name)).toEqual(["0", "1", "2"]);
    expect(report.classes.map((c) => c.support)).toEqual([3, 4, 2]);
    const expected = [[2 / 3, 2 / 3, 2 / 3], [1, 1 / 2, 2 / 3], [1 / 2, 1, 2 / 3]];
    report.classes.forEach((c, i) => {
      expect(c.precision).toBeCloseTo(expected[i]![0]!, 14);
      expect(c.recall).toBeCloseTo(expected[i]![1]!, 14);
      expect(c.f1).toBeCloseTo(expected[i]![2]!, 14);
    });
    expect(report.macro.precision).toBeCloseTo(13 / 18, 14);
    expect(report.macro.recall).toBeCloseTo(13 / 18, 14);
    expect(report.macro.f1).toBeCloseTo(2 / 3, 14);
    expect(report.macro.support).toBe(9);
    // Weighted by support 3, 4, 2: precision (2 + 4 + 1) / 9; recall is the accuracy.
    expect(report.weighted.precision).toBeCloseTo(7 / 9, 14);
    expect(report.weighted.recall).toBeCloseTo(6 / 9, 14);
    expect(report.weighted.f1).toBeCloseTo(2 / 3, 14);
    expect(report.accuracy).toBe(6 / 9);
  });

  it("labels the classes with the data's class names, or with the names given", () => {
    const data = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3, classNames: ["cat", "dog", "owl"] });
    expect(classificationReport(argmaxModel(3), data, runtime).classes.map((c) => c.name)).toEqual(["cat", "dog", "owl"]);
    expect(classificationReport(argmaxModel(3), data, { ...runtime, classNames: ["x", "y", "z"] }).classes.map((c) => c.name)).toEqual(["x", "y", "z"]);
  });

  it("labels the classes with the model's labels before the data's names, when the model has them", () => {
    const named = new SoftmaxRegression({ inputs: 3, classes: 3, labels: ["ant", "bee", "cod"] });
    named.setParameters(argmaxModel(3).getParameters());
    const data = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3, classNames: ["cat", "dog", "owl"] });
    expect(classificationReport(named, data, runtime).classes.map((c) => c.name)).toEqual(["ant", "bee", "cod"]);
    const unnamed = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3 });
    expect(classificationReport(named, unnamed, runtime).classes.map((c) => c.name)).toEqual(["ant", "bee", "cod"]);
  });
});

describe("classificationReport", () => {
  it("scores a class never predicted, or never present, 0 (scikit-learn's zero_division default), and keeps it in the macro mean", () => {
    // All four examples right, classes 2 and 3 absent: precision, recall and F1 of 1, 1, 0, 0.
    const report = reportOf([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], ["a", "b", "c", "d"], 1);
    expect(report.classes.map((c) => [c.precision, c.recall, c.f1, c.support])).toEqual([[1, 1, 1, 2], [1, 1, 1, 2], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(report.macro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 4 });
    expect(report.weighted).toEqual({ precision: 1, recall: 1, f1: 1, support: 4 });
    // Class 1 predicted once and never right: precision 0; its recall, with no examples, 0 too.
    const wrong = reportOf([[1, 1], [0, 0]], ["a", "b"], 0.5);
    expect(wrong.classes[0]).toEqual({ name: "a", precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
    expect(wrong.classes[1]).toEqual({ name: "b", precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it("refuses class names that are not one string per class, and an unknown option listing the known ones", () => {
    const data = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3 });
    const runtime = runtimes.get("js")!;
    const names = (() => { try { classificationReport(argmaxModel(3), data, { runtime, classNames: ["a", "b"] }); } catch (e) { return e as OptionError; } })();
    expect(names).toBeInstanceOf(OptionError);
    expect(names!.message).toBe('Invalid classNames: expected an array of 3 strings, got array(2).');
    const unknown = (() => { try { classificationReport(argmaxModel(3), data, { runtime, classnames: [] } as never); } catch (e) { return e as OptionError; } })();
    expect(unknown!.message).toBe('Unknown classificationReport option "classnames". Known options: runtime, classNames.');
  });
});
