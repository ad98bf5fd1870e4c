import { gzipSync } from "node:zlib";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BANDED_COLS, BANDED_ROWS, bandedImages } from "../../bench/shared/banded.js";
import { FASHION_MNIST_FILES, FASHION_MNIST_KEYS, type FashionMNISTFiles } from "../../src/data/fashion-mnist.js";

/** Pixel value at (image, row, col), or one value for every pixel. */
export type Fill = number | ((index: number, row: number, col: number) => number);

/** An unsigned-byte IDX images file (magic 0x00000803): `count` images of `rows` × `cols` pixels. */
export function makeIdxImages(count: number, rows: number, cols: number, fill: Fill = 0): Uint8Array {
  const bytes = new Uint8Array(16 + count * rows * cols);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  let offset = 16;
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) bytes[offset++] = typeof fill === "number" ? fill : fill(i, r, c);
    }
  }
  return bytes;
}

/** An unsigned-byte IDX labels file (magic 0x00000801). */
export function makeIdxLabels(labels: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(8 + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000801);
  view.setUint32(4, labels.length);
  bytes.set(Array.from(labels), 8);
  return bytes;
}

/** Gzipped copy of `bytes`, as a plain Uint8Array. */
export function gzip(bytes: Uint8Array): Uint8Array {
  const out = gzipSync(bytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A tiny Fashion-MNIST look-alike: `train` and `test` examples of 2 × 3 pixels whose labels cycle through 0..9,
 * with pixel values that encode the example index so tests can check which file was read. `mark` is added to
 * every pixel, to tell copies from different places apart.
 */
export function makeFashionFiles(
  { train = 20, test = 10, gz = true, mark = 0 }: { train?: number; test?: number; gz?: boolean; mark?: number } = {},
): { trainImages: Uint8Array; trainLabels: Uint8Array; testImages: Uint8Array; testLabels: Uint8Array } {
  const pack = gz ? gzip : (bytes: Uint8Array) => bytes;
  const labels = (n: number) => Array.from({ length: n }, (_, i) => i % 10);
  const pixels = (i: number, r: number, c: number) => (mark + i + r * 3 + c) % 256;
  return {
    trainImages: pack(makeIdxImages(train, 2, 3, pixels)),
    trainLabels: pack(makeIdxLabels(labels(train))),
    testImages: pack(makeIdxImages(test, 2, 3, pixels)),
    testLabels: pack(makeIdxLabels(labels(test))),
  };
}

/** Where the test split of `writeLearnableFashionDir` starts counting examples, so no test image equals a train one. */
export const TEST_OFFSET = 100_000;

/**
 * The four gzipped 28×28 Fashion-MNIST files of the banded look-alike (bench/shared/banded.js): examples
 * 0 … trainCount−1 for training, TEST_OFFSET onwards for testing.
 */
export function learnableFashionFiles(trainCount: number, testCount: number): FashionMNISTFiles {
  const split = (count: number, first: number) => {
    const { images, labels } = bandedImages(count, first);
    const pixels = BANDED_ROWS * BANDED_COLS;
    return {
      images: gzip(makeIdxImages(count, BANDED_ROWS, BANDED_COLS, (i, r, c) => images[i * pixels + r * BANDED_COLS + c]!)),
      labels: gzip(makeIdxLabels(labels)),
    };
  };
  const train = split(trainCount, 0), test = split(testCount, TEST_OFFSET);
  return { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels };
}

/** Writes `learnableFashionFiles` into `dir` under their canonical names. */
export async function writeLearnableFashionDir(dir: string, trainCount: number, testCount: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = learnableFashionFiles(trainCount, testCount);
  await Promise.all(FASHION_MNIST_KEYS.map((key) => writeFile(join(dir, FASHION_MNIST_FILES[key]), files[key])));
}

/** The arrays one after another, in one new array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
