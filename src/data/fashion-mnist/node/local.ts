// Reading the four files from a directory on disk (an explicit dir, $FASHION_MNIST_DIR, the cache, the system dir).
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { DatasetNotFoundError, FormatError } from "../../../errors.js";
import { formatBytes } from "../../../util/limits.js";
import { FASHION_MNIST_FILES, FASHION_MNIST_KEYS, type FashionMNISTFileKey, type FashionMNISTFiles } from "../constants.js";
import type { FashionMNISTProgress } from "../options.js";

export type Probe =
  | { ok: true; names: Record<FashionMNISTFileKey, string> }
  | { ok: false; reason: string };

/** Whether `dir` has the dataset: each of the four files, gzipped or not; else why not. */
export async function probeDir(dir: string): Promise<Probe> {
  try {
    if (!(await stat(dir)).isDirectory()) return { ok: false, reason: "not a directory" };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "ENOENT" ? "does not exist" : `not readable (${code ?? String(error)})` };
  }
  const names: Partial<Record<FashionMNISTFileKey, string>> = {};
  const missing: string[] = [];
  for (const key of FASHION_MNIST_KEYS) {
    const gz = FASHION_MNIST_FILES[key];
    const raw = gz.replace(/\.gz$/, "");
    // The uncompressed file is preferred when both exist: it skips a decompression.
    for (const name of [raw, gz]) {
      if (await isFile(join(dir, name))) {
        names[key] = name;
        break;
      }
    }
    if (names[key] === undefined) missing.push(`${raw}[.gz]`);
  }
  if (missing.length === FASHION_MNIST_KEYS.length) return { ok: false, reason: "no Fashion-MNIST files" };
  if (missing.length > 0) return { ok: false, reason: `missing ${missing.join(", ")}` };
  return { ok: true, names: names as Record<FashionMNISTFileKey, string> };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The bytes of the files `probeDir` found in `dir`, and the path of each (to name it in errors). A file larger than
 * `maxBytes` is refused by its size, before it is read.
 */
export async function readDir(
  dir: string,
  names: Record<FashionMNISTFileKey, string>,
  onProgress: ((event: FashionMNISTProgress) => void) | undefined,
  maxBytes: number,
): Promise<{ files: FashionMNISTFiles; paths: Record<FashionMNISTFileKey, string> }> {
  const paths = Object.fromEntries(FASHION_MNIST_KEYS.map((key) => [key, join(dir, names[key])])) as
    Record<FashionMNISTFileKey, string>;
  const bytes = await Promise.all(FASHION_MNIST_KEYS.map(async (key) => {
    const path = paths[key];
    const size = await stat(path).then((s) => s.size, () => undefined);
    if (size !== undefined && size > maxBytes) {
      throw new FormatError(path, `at most ${formatBytes(maxBytes)} (maxBytes)`, `${size} bytes (${formatBytes(size)})`,
        "This is not a Fashion-MNIST file (the largest is 30 MB gzipped, 47 MB not); if it is genuine, pass a larger `maxBytes`.");
    }
    let buffer: Buffer;
    try {
      buffer = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
      throw new DatasetNotFoundError([`${path} (not readable: ${code})`],
        "Check that the file is readable by this user (ls -l), or pass another directory.");
    }
    onProgress?.({ file: path, loaded: buffer.length, total: buffer.length });
    // A plain Uint8Array view, so Dataset.x never carries Buffer's different slice() semantics.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }));
  const files = Object.fromEntries(FASHION_MNIST_KEYS.map((key, i) => [key, bytes[i]!])) as FashionMNISTFiles;
  return { files, paths };
}
