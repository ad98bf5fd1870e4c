// Reading a directory: sizes are checked before a file is read, and an unreadable file is a typed error.
import { chmod, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatasetNotFoundError, FormatError } from "../../../../src/errors.js";
import { FASHION_MNIST_FILES, FASHION_MNIST_KEYS } from "../../../../src/data/fashion-mnist/constants.js";
import { loadFashionMNIST } from "../../../../src/data/fashion-mnist/node/load.js";
import { writeDataset } from "../../../helpers/fashion.js";
import { makeFashionFiles } from "../../../helpers/idx.js";
import { rejection } from "../../../helpers/errors.js";

const files = makeFashionFiles();
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wasm-softmax-dir-"));
  await writeDataset(dir, files);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("reading a directory", () => {
  it("refuses a file larger than maxBytes by its size, before reading it", async () => {
    const sizes = FASHION_MNIST_KEYS.map((key) => files[key].length).sort((a, b) => b - a);
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
    const largest = FASHION_MNIST_KEYS.find((key) => files[key].length === sizes[0])!;
    const error = await rejection(loadFashionMNIST({ dir, maxBytes: sizes[1]! }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(`Invalid ${join(dir, FASHION_MNIST_FILES[largest])}: expected at most ${sizes[1]} bytes ` +
      `(maxBytes), got ${sizes[0]} bytes (${sizes[0]} bytes). This is not a Fashion-MNIST file (the largest is 30 MB ` +
      "gzipped, 47 MB not); if it is genuine, pass a larger `maxBytes`.");
  });

  it("applies maxBytes to decompression too", async () => {
    const largestGz = Math.max(...FASHION_MNIST_KEYS.map((key) => files[key].length));
    // The four files inflate in parallel, so whichever file over the cap is found first is the one named.
    const over = FASHION_MNIST_KEYS.map((key) => [join(dir, FASHION_MNIST_FILES[key]), gunzipSync(files[key]).length] as const)
      .filter(([, inflated]) => inflated > largestGz);
    expect(over.length).toBeGreaterThan(0);
    const error = await rejection(loadFashionMNIST({ dir, maxBytes: largestGz }));
    expect(error).toBeInstanceOf(FormatError);
    const expected = over.map(([path, inflated]) =>
      `Invalid ${path}: expected at most ${largestGz} bytes once decompressed (maxBytes), got a header declaring ${inflated} bytes`);
    expect(expected.some((start) => error.message.startsWith(start)), `${error.message}\nnot one of\n${expected.join("\n")}`).toBe(true);
  });

  it("reports a file too large for the runtime to read as a DatasetNotFoundError, not a RangeError", async () => {
    // Sparse: 3 GiB on paper, no disk used. Node reads at most 2 GiB into one buffer.
    const path = join(dir, FASHION_MNIST_FILES.trainImages.replace(/\.gz$/, ""));
    await writeFile(path, new Uint8Array(0));
    await truncate(path, 3 * 2 ** 30);
    const error = await rejection(loadFashionMNIST({ dir, maxBytes: 2 ** 32 }));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain(`${path} (not readable: ERR_FS_FILE_TOO_LARGE)`);
  });

  it.skipIf(process.getuid?.() === 0)("reports a file it may not read as a DatasetNotFoundError naming it", async () => {
    const path = join(dir, FASHION_MNIST_FILES.testLabels);
    await chmod(path, 0o000);
    const error = await rejection(loadFashionMNIST({ dir }));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain(`${path} (not readable: EACCES)`);
  });
});
