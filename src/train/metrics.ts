import type { Dataset } from "../data/dataset.js";
import type { DenseNetwork, PredictOptions } from "../model/network.js";
import { checkFits } from "../model/network.js";
import { checkKeys } from "../validate.js";

/** What `confusionMatrix` returns. */
export interface ClassReport {
  /** counts[true][predicted], classes × classes. */
  confusion: number[][];
  /** Accuracy of each true class (recall). */
  perClass: number[];
  accuracy: number;
}

/**
 * The confusion matrix and per-class accuracy of `model` on `data`.
 * @throws {OptionError} for an unknown option.
 * @throws {ShapeError} when the data's features or classes do not match the model.
 * @throws {WasmError} before `init()` when no `runtime` is given.
 * @example
 * const { confusion, perClass, accuracy } = confusionMatrix(model, test);
 */
export function confusionMatrix(model: DenseNetwork, data: Dataset, options?: PredictOptions): ClassReport {
  checkKeys("confusionMatrix", options, ["runtime"]);
  checkFits(model, data);
  const C = data.classes, predicted = model.predict(data, options);
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let correct = 0;
  for (let i = 0; i < data.length; i++) {
    confusion[data.y[i]!]![predicted[i]!]!++;
    if (data.y[i] === predicted[i]) correct++;
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[c]! / total : NaN;
  });
  return { confusion, perClass, accuracy: data.length ? correct / data.length : NaN };
}
