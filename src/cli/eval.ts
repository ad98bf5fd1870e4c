// `wasm-softmax eval`: a saved model's accuracy, loss, confusion matrix and classification report on the test set.
import { evaluate } from "../train/evaluate.js";
import { classificationReport } from "../train/metrics.js";
import type { ClassificationReport, ClassScores } from "../train/metrics.js";
import { loadCheckpoint } from "../io/files-node.js";
import { BACKEND_FLAG, DATA_FLAG, THREADS_FLAG, JSON_FLAG, MODEL_FILE_FLAG, command, required } from "./args.js";
import type { Values } from "./args.js";
import { checkModelFits, classNames, cliRuntime, describeRuntime, describeModel, describeSource, json, loadData } from "./output.js";
import type { Output } from "./output.js";
import { formatTable } from "./table.js";

const EVAL_FLAGS = {
  model: MODEL_FILE_FLAG,
  data: DATA_FLAG,
  backend: BACKEND_FLAG,
  threads: THREADS_FLAG,
  json: JSON_FLAG,
};

export const EVAL = command({
  name: "eval",
  summary: "test accuracy, loss, confusion matrix and per-class precision, recall and F1 of a saved model",
  flags: EVAL_FLAGS,
  examples: ["eval --model mlp.wsmx", "eval --model mlp.wsmx --json > eval.json"],
  run: evalCommand,
});

async function evalCommand(o: Values<typeof EVAL_FLAGS>, out: Output): Promise<number> {
  const file = required(o.model, EVAL_FLAGS.model, "eval");
  using runtime = await cliRuntime(o);
  const { model, training } = await loadCheckpoint(file);
  const data = await loadData(o.data, out);
  const test = data.test;
  checkModelFits(file, model, test, "Evaluate it on the data it was trained on.");
  const { loss } = evaluate(model, test, { runtime });
  const names = classNames(model, test);
  const report = classificationReport(model, test, { runtime, classNames: names });
  const { confusion, accuracy } = report, perClass = report.classes.map((c) => (c.support ? c.recall : NaN));

  const trained = training ? `, trained ${training.epoch} epoch${training.epoch === 1 ? "" : "s"}` : "";
  out.info(`backend: ${describeRuntime(runtime)}  data: ${describeSource(data)} (${test.length} test)\n` +
    `model: ${describeModel(model.config)} from ${file}${trained}\n${model.summary()}\n`, o.json);
  if (o.json) {
    const scores = ({ precision, recall, f1, support }: ClassScores) => ({ precision, recall, f1, support });
    out.io.stdout(json({
      accuracy, loss, perClass: Object.fromEntries(names.map((name, c) => [name, perClass[c]])), confusion,
      report: { classes: Object.fromEntries(report.classes.map((c) => [c.name, scores(c)])), macro: scores(report.macro), weighted: scores(report.weighted) },
    }));
    return 0;
  }
  out.io.stdout(`test accuracy: ${accuracy.toFixed(4)}  test loss: ${loss.toFixed(4)} (cross-entropy, ${test.length} examples)\n\n` +
    "confusion matrix: rows are the true classes, columns the predicted ones; acc is each row's accuracy\n" +
    confusionTable(names, confusion, perClass) + "\n" +
    "classification report: precision = right / predicted as the class, recall = right / of the class, f1 their harmonic mean\n" +
    reportTable(report));
  return 0;
}

/** scikit-learn's classification report: one row per class, then accuracy, the macro and the support-weighted means. */
export function reportTable(report: ClassificationReport): string {
  const row = (label: string, s: ClassScores) => [label, s.precision.toFixed(4), s.recall.toFixed(4), s.f1.toFixed(4), String(s.support)];
  return formatTable(
    [{ header: "class", align: "left" }, { header: "precision" }, { header: "recall" }, { header: "f1" }, { header: "support" }],
    [
      ...report.classes.map((c) => row(c.name, c)),
      ["accuracy", "", "", report.accuracy.toFixed(4), String(report.macro.support)],
      row("macro avg", report.macro),
      row("weighted avg", report.weighted),
    ],
  );
}

/** Class names down the side, abbreviated names across the top, each row's accuracy at the end. */
export function confusionTable(names: readonly string[], confusion: readonly (readonly number[])[], perClass: readonly number[]): string {
  const width = Math.max(4, ...confusion.flat().map((n) => String(n).length));
  const short = names.map((name) => name.slice(0, width));
  // Names alike in their first letters would make the columns ambiguous: number them instead.
  const numbered = new Set(short).size !== short.length;
  const headers = numbered ? names.map((_, c) => String(c)) : short;
  const rowLabels = numbered ? names.map((name, c) => `${c} ${name}`) : names;
  return formatTable(
    [{ header: "true \\ predicted", align: "left" }, ...headers.map((header) => ({ header })), { header: "acc" }],
    confusion.map((row, c) => [rowLabels[c]!, ...row.map(String), Number.isNaN(perClass[c]) ? "-" : perClass[c]!.toFixed(4)]),
  );
}
