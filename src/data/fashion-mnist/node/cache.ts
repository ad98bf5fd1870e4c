// The user cache: where it is, writing downloaded files into it with a checksum stamp, and checking it on reads.
import { mkdir, readFile, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { FormatError } from "../../../errors.js";
import { writeFileAtomic } from "../../../util/atomic-node.js";
import { sha256Hex, verifyFashionMNISTFile } from "../checksums.js";
import {
  FASHION_MNIST_FILES,
  FASHION_MNIST_KEYS,
  type FashionMNISTChecksums,
  type FashionMNISTFileKey,
  type FashionMNISTFiles,
} from "../constants.js";

/**
 * The cache's stamp: the SHA-256 of each file as it was written after a verified download, in `sha256sum` format
 * (so `sha256sum -c SHA256SUMS` checks the cache too).
 */
export const CACHE_STAMP = "SHA256SUMS";

/**
 * The user cache directory for Fashion-MNIST: `$XDG_CACHE_HOME/wasm-softmax/fashion-mnist`, else
 * `~/.cache/wasm-softmax/fashion-mnist` (`%LOCALAPPDATA%` on Windows).
 * @example
 * fashionMNISTCacheDir({ XDG_CACHE_HOME: "/tmp/cache" }); // "/tmp/cache/wasm-softmax/fashion-mnist"
 */
export function fashionMNISTCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, "wasm-softmax", "fashion-mnist");
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "wasm-softmax", "fashion-mnist");
  return join(env.HOME || homedir(), ".cache", "wasm-softmax", "fashion-mnist");
}

/**
 * Writes the four downloaded (and verified) files into `cacheDir`, then their stamp; false when the cache cannot
 * be written (read-only home, full disk): the data is already in memory, so that must not fail the load.
 */
export async function writeCache(cacheDir: string, files: FashionMNISTFiles): Promise<boolean> {
  try {
    await mkdir(cacheDir, { recursive: true });
    // An uncompressed copy is read before the .gz file of the same name: a damaged one must not outlive this.
    await Promise.all(FASHION_MNIST_KEYS.map((key) => rm(join(cacheDir, rawName(key)), { force: true })));
    // Each file goes to a unique temporary name and is renamed into place, so a reader (or a concurrent
    // download) never sees a half-written file; the stamp comes last, so it never vouches for a missing one.
    await Promise.all(FASHION_MNIST_KEYS.map((key) => writeFileAtomic(join(cacheDir, FASHION_MNIST_FILES[key]), files[key])));
    await writeStamp(cacheDir, FASHION_MNIST_KEYS.map((key) => [FASHION_MNIST_FILES[key], files[key]]));
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the cached files are damaged, or undefined when they are sound. A stamped cache is ours: each file must match
 * its stamp (one SHA-256), or, when the stamp does not list it, the published checksums. A cache without a stamp
 * (written by an older version, or by hand) is checked against `checksums` and stamped when it matches; when it
 * does not, it is someone's own data, loaded as it is (like a `dir`).
 */
export async function checkCache(
  cacheDir: string,
  files: FashionMNISTFiles,
  paths: Record<FashionMNISTFileKey, string>,
  checksums: FashionMNISTChecksums,
): Promise<string | undefined> {
  const stamp = await readStamp(cacheDir);
  const names = FASHION_MNIST_KEYS.map((key) => basename(paths[key]));
  const reasons = await Promise.all(FASHION_MNIST_KEYS.map(async (key, i): Promise<string | undefined> => {
    const name = names[i]!;
    const stamped = stamp?.get(name);
    if (stamped !== undefined) {
      const actual = await sha256Hex(files[key]);
      return actual === stamped ? undefined : `${name} has SHA-256 ${actual}, not the ${stamped} in ${CACHE_STAMP}`;
    }
    try {
      await verifyFashionMNISTFile(files[key], checksums[key], paths[key]);
      return undefined;
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      return `${name} has SHA-256 ${error.actual}, not the published one`;
    }
  }));
  const reason = reasons.find((r) => r !== undefined);
  if (stamp === undefined) {
    if (reason !== undefined) return undefined;
    // Best effort: a cache that cannot be stamped is checked against the table again next time.
    await writeStamp(cacheDir, FASHION_MNIST_KEYS.map((key, i) => [names[i]!, files[key]])).catch(() => {});
  }
  return reason;
}

function rawName(key: FashionMNISTFileKey): string {
  return FASHION_MNIST_FILES[key].replace(/\.gz$/, "");
}

async function writeStamp(cacheDir: string, entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
  const lines = await Promise.all(entries.map(async ([name, bytes]) => `${await sha256Hex(bytes)}  ${name}\n`));
  await writeFileAtomic(join(cacheDir, CACHE_STAMP), new TextEncoder().encode(lines.join("")));
}

async function readStamp(cacheDir: string): Promise<Map<string, string> | undefined> {
  let text: string;
  try {
    text = await readFile(join(cacheDir, CACHE_STAMP), "utf8");
  } catch {
    return undefined;
  }
  const entries = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/i.exec(line.trimEnd());
    if (match) entries.set(match[2]!, match[1]!.toLowerCase());
  }
  return entries;
}
