// The user cache: where it is, and writing downloaded files into it.
import { mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { writeFileAtomic } from "../../atomic-node.js";
import { FASHION_MNIST_FILES, FASHION_MNIST_KEYS, type FashionMNISTFiles } from "../fashion-mnist/constants.js";

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
 * Writes the four downloaded files into `cacheDir`; false when the cache cannot be written (read-only home, full
 * disk): the data is already in memory, so that must not fail the load.
 */
export async function writeCache(cacheDir: string, files: FashionMNISTFiles): Promise<boolean> {
  try {
    await mkdir(cacheDir, { recursive: true });
    // Each file goes to a unique temporary name and is renamed into place, so a reader (or a concurrent
    // download) never sees a half-written file.
    await Promise.all(FASHION_MNIST_KEYS.map((key) => writeFileAtomic(join(cacheDir, FASHION_MNIST_FILES[key]), files[key])));
    return true;
  } catch {
    return false;
  }
}
