// The Node loader's search order: explicit dir / url / files, $FASHION_MNIST_DIR, the user cache, the system
// directory, then a verified download that is cached for next time.
import { resolve } from "node:path";
import { DatasetNotFoundError, FormatError } from "../../../errors.js";
import { DEFAULT_MAX_BYTES } from "../../../util/limits.js";
import {
  FASHION_MNIST_MIRROR,
  FASHION_MNIST_SHA256,
  fashionMNISTFileList,
  type FashionMNISTFileKey,
  type FashionMNISTFiles,
} from "../constants.js";
import { datasetsFromFiles, withClassNames, type FashionMNIST } from "../datasets.js";
import { fetchFashionMNISTFiles } from "../download.js";
import { checkNodeLoadOptions, type NodeLoadFashionMNISTOptions } from "./options.js";
import { checkCache, fashionMNISTCacheDir, writeCache } from "./cache.js";
import { probeDir, readDir } from "./local.js";

/** Where the Debian package `dataset-fashion-mnist` installs the four .gz files. */
export const FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";

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

/**
 * Loads Fashion-MNIST in Node from the first source that has it: `dir` / `url` / `files`, then
 * `$FASHION_MNIST_DIR`, the user cache, the Debian package's directory, and finally a verified download that is
 * cached for next time. The cache is checked against its SHA256SUMS stamp on every read; a damaged cache is passed
 * over and replaced by the download.
 * @throws {DatasetNotFoundError} when no source has the data (listing every place tried, a damaged cache included),
 *   an explicit `dir` or `$FASHION_MNIST_DIR` lacks files (naming them) or has an unreadable one, or a download
 *   fails, times out, stalls or is larger than `maxBytes`.
 * @throws {FormatError} for a checksum mismatch, corrupt, oversized or trailing gzip data, a file larger than
 *   `maxBytes`, or malformed IDX data.
 * @throws {OptionError} for more than one of `dir`, `url`, `files`, an unknown option (naming the nearest known
 *   one), or a malformed option.
 * @example
 * const { train, test, source } = await loadFashionMNIST();
 */
export async function loadFashionMNIST(options: NodeLoadFashionMNISTOptions = {}): Promise<LoadedFashionMNIST> {
  const opts = checkNodeLoadOptions(options);
  return withClassNames(await load(opts), opts.classNames);
}

async function load(options: NodeLoadFashionMNISTOptions): Promise<LoadedFashionMNIST> {
  if (options.files !== undefined) {
    return { ...(await datasetsFromFiles(options.files, "files", undefined, options)), source: "files", kind: "files" };
  }
  if (options.url !== undefined) {
    const url = options.url;
    const { files, labels } = await fetchFashionMNISTFiles(url, options);
    return { ...(await datasetsFromFiles(files, String(url), labels, options)), source: String(url), kind: "url" };
  }
  if (options.dir !== undefined) {
    const dir = resolve(options.dir);
    const found = await probeDir(dir);
    if (!found.ok) {
      throw new DatasetNotFoundError([`${dir} (${found.reason})`],
        `Put ${fashionMNISTFileList()} in ${dir} (gzipped or not), or leave out \`dir\` to search the usual places.`);
    }
    return { ...(await loadDir(dir, found.names, options)), source: dir, kind: "dir" };
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
        `Put ${fashionMNISTFileList()} in ${dir}, or unset FASHION_MNIST_DIR to search the cache and system directory.`);
    }
    return { ...(await loadDir(dir, found.names, options)), source: dir, kind: "env" };
  }
  tried.push("$FASHION_MNIST_DIR (not set)");

  const cacheDir = resolve(options.cacheDir ?? fashionMNISTCacheDir(env));
  const cached = await probeDir(cacheDir);
  let damage: string | undefined;
  if (cached.ok) {
    // A damaged cache is passed over like a missing one, so the download below replaces it.
    try {
      const { files, paths } = await readDir(cacheDir, cached.names, options.onProgress, maxBytes(options));
      damage = options.verify === false
        ? undefined
        : await checkCache(cacheDir, files, paths, options.checksums ?? FASHION_MNIST_SHA256);
      if (damage === undefined) {
        return { ...(await datasetsFromFiles(files, cacheDir, paths, options)), source: cacheDir, kind: "cache" };
      }
    } catch (error) {
      if (!(error instanceof FormatError) && !(error instanceof DatasetNotFoundError)) throw error;
      damage = error instanceof FormatError ? error.message : error.tried.join("; ");
    }
    tried.push(`cache ${cacheDir} (damaged: ${damage})`);
  } else {
    tried.push(`cache ${cacheDir} (${cached.reason})`);
  }

  const systemDir = resolve(options.systemDir ?? FASHION_MNIST_SYSTEM_DIR);
  const system = await probeDir(systemDir);
  if (system.ok) {
    return { ...(await loadDir(systemDir, system.names, options)), source: systemDir, kind: "system" };
  }
  tried.push(`${systemDir} (${system.reason}; Debian package dataset-fashion-mnist)`);

  const mirror = String(options.mirror ?? FASHION_MNIST_MIRROR);
  const hint = (damage === undefined ? "" : `The cache ${cacheDir} is damaged: allow the download to replace it, or delete it. `) +
    notFoundHint(mirror);
  if (options.download === false) {
    tried.push(`download from ${mirror} (disabled by download: false)`);
    throw new DatasetNotFoundError(tried, hint);
  }
  let files: FashionMNISTFiles;
  let labels: Record<FashionMNISTFileKey, string>;
  try {
    ({ files, labels } = await fetchFashionMNISTFiles(mirror, options, hint));
  } catch (error) {
    if (!(error instanceof DatasetNotFoundError)) throw error;
    throw new DatasetNotFoundError([...tried, ...error.tried.map((place) => `download ${place}`)], error.hint ?? hint);
  }
  // Parse before caching so that data which does not load never lands in the cache.
  const data = await datasetsFromFiles(files, mirror, labels, options);
  const written = await writeCache(cacheDir, files);
  return { ...data, source: mirror, kind: "download", ...(written ? { cachedTo: cacheDir } : {}) };
}

async function loadDir(
  dir: string,
  names: Record<FashionMNISTFileKey, string>,
  options: NodeLoadFashionMNISTOptions,
): Promise<FashionMNIST> {
  const { files, paths } = await readDir(dir, names, options.onProgress, maxBytes(options));
  return datasetsFromFiles(files, dir, paths, options);
}

function maxBytes(options: NodeLoadFashionMNISTOptions): number {
  return options.maxBytes ?? DEFAULT_MAX_BYTES;
}

function notFoundHint(mirror: string): string {
  return "Pass loadFashionMNIST({ dir: \"/path/to/fashion-mnist\" }), set FASHION_MNIST_DIR to a directory holding " +
    `${fashionMNISTFileList()}, run \`apt-get install dataset-fashion-mnist\` (Debian, Ubuntu), ` +
    `or allow the download from ${mirror}.`;
}
