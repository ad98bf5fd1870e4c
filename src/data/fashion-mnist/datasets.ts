// From the four files' bytes to the train and test Datasets.
import { Dataset } from "../dataset.js";
import { maybeGunzip } from "../../codecs/gzip.js";
import { idxSize, parseIdxPair, type IdxKind } from "../idx.js";
import { FormatError } from "../../errors.js";
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_CLASS_COUNT,
  FASHION_MNIST_KEYS,
  type FashionMNISTFileKey,
  type FashionMNISTFiles,
} from "./constants.js";
import { checkFiles } from "./options.js";

export interface FashionMNIST {
  train: Dataset;
  test: Dataset;
}

/**
 * Gunzips (when needed) and parses the four files into the train and test Datasets, with 10 classes and their names;
 * each IDX header is checked from the first inflated bytes (an images or a labels file, within the limits), and
 * decompression stops at the size it declares and at `maxBytes`.
 * @throws {FormatError} for corrupt, oversized or trailing gzip data, malformed IDX data, or a set of 0 images; the
 *   error names the file.
 * @throws {OptionError} when a file is not a Uint8Array.
 * @example
 * const { train, test } = await datasetsFromFiles({ trainImages, trainLabels, testImages, testLabels }, "upload");
 */
export async function datasetsFromFiles(
  files: FashionMNISTFiles,
  source: string,
  labels?: Partial<Record<FashionMNISTFileKey, string>>,
  limits: { maxBytes?: number } = {},
): Promise<FashionMNIST> {
  checkFiles(files);
  const maxBytes = limits.maxBytes !== undefined ? { maxBytes: limits.maxBytes } : {};
  const label = (key: FashionMNISTFileKey) => labels?.[key] ?? `${source} ${key}`;
  const kind = (key: FashionMNISTFileKey): IdxKind => (key.endsWith("Images") ? "images" : "labels");
  // Decompressing in parallel lets Node's zlib use its thread pool for all four files at once.
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(FASHION_MNIST_KEYS.map((key) =>
    maybeGunzip(files[key], label(key), { ...maxBytes, declaredSize: (head, name) => idxSize(head, name, kind(key)) })),
  ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const common = { classes: FASHION_MNIST_CLASS_COUNT, classNames: FASHION_MNIST_CLASSES };
  const train = parseIdxPair(trainImages, trainLabels, {
    ...common, source: `${source} (train)`, imagesSource: label("trainImages"), labelsSource: label("trainLabels"),
  });
  const test = parseIdxPair(testImages, testLabels, {
    ...common, source: `${source} (test)`, imagesSource: label("testImages"), labelsSource: label("testLabels"),
  });
  for (const [set, key] of [[train, "trainImages"], [test, "testImages"]] as const) {
    if (set.length === 0) {
      throw new FormatError(label(key), "at least one image", "0 images (an empty set)",
        "Pass the files of a data set that has examples: this one is empty or its header is damaged.");
    }
  }
  return { train, test };
}

/**
 * The datasets renamed to `classNames`, or as they are without it.
 * @internal used by both loaders, which have checked `classNames` already.
 */
export function withClassNames<T extends FashionMNIST>(data: T, classNames: readonly string[] | undefined): T {
  if (classNames === undefined) return data;
  const rename = (d: Dataset) => Dataset.fromArrays(d.x, d.targets ?? d.y, {
    features: d.features, classes: d.classes, classNames, ...(d.imageShape ? { imageShape: d.imageShape } : {}),
  });
  return { ...data, train: rename(data.train), test: rename(data.test) };
}
