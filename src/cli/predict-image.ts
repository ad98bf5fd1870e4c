// `wasm-softmax predict --image FILE`: a user's PNG or PGM, as the model sees it, and its class probabilities.
import { readFile } from "node:fs/promises";
import { decodeImage, imageToPixels } from "../data/image.js";
import { FASHION_MNIST_CLASSES } from "../data/fashion-mnist/constants.js";
import type { Runtime } from "../runtime/runtime.js";
import type { DenseNetwork } from "../model/network.js";
import { ShapeError } from "../errors.js";
import { pathFlag, switchFlag, usageError } from "./args.js";
import { CliError, classNames, classTitle, describeModel, fileErrorReason, json } from "./output.js";
import type { Output } from "./output.js";
import { bar, renderImage, stdoutMode } from "./terminal.js";
import type { ImageMode } from "./terminal.js";

export const IMAGE_FLAG = pathFlag("--image", {
  help: "a PNG or PGM to classify instead of a test image (grey or colour, resized to the model's square)",
  rule: "an image file path",
});
export const INVERT_FLAG = switchFlag("--invert", "with --image: 255 − v, for dark drawings on a light background");

const BAR_WIDTH = 30;
const KINDS = { 1: "grey", 2: "grey + alpha", 3: "RGB", 4: "RGBA" } as const;

/** Usage errors of --image and the flags it excludes, before anything is loaded. */
export function checkImageFlags(o: { image: string | undefined; invert: boolean }, given: ReadonlySet<string>): void {
  if (o.image === undefined) {
    if (o.invert) throw usageError("predict", "Invalid --invert: expected it only with --image.");
    return;
  }
  for (const flag of ["index", "data"]) {
    if (given.has(flag)) throw usageError("predict", `Invalid --${flag}: expected --image or --${flag}, not both.`);
  }
}

export async function predictImage(model: DenseNetwork, file: string, path: string, o: { invert: boolean; json: boolean }, out: Output,
  runtime: Runtime): Promise<number> {
  const side = Math.round(Math.sqrt(model.inputs));
  if (side * side !== model.inputs) {
    throw new ShapeError(file, "a model whose inputs are a square image (784 = 28 × 28)", describeModel(model.config),
      "Use --index with its test data instead.");
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new CliError(`Cannot read --image ${path}: ${fileErrorReason(error)}.`);
  }
  const image = await decodeImage(bytes, { source: path });
  const pixels = imageToPixels(image, { size: side, invert: o.invert });
  const p = model.predictProba(pixels, { runtime });
  // A model saved without labels (before models kept them) that has ten classes was trained on Fashion-MNIST here.
  const names = model.labels || model.classes !== 10 ? classNames(model) : [...FASHION_MNIST_CLASSES];
  const order = names.map((_, c) => c).sort((a, b) => p[b]! - p[a]! || a - b);
  const predicted = order[0]!;

  if (o.json) {
    out.io.stdout(json({
      image: path, width: image.width, height: image.height, inverted: o.invert, predicted: names[predicted], predictedIndex: predicted,
      probabilities: Object.fromEntries(order.map((c) => [names[c], p[c]])),
    }));
    return 0;
  }
  const mode = stdoutMode(out.io);
  const resized = image.width === side && image.height === side ? "" : `, resized to ${side} × ${side}`;
  let text = `model: ${describeModel(model.config)} from ${file}\n` +
    `image: ${path} (${image.width} × ${image.height} ${KINDS[image.channels]}${resized}${o.invert ? ", inverted" : ""})\n\n` +
    renderImage(pixels, side, side, mode) + "\n" +
    `predicted:  ${classTitle(names, predicted)} (${p[predicted]!.toFixed(4)})\n\n` +
    "class probabilities:\n" + probabilityLines(names.map((_, c) => classTitle(names, c)), order, p, mode);
  out.io.stdout(text);
  return 0;
}

/** One line per class, most probable first: its number and name, probability and a bar. */
export function probabilityLines(titles: readonly string[], order: readonly number[], p: Float32Array, mode: ImageMode): string {
  const width = Math.max(...titles.map((t) => t.length));
  return order.map((c) => `  ${titles[c]!.padEnd(width)}  ${p[c]!.toFixed(4)}  ${bar(p[c]!, BAR_WIDTH, mode)}`.trimEnd() + "\n").join("");
}
