import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { Dataset } from "../../src/data/dataset.js";
import { confusionMatrix } from "../../src/train/metrics.js";
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
  it("runs on the runtime given and refuses an unknown option key with the nearest name", () => {
    const data = Dataset.fromArrays(Float32Array.from(rows(predicted, 3, 0.9)), labels, { features: 3, classes: 3 });
    const error = (() => { try { confusionMatrix(argmaxModel(3), data, { runtme: runtimes.get("js") } as never); } catch (e) { return e as Error; } })();
    expect(error).toBeInstanceOf(OptionError);
    expect(error!.message).toBe('Unknown confusionMatrix option "runtme". Did you mean "runtime"?');
  });
});
