import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { FASHION_MNIST_FILES, FASHION_MNIST_KEYS, type FashionMNISTChecksums, type FashionMNISTFiles } from "../../src/data/fashion-mnist/constants.js";

export const sha = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** The checksum table that the generated files satisfy. */
export function checksumsOf(files: FashionMNISTFiles): FashionMNISTChecksums {
  const entry = (bytes: Uint8Array) => ({ gz: sha(bytes), raw: sha(gunzipSync(bytes)) });
  return {
    trainImages: entry(files.trainImages),
    trainLabels: entry(files.trainLabels),
    testImages: entry(files.testImages),
    testLabels: entry(files.testLabels),
  };
}

/** Files under their canonical names, as a mirror would serve them. */
export function byName(files: FashionMNISTFiles): Record<string, Uint8Array> {
  return Object.fromEntries(FASHION_MNIST_KEYS.map((key) => [FASHION_MNIST_FILES[key], files[key]]));
}

/** Writes the four files into `dir` under their canonical names (without `.gz`, decompressed, for `gz: false`). */
export async function writeDataset(dir: string, files: FashionMNISTFiles, { gz = true } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const key of FASHION_MNIST_KEYS) {
    const name = gz ? FASHION_MNIST_FILES[key] : FASHION_MNIST_FILES[key].replace(/\.gz$/, "");
    await writeFile(join(dir, name), gz ? files[key] : gunzipSync(files[key]));
  }
}
