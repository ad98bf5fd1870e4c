// The Node loader's options: the browser loader's, plus directories, the environment, the cache and a download.
import { RULES, check, checkKeys, checkOr, rule } from "../../../validate.js";
import { DOWNLOAD_KEYS, NODE_ONLY_KEYS, checkDownloadOptions, checkFiles, checkUrl, isObject } from "../options.js";
import type { FashionMNISTDownloadOptions } from "../options.js";
import type { FashionMNISTFiles } from "../constants.js";

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

// "dir" first: the sources, then the Node-only keys, then the download's.
const NODE_KEYS: readonly string[] = ["dir", "url", "files", ...NODE_ONLY_KEYS.filter((key) => key !== "dir"), ...DOWNLOAD_KEYS];

const DIR = rule<string>("a non-empty directory path", (v) => typeof v === "string" && v !== "");
const ENV = rule<Record<string, string | undefined>>("an object of environment variables", isObject);
const AT_MOST_ONE_SOURCE = rule("at most one of `dir`, `url` or `files`",
  (v) => v === "none" || v === "dir" || v === "url" || v === "files");

/**
 * The Node loader's options, checked: known keys only, well-formed values, at most one of `dir`, `url`, `files`.
 */
export function checkNodeLoadOptions(options: NodeLoadFashionMNISTOptions | undefined): NodeLoadFashionMNISTOptions {
  const opts = checkKeys("loadFashionMNIST", options, NODE_KEYS);
  checkDownloadOptions(opts);
  for (const key of ["dir", "cacheDir", "systemDir"] as const) checkOr(key, opts[key], DIR, undefined);
  checkOr("download", opts.download, RULES.boolean, undefined);
  checkOr("env", opts.env, ENV, undefined);
  if (opts.mirror !== undefined) checkUrl(opts.mirror, "mirror");
  const explicit = (["dir", "url", "files"] as const).filter((key) => opts[key] !== undefined);
  check("options", explicit.length === 0 ? "none" : explicit.join(" and "), AT_MOST_ONE_SOURCE,
    "Pass one source; leave all three out to search $FASHION_MNIST_DIR, the cache and the system directory.");
  if (opts.files !== undefined) checkFiles(opts.files);
  if (opts.url !== undefined) checkUrl(opts.url, "url");
  return opts;
}
