import { mkdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { DatasetNotFoundError, FormatError, OptionError } from "../errors.js";
import { writeFileAtomic } from "../atomic-node.js";
import {
  FASHION_MNIST_FILES,
  FASHION_MNIST_KEYS,
  FASHION_MNIST_MIRROR,
  checkDownloadOptions,
  checkFiles,
  checkOptionKeys,
  checkUrl,
  datasetsFromFiles,
  fetchFashionMNISTFiles,
  withClassNames,
  type FashionMNIST,
  type FashionMNISTDownloadOptions,
  type FashionMNISTFileKey,
  type FashionMNISTFiles,
} from "./fashion-mnist.js";

/** Where the Debian package `dataset-fashion-mnist` installs the four .gz files. */
export const FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";

/** Options of the Node `loadFashionMNIST`: the browser loader's, plus directories, the cache and a download. */
export interface NodeLoadFashionMNISTOptions extends FashionMNISTDownloadOptions {
  /** A directory holding the four files (gzipped or not); used alone, it must have them. */
  dir?: string;
  /** Base URL serving the four .gz files; used alone. */
  url?: string | URL;
  /** The four files' bytes; used alone. */
  files?: FashionMNISTFiles;
  /** Cache directory (default $XDG_CACHE_HOME/wasm-softmax/fashion-mnist or ~/.cache/wasm-softmax/fashion-mnist). */
  cacheDir?: string;
  /** Download from `mirror` when no local copy exists (default true). */
  download?: boolean;
  /** Environment to read FASHION_MNIST_DIR, XDG_CACHE_HOME and HOME from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Directory of the system-wide copy (default FASHION_MNIST_SYSTEM_DIR). */
  systemDir?: string;
  /** Base URL to download from (default FASHION_MNIST_MIRROR). */
  mirror?: string | URL;
}

/** Which rule found the data: an explicit option, `$FASHION_MNIST_DIR`, the cache, the system dir or a download. */
export type FashionMNISTSourceKind = "dir" | "url" | "files" | "env" | "cache" | "system" | "download";

/** What the Node `loadFashionMNIST` returns: the train and test sets and where they came from. */
export interface LoadedFashionMNIST extends FashionMNIST {
  /** The directory or URL the data came from ("files" for bytes passed in). */
  source: string;
  kind: FashionMNISTSourceKind;
  /** After a download: the cache directory the files were written to (absent when it could not be written). */
  cachedTo?: string;
}

const NODE_OPTIONS = [
  "dir", "url", "files", "cacheDir", "download", "env", "fetch", "verify", "checksums", "onProgress", "systemDir",
  "mirror", "classNames", "signal",
] as const;

/**
 * Loads Fashion-MNIST in Node from the first source that has it: `dir` / `url` / `files`, then
 * `$FASHION_MNIST_DIR`, the user cache, the Debian package's directory, and finally a verified download that is
 * cached for next time.
 * @throws {DatasetNotFoundError} when no source has the data (listing every place tried), or an explicit `dir` or
 *   `$FASHION_MNIST_DIR` lacks files (naming them).
 * @throws {FormatError} for a checksum mismatch, corrupt gzip or malformed IDX data.
 * @throws {OptionError} for more than one of `dir`, `url`, `files`, or a malformed option.
 * @example
 * const { train, test, source } = await loadFashionMNIST();
 */
export async function loadFashionMNIST(options: NodeLoadFashionMNISTOptions = {}): Promise<LoadedFashionMNIST> {
  return withClassNames(await load(options), options.classNames);
}

async function load(options: NodeLoadFashionMNISTOptions): Promise<LoadedFashionMNIST> {
  checkOptionKeys(options, NODE_OPTIONS, () => undefined);
  checkDownloadOptions(options);
  for (const key of ["dir", "cacheDir", "systemDir"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new OptionError(key, "a non-empty directory path", value);
    }
  }
  if (options.download !== undefined && typeof options.download !== "boolean") {
    throw new OptionError("download", "a boolean", options.download);
  }
  if (options.env !== undefined && (options.env === null || typeof options.env !== "object")) {
    throw new OptionError("env", "an object of environment variables", options.env);
  }
  const explicit = (["dir", "url", "files"] as const).filter((key) => options[key] !== undefined);
  if (explicit.length > 1) {
    throw new OptionError("options", "at most one of `dir`, `url` or `files`", explicit.join(" and "),
      "Pass one source; leave all three out to search $FASHION_MNIST_DIR, the cache and the system directory.");
  }

  if (options.files !== undefined) {
    checkFiles(options.files);
    return { ...(await datasetsFromFiles(options.files, "files")), source: "files", kind: "files" };
  }
  if (options.url !== undefined) {
    const url = checkUrl(options.url, "url");
    const { files, labels } = await fetchFashionMNISTFiles(url, options);
    return { ...(await datasetsFromFiles(files, String(url), labels)), source: String(url), kind: "url" };
  }
  if (options.dir !== undefined) {
    const dir = resolve(options.dir);
    const found = await probeDir(dir);
    if (!found.ok) {
      throw new DatasetNotFoundError([`${dir} (${found.reason})`],
        `Put ${expectedNames()} in ${dir} (gzipped or not), or leave out \`dir\` to search the usual places.`);
    }
    return { ...(await readDir(dir, found.names, options)), source: dir, kind: "dir" };
  }

  const env = options.env ?? process.env;
  const tried: string[] = [];

  const envDir = env.FASHION_MNIST_DIR;
  if (envDir) {
    const dir = resolve(envDir);
    const found = await probeDir(dir);
    // A set variable is a deliberate choice: falling through to another copy would hide a typo in it.
    if (!found.ok) {
      throw new DatasetNotFoundError([`$FASHION_MNIST_DIR=${dir} (${found.reason})`],
        `Put ${expectedNames()} in ${dir}, or unset FASHION_MNIST_DIR to search the cache and system directory.`);
    }
    return { ...(await readDir(dir, found.names, options)), source: dir, kind: "env" };
  }
  tried.push("$FASHION_MNIST_DIR (not set)");

  const cacheDir = resolve(options.cacheDir ?? fashionMNISTCacheDir(env));
  const cached = await probeDir(cacheDir);
  if (cached.ok) {
    try {
      return { ...(await readDir(cacheDir, cached.names, options)), source: cacheDir, kind: "cache" };
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      throw new FormatError(error.source, error.expected, error.actual,
        `The cached copy is damaged: delete ${cacheDir} and call loadFashionMNIST again to re-download it.`);
    }
  }
  tried.push(`cache ${cacheDir} (${cached.reason})`);

  const systemDir = resolve(options.systemDir ?? FASHION_MNIST_SYSTEM_DIR);
  const system = await probeDir(systemDir);
  if (system.ok) {
    return { ...(await readDir(systemDir, system.names, options)), source: systemDir, kind: "system" };
  }
  tried.push(`${systemDir} (${system.reason}; Debian package dataset-fashion-mnist)`);

  const mirror = String(checkUrl(options.mirror ?? FASHION_MNIST_MIRROR, "mirror"));
  const hint = notFoundHint(mirror);
  if (options.download === false) {
    tried.push(`download from ${mirror} (disabled by download: false)`);
    throw new DatasetNotFoundError(tried, hint);
  }
  let files: FashionMNISTFiles;
  let labels: Record<FashionMNISTFileKey, string>;
  try {
    ({ files, labels } = await fetchFashionMNISTFiles(mirror, options));
  } catch (error) {
    if (!(error instanceof DatasetNotFoundError)) throw error;
    throw new DatasetNotFoundError([...tried, ...error.tried.map((place) => `download ${place}`)], hint);
  }
  // Parse before caching so that data which does not load never lands in the cache.
  const data = await datasetsFromFiles(files, mirror, labels);
  const written = await writeCache(cacheDir, files);
  return { ...data, source: mirror, kind: "download", ...(written ? { cachedTo: cacheDir } : {}) };
}

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

type Probe =
  | { ok: true; names: Record<FashionMNISTFileKey, string> }
  | { ok: false; reason: string };

// A directory has the dataset when each of the four files exists, gzipped or not.
async function probeDir(dir: string): Promise<Probe> {
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

async function readDir(
  dir: string,
  names: Record<FashionMNISTFileKey, string>,
  options: NodeLoadFashionMNISTOptions,
): Promise<FashionMNIST> {
  const paths = Object.fromEntries(FASHION_MNIST_KEYS.map((key) => [key, join(dir, names[key])])) as
    Record<FashionMNISTFileKey, string>;
  const bytes = await Promise.all(FASHION_MNIST_KEYS.map(async (key) => {
    const buffer = await readFile(paths[key]);
    options.onProgress?.({ file: paths[key], loaded: buffer.length, total: buffer.length });
    // A plain Uint8Array view, so Dataset.x never carries Buffer's different slice() semantics.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }));
  const files = Object.fromEntries(FASHION_MNIST_KEYS.map((key, i) => [key, bytes[i]!])) as FashionMNISTFiles;
  return datasetsFromFiles(files, dir, paths);
}

// Each file goes to a unique temporary name and is renamed into place, so a reader (or a concurrent download)
// never sees a half-written file. Returns false when the cache cannot be written (read-only home, full disk):
// the data is already in memory, so that must not fail the load.
async function writeCache(cacheDir: string, files: FashionMNISTFiles): Promise<boolean> {
  try {
    await mkdir(cacheDir, { recursive: true });
    await Promise.all(FASHION_MNIST_KEYS.map((key) => writeFileAtomic(join(cacheDir, FASHION_MNIST_FILES[key]), files[key])));
    return true;
  } catch {
    return false;
  }
}

function expectedNames(): string {
  return Object.values(FASHION_MNIST_FILES).join(", ");
}

function notFoundHint(mirror: string): string {
  return "Pass loadFashionMNIST({ dir: \"/path/to/fashion-mnist\" }), set FASHION_MNIST_DIR to a directory holding " +
    `${expectedNames()}, run \`apt-get install dataset-fashion-mnist\` (Debian, Ubuntu), ` +
    `or allow the download from ${mirror}.`;
}
