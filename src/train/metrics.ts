import type { Dataset } from "../data/dataset.js";
import { classNamesRule } from "../data/dataset.js";
import type { DenseNetwork, PredictOptions } from "../model/network.js";
import { checkFits } from "../model/network.js";
import { checkFewKeys, checkOr } from "../validate.js";

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
  checkFewKeys("confusionMatrix", options, ["runtime"]);
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

/** Precision, recall, F1 and support of one class, or their average over the classes. */
export interface ClassScores {
  /** Of the examples predicted as this class, the share that are (0 when none is predicted, as in scikit-learn). */
  precision: number;
  /** Of the examples of this class, the share predicted as it (0 when it has none). */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** Examples of this class in the data (for an average: all examples). */
  support: number;
}

/** What `classificationReport` returns: scikit-learn's classification report, as values. */
export interface ClassificationReport {
  /** One entry per class, in class order, each with its name. */
  classes: (ClassScores & { name: string })[];
  accuracy: number;
  /** The unweighted mean over classes: every class counts the same, however rare. */
  macro: ClassScores;
  /** The mean over classes weighted by support. */
  weighted: ClassScores;
  /** counts[true][predicted], classes × classes. */
  confusion: number[][];
}

/** Options of `classificationReport`. */
export interface ClassificationReportOptions extends PredictOptions {
  /** One name per class. Default: the model's labels, else the data's class names, else "0", "1", …. */
  classNames?: readonly string[];
}

/**
 * Precision, recall, F1 and support of `model` on `data` for each class, with their macro and support-weighted
 * averages and the accuracy, as scikit-learn's `classification_report` gives them (a ratio with nothing to count
 * is 0, as its `zero_division` default makes it).
 * @throws {OptionError} for an unknown option, or class names that are not one string per class.
 * @throws {ShapeError} when the data's features or classes do not match the model.
 * @throws {WasmError} before `init()` when no `runtime` is given.
 * @example
 * const report = classificationReport(model, test);
 * console.table(report.classes); // name, precision, recall, f1, support
 */
export function classificationReport(model: DenseNetwork, data: Dataset, options?: ClassificationReportOptions): ClassificationReport {
  const o = checkFewKeys("classificationReport", options, ["runtime", "classNames"]);
  const names = checkOr("classNames", o.classNames, classNamesRule(data.classes), undefined)
    ?? model.labels ?? data.classNames ?? Array.from({ length: data.classes }, (_, c) => String(c));
  const { confusion, accuracy } = confusionMatrix(model, data, o.runtime === undefined ? undefined : { runtime: o.runtime });
  return reportOf(confusion, names, accuracy);
}

/** @internal The report of a confusion matrix (counts[true][predicted]). */
export function reportOf(confusion: readonly (readonly number[])[], names: readonly string[], accuracy: number): ClassificationReport {
  const C = confusion.length, total = confusion.flat().reduce((a, b) => a + b, 0);
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const classes = names.map((name, c) => {
    const hits = confusion[c]![c]!, support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[c]!, 0);
    const precision = ratio(hits, predicted), recall = ratio(hits, support);
    return { name, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const mean = (weight: (s: ClassScores) => number, sum: number): ClassScores => ({
    precision: ratio(classes.reduce((a, s) => a + weight(s) * s.precision, 0), sum),
    recall: ratio(classes.reduce((a, s) => a + weight(s) * s.recall, 0), sum),
    f1: ratio(classes.reduce((a, s) => a + weight(s) * s.f1, 0), sum),
    support: total,
  });
  return { classes, accuracy, macro: mean(() => 1, C), weighted: mean((s) => s.support, total), confusion: confusion.map((row) => [...row]) };
}
