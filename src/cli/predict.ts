// `wasm-softmax predict`: one test image in the terminal, its true label and the model's class probabilities.
import { RULES } from "../validate.js";
import { loadCheckpoint } from "../io/files-node.js";
import { BACKEND_FLAG, DATA_FLAG, THREADS_FLAG, JSON_FLAG, MODEL_FILE_FLAG, command, integerFlag, required, usageError } from "./args.js";
import type { Values } from "./args.js";
import { checkModelFits, classNames, classTitle, cliRuntime, describeModel, describeSource, json, loadData } from "./output.js";
import type { Output } from "./output.js";
import { renderImage, stdoutMode } from "./terminal.js";
import { IMAGE_FLAG, INVERT_FLAG, checkImageFlags, predictImage, probabilityLines } from "./predict-image.js";

const PREDICT_FLAGS = {
  model: MODEL_FILE_FLAG,
  index: integerFlag("--index", { help: "which test image, counting from 0", default: 0, rule: RULES.countOrZero }),
  data: DATA_FLAG,
  backend: BACKEND_FLAG,
  threads: THREADS_FLAG,
  json: JSON_FLAG,
  image: IMAGE_FLAG,
  invert: INVERT_FLAG,
};

export const PREDICT = command({
  name: "predict",
  summary: "a test image, its label and a saved model's class probabilities",
  flags: PREDICT_FLAGS,
  examples: ["predict --model mlp.wsmx --index 0", "predict --model mlp.wsmx --index 42 --json", "predict --model mlp.wsmx --image shoe.png --invert"],
  run: predictCommand,
});


async function predictCommand(o: Values<typeof PREDICT_FLAGS>, out: Output, given: ReadonlySet<string>): Promise<number> {
  const file = required(o.model, PREDICT_FLAGS.model, "predict");
  checkImageFlags(o, given);
  using runtime = await cliRuntime(o);
  const { model } = await loadCheckpoint(file);
  if (o.image !== undefined) return await predictImage(model, file, o.image, o, out, runtime);
  const data = await loadData(o.data, out);
  const test = data.test, F = test.features, index = o.index;
  checkModelFits(file, model, test, "Use it on the data it was trained on.");
  if (index >= test.length) {
    throw usageError("predict", `Invalid --index: expected an integer in [0, ${test.length}) (the test set's size), got "${index}".`);
  }
  const pixels = test.x.subarray(index * F, (index + 1) * F);
  const p = model.predictProba(pixels, { runtime });
  const names = classNames(model, test);
  const order = names.map((_, c) => c).sort((a, b) => p[b]! - p[a]! || a - b);
  const label = test.y[index]!, predicted = order[0]!;

  if (o.json) {
    out.io.stdout(json({
      index, label: names[label], labelIndex: label, predicted: names[predicted], predictedIndex: predicted,
      probabilities: Object.fromEntries(order.map((c) => [names[c], p[c]])),
    }));
    return 0;
  }
  const mode = stdoutMode(out.io);
  const [rows, cols] = test.imageShape ?? [1, F];
  const greys = pixels instanceof Uint8Array ? pixels : Array.from(pixels, (v) => v * 255);
  const titles = names.map((_, c) => classTitle(names, c)), titleWidth = Math.max(...titles.map((t) => t.length));
  let text = `model: ${describeModel(model.config)} from ${file}\n` +
    `test image ${index} of ${test.length} from ${describeSource(data)}\n\n` +
    renderImage(greys, rows, cols, mode) + "\n" +
    `true label: ${titles[label]}\n` +
    `predicted:  ${titles[predicted]} (${p[predicted]!.toFixed(4)}), ${predicted === label ? "right" : "wrong"}\n\n` +
    "class probabilities:\n" + probabilityLines(titles, order, p, mode);
  out.io.stdout(text);
  return 0;
}
