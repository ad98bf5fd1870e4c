// The options both Fashion-MNIST loaders take, and their checks. Every rule and its wording comes from the
// validation module, so a broken option reads the same here as in fit or the CLI.
import { check, checkKeys, checkOr, nearest, rule, RULES } from "../../validate.js";
import { MAX_BYTES_RULE, TIMEOUT_RULE } from "../../util/limits.js";
import {
  FASHION_MNIST_CLASS_COUNT,
  FASHION_MNIST_FILES,
  FASHION_MNIST_KEYS,
  fashionMNISTFileList,
  type FashionMNISTChecksums,
  type FashionMNISTFiles,
} from "./constants.js";

export interface FashionMNISTProgress {
  /** File name or URL. */
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** Expected bytes, when the server says (Content-Length). */
  total?: number;
}

export interface FashionMNISTDownloadOptions {
  /** The fetch to use (default: the global one); lets tests and proxies step in. */
  fetch?: typeof fetch;
  /** Check downloads against `checksums` (default true). */
  verify?: boolean;
  /** SHA-256 table to verify against (default FASHION_MNIST_SHA256). */
  checksums?: FashionMNISTChecksums;
  onProgress?: (event: FashionMNISTProgress) => void;
  /** Ten class names to give the datasets instead of Fashion-MNIST's (e.g. MNIST_CLASSES for MNIST's files). */
  classNames?: readonly string[];
  /** Cancels a download: the load then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Largest file accepted, downloaded, read or decompressed, in bytes (default 1 GiB). */
  maxBytes?: number;
  /** Longest the download of one file may take, in milliseconds (default 600 000: 10 minutes). */
  timeoutMs?: number;
  /** Longest a download may receive nothing, in milliseconds (default 30 000). */
  stallTimeoutMs?: number;
}

export interface LoadFashionMNISTOptions extends FashionMNISTDownloadOptions {
  /** Base URL (a directory, with or without a trailing `/`) serving the four `.gz` files. */
  url?: string | URL;
  /** The four files' bytes. */
  files?: FashionMNISTFiles;
}

/** The keys of every download's options (checkDownloadOptions). */
export const DOWNLOAD_KEYS = [
  "fetch", "verify", "checksums", "onProgress", "classNames", "signal", "maxBytes", "timeoutMs", "stallTimeoutMs",
] as const;
const BROWSER_KEYS: readonly string[] = ["url", "files", ...DOWNLOAD_KEYS];
/** The keys only the Node loader (./node/options.ts) takes: the browser loader points them to wasm-softmax/node. */
export const NODE_ONLY_KEYS: readonly string[] = ["dir", "cacheDir", "download", "env", "systemDir", "mirror"];

const NO_SOURCE_HINT =
  "Pass `url` (a directory serving the four .gz files, such as FASHION_MNIST_MIRROR behind a CORS-enabled host) " +
  "or `files` (their bytes). In Node, import loadFashionMNIST from \"wasm-softmax/node\": it takes a `dir`, reads " +
  "$FASHION_MNIST_DIR and the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), and " +
  "downloads and caches the files.";

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isSha256 = (v: unknown): v is string => typeof v === "string" && /^[0-9a-f]{64}$/i.test(v);

const URL_RULE = rule<string | URL>("a non-empty string or URL",
  (v) => v instanceof URL || (typeof v === "string" && v.trim() !== ""));
const FILES = rule<FashionMNISTFiles>("an object with trainImages, trainLabels, testImages and testLabels", isObject);
const CHECKSUMS = rule<FashionMNISTChecksums>("a table like FASHION_MNIST_SHA256", isObject);
const CHECKSUM = rule("{ gz, raw } with two 64-digit hex SHA-256 strings",
  (v) => isObject(v) && isSha256(v.gz) && isSha256(v.raw));
const CLASS_NAMES = rule<readonly string[]>(`an array of ${FASHION_MNIST_CLASS_COUNT} strings`,
  (v) => Array.isArray(v) && v.length === FASHION_MNIST_CLASS_COUNT && v.every((name) => typeof name === "string"));
const ONE_SOURCE = rule("exactly one of `url` or `files`", (v) => v === "url" || v === "files");

// A Node-only key in the browser entry (or a near miss of one) gets the way to the Node entry, not a spelling
// suggestion among the browser's keys.
function browserHint(key: string): string | undefined {
  const near = NODE_ONLY_KEYS.includes(key) ? key : nearestNodeOnly(key);
  if (near === undefined) return undefined;
  return `${near === key ? "" : `Did you mean "${near}"? `}\`${near}\` works only in Node: import loadFashionMNIST ` +
    "from \"wasm-softmax/node\"; elsewhere pass `url` or `files`.";
}

function nearestNodeOnly(key: string): string | undefined {
  // Only when no browser key is at least as close: "fils" means `files`, not a Node-only option.
  const all = [...BROWSER_KEYS, ...NODE_ONLY_KEYS];
  const near = nearest(key, all);
  return near !== undefined && NODE_ONLY_KEYS.includes(near) ? near : undefined;
}

/**
 * The browser loader's options, checked: known keys only, well-formed values, exactly one of `url` or `files`.
 * @internal
 */
export function checkLoadOptions(options: LoadFashionMNISTOptions | undefined): LoadFashionMNISTOptions {
  const opts = checkKeys("loadFashionMNIST", options, BROWSER_KEYS, browserHint);
  checkDownloadOptions(opts);
  const given = (["url", "files"] as const).filter((key) => opts[key] !== undefined);
  check("options", given.length === 1 ? given[0] : given.length === 0 ? "neither" : "both", ONE_SOURCE,
    given.length === 0 ? NO_SOURCE_HINT : "Pass one of them.");
  if (opts.files !== undefined) checkFiles(opts.files);
  else checkUrl(opts.url, "url");
  return opts;
}

/**
 * The options every download takes: fetch, signal, verify, onProgress, checksums, classNames and the limits.
 * @internal shared by both loaders and fetchFashionMNISTFiles.
 */
export function checkDownloadOptions(options: FashionMNISTDownloadOptions): void {
  checkOr("fetch", options.fetch, RULES.function, undefined);
  checkOr("signal", options.signal, RULES.signal, undefined);
  checkOr("verify", options.verify, RULES.boolean, undefined);
  checkOr("onProgress", options.onProgress, RULES.function, undefined);
  checkOr("classNames", options.classNames, CLASS_NAMES, undefined,
    "Pass one name per label, in label order (for example MNIST_CLASSES).");
  checkOr("maxBytes", options.maxBytes, MAX_BYTES_RULE, undefined,
    "It caps each file, downloaded or decompressed; Fashion-MNIST's largest is 47 MB.");
  checkOr("timeoutMs", options.timeoutMs, TIMEOUT_RULE, undefined);
  checkOr("stallTimeoutMs", options.stallTimeoutMs, TIMEOUT_RULE, undefined);
  if (options.checksums !== undefined) {
    const hint = "Start from FASHION_MNIST_SHA256 and replace the entries you need.";
    const table = check("checksums", options.checksums, CHECKSUMS, hint);
    for (const key of FASHION_MNIST_KEYS) check(`checksums.${key}`, table[key], CHECKSUM, hint);
  }
}

/**
 * `files` when it holds the four files' bytes.
 * @internal
 */
export function checkFiles(files: unknown): FashionMNISTFiles {
  const table = check("files", files, FILES);
  for (const key of FASHION_MNIST_KEYS) {
    check(`files.${key}`, table[key], rule(`a Uint8Array with the bytes of ${FASHION_MNIST_FILES[key]}`, RULES.bytes.test),
      "Pass each file's bytes, gzipped or not (for example new Uint8Array(await response.arrayBuffer())).");
  }
  return table;
}

/**
 * `url` when it is a URL or a non-empty string; `option` names it in the error.
 * @internal
 */
export function checkUrl(url: unknown, option: string): string | URL {
  return check(option, url, URL_RULE, `Pass the address of a directory holding ${fashionMNISTFileList()}.`);
}

/**
 * The fetch to use: the option, else the global one.
 * @internal
 */
export function fetchFunction(options: FashionMNISTDownloadOptions): typeof fetch {
  if (options.fetch !== undefined) return check("fetch", options.fetch, RULES.function) as typeof fetch;
  return check("fetch", globalThis.fetch, RULES.function, "This runtime has no global fetch: pass `fetch`.") as typeof fetch;
}
