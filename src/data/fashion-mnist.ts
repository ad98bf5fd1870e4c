import { DatasetNotFoundError, FormatError, OptionError } from "../errors.js";
import { Dataset } from "./dataset.js";
import { gunzip, isGzip, maybeGunzip } from "./gzip.js";
import { parseIdxPair } from "./idx.js";

/** The ten Fashion-MNIST class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]);

/**
 * MNIST's class names. Its IDX files have the same four names and format as Fashion-MNIST's, so
 * `loadFashionMNIST({ dir, classNames: MNIST_CLASSES })` loads them.
 */
export const MNIST_CLASSES: readonly string[] = Object.freeze(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

export type FashionMNISTFileKey = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/** The canonical file names, as published by Zalando Research and mirrored by Keras. */
export const FASHION_MNIST_FILES: Readonly<Record<FashionMNISTFileKey, string>> = Object.freeze({
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
});

export const FASHION_MNIST_KEYS: readonly FashionMNISTFileKey[] = Object.freeze([
  "trainImages", "trainLabels", "testImages", "testLabels",
] as const);

/** SHA-256 of one file: `gz` of the canonical `.gz` download, `raw` of the IDX bytes inside it. */
export interface FileChecksum {
  readonly gz: string;
  readonly raw: string;
}

export type FashionMNISTChecksums = Readonly<Record<FashionMNISTFileKey, FileChecksum>>;

/**
 * SHA-256 of the Fashion-MNIST files. `gz` is the canonical download (as Keras lists it). `raw` is the
 * decompressed IDX data: repackaged copies (the Debian package recompressed the .gz files in 2020) have other
 * `gz` hashes but the same `raw` ones, so a file passes when either matches.
 */
export const FASHION_MNIST_SHA256: FashionMNISTChecksums = Object.freeze({
  trainImages: Object.freeze({
    gz: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    raw: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  }),
  trainLabels: Object.freeze({
    gz: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    raw: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  }),
  testImages: Object.freeze({
    gz: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    raw: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  }),
  testLabels: Object.freeze({
    gz: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    raw: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  }),
});

/** Keras's mirror of the canonical files (the ones with the `gz` hashes above). */
export const FASHION_MNIST_MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/";

/** The four files' bytes, each gzipped or raw IDX. */
export type FashionMNISTFiles = {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
};

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
}

export interface LoadFashionMNISTOptions extends FashionMNISTDownloadOptions {
  /** Base URL (a directory, with or without a trailing `/`) serving the four `.gz` files. */
  url?: string | URL;
  /** The four files' bytes. */
  files?: FashionMNISTFiles;
}

export interface FashionMNIST {
  train: Dataset;
  test: Dataset;
}

const CLASSES = 10;

const NO_SOURCE_HINT =
  "Pass `url` (a directory serving the four .gz files, such as FASHION_MNIST_MIRROR behind a CORS-enabled host) " +
  "or `files` (their bytes). In Node, import loadFashionMNIST from \"wasm-softmax/node\": it takes a `dir`, reads " +
  "$FASHION_MNIST_DIR and the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), and " +
  "downloads and caches the files.";

const NODE_ONLY_OPTIONS = new Set(["dir", "cacheDir", "download", "env", "systemDir", "mirror"]);
const BROWSER_OPTIONS = ["url", "files", "fetch", "verify", "checksums", "onProgress", "classNames", "signal"] as const;

/**
 * Hex SHA-256 of `bytes`, computed with Web Crypto (`crypto.subtle`), available in every supported runtime.
 * @throws {OptionError} when `bytes` is not a Uint8Array.
 * @example
 * await sha256Hex(new TextEncoder().encode("abc")); // "ba7816bf…"
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (!(bytes instanceof Uint8Array)) throw new OptionError("bytes", "a Uint8Array", bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Loads the Fashion-MNIST train (60 000) and test (10 000) sets from a base URL or from the files' bytes, in any
 * runtime; downloads are checked against the SHA-256 table.
 * @throws {OptionError} unless exactly one of `url` or `files` is given, or for a malformed option.
 * @throws {DatasetNotFoundError} when a download fails (HTTP 404, network error).
 * @throws {FormatError} for a checksum mismatch, corrupt gzip or malformed IDX data.
 * @example
 * const { train, test } = await loadFashionMNIST({ url: "/data/fashion-mnist/" });
 */
export async function loadFashionMNIST(options: LoadFashionMNISTOptions = {}): Promise<FashionMNIST> {
  return withClassNames(await load(options), options.classNames);
}

async function load(options: LoadFashionMNISTOptions): Promise<FashionMNIST> {
  checkOptionKeys(options, BROWSER_OPTIONS, (key) =>
    NODE_ONLY_OPTIONS.has(key)
      ? `\`${key}\` works only in Node: import loadFashionMNIST from "wasm-softmax/node"; elsewhere pass \`url\` or \`files\`.`
      : undefined);
  checkDownloadOptions(options);
  const given = (["url", "files"] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1) {
    throw new OptionError("options", "exactly one of `url` or `files`",
      given.length === 0 ? "neither" : "both", NO_SOURCE_HINT);
  }
  if (options.files !== undefined) {
    checkFiles(options.files);
    return datasetsFromFiles(options.files, "files");
  }
  const base = checkUrl(options.url, "url");
  const { files, labels } = await fetchFashionMNISTFiles(base, options);
  return datasetsFromFiles(files, String(base), labels);
}

/**
 * Gunzips (when needed) and parses the four files into the train and test Datasets, with 10 classes and their names.
 * @throws {FormatError} for corrupt gzip or malformed IDX data; the error names the file.
 * @throws {OptionError} when a file is not a Uint8Array.
 * @example
 * const { train, test } = await datasetsFromFiles({ trainImages, trainLabels, testImages, testLabels }, "upload");
 */
/**
 * The datasets renamed to `classNames` (checked: ten strings), or as they are without it.
 * @internal used by both loaders.
 */
export function withClassNames<T extends FashionMNIST>(data: T, classNames: readonly string[] | undefined): T {
  if (classNames === undefined) return data;
  const rename = (d: Dataset) => Dataset.fromArrays(d.x, d.y, { ...d, classNames });
  return { ...data, train: rename(data.train), test: rename(data.test) };
}

export async function datasetsFromFiles(
  files: FashionMNISTFiles,
  source: string,
  labels?: Partial<Record<FashionMNISTFileKey, string>>,
): Promise<FashionMNIST> {
  checkFiles(files);
  const label = (key: FashionMNISTFileKey) => labels?.[key] ?? `${source} ${key}`;
  // Decompressing in parallel lets Node's zlib use its thread pool for all four files at once.
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    FASHION_MNIST_KEYS.map((key) => maybeGunzip(files[key], label(key))),
  ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const common = { classes: CLASSES, classNames: FASHION_MNIST_CLASSES };
  const train = parseIdxPair(trainImages, trainLabels, {
    ...common, source: `${source} (train)`, imagesSource: label("trainImages"), labelsSource: label("trainLabels"),
  });
  const test = parseIdxPair(testImages, testLabels, {
    ...common, source: `${source} (test)`, imagesSource: label("testImages"), labelsSource: label("testLabels"),
  });
  return { train, test };
}

/**
 * Fetches the four canonical `.gz` files from `base` and verifies each against the checksum table (unless
 * `verify: false`); returns the bytes as fetched and the URL of each file.
 * @throws {DatasetNotFoundError} for an HTTP error status or a network failure, naming the URL.
 * @throws {FormatError} when a file's SHA-256 matches neither the `.gz` nor the decompressed hash.
 * @example
 * const { files } = await fetchFashionMNISTFiles(FASHION_MNIST_MIRROR);
 */
export async function fetchFashionMNISTFiles(
  base: string | URL,
  options: FashionMNISTDownloadOptions = {},
): Promise<{ files: FashionMNISTFiles; labels: Record<FashionMNISTFileKey, string> }> {
  checkDownloadOptions(options);
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") {
    throw new OptionError("fetch", "a fetch function", fetchFn, "This runtime has no global fetch: pass `fetch`.");
  }
  const checksums = options.checksums ?? FASHION_MNIST_SHA256;
  const labels = Object.fromEntries(
    FASHION_MNIST_KEYS.map((key) => [key, fileUrl(base, FASHION_MNIST_FILES[key])]),
  ) as Record<FashionMNISTFileKey, string>;
  const bytes = await Promise.all(FASHION_MNIST_KEYS.map(async (key) => {
    const data = await fetchBytes(labels[key], fetchFn, options.onProgress, options.signal);
    if (options.verify !== false) await verifyFashionMNISTFile(data, checksums[key], labels[key]);
    return data;
  }));
  const files = Object.fromEntries(FASHION_MNIST_KEYS.map((key, i) => [key, bytes[i]!])) as FashionMNISTFiles;
  return { files, labels };
}

/**
 * Checks one file against its SHA-256 entry: the bytes as they are (the canonical `.gz`), or else their
 * decompressed content (a recompressed or uncompressed copy of the same data).
 * @throws {FormatError} naming the file and the expected and actual hashes when neither matches.
 * @example
 * await verifyFashionMNISTFile(bytes, FASHION_MNIST_SHA256.trainLabels, "train-labels-idx1-ubyte.gz");
 */
export async function verifyFashionMNISTFile(bytes: Uint8Array, expected: FileChecksum, source: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual === expected.gz.toLowerCase()) return;
  let raw: Uint8Array | undefined = bytes;
  if (isGzip(bytes)) raw = await gunzip(bytes, source).catch(() => undefined);
  if (raw && (await sha256Hex(raw)) === expected.raw.toLowerCase()) return;
  throw new FormatError(source, `SHA-256 ${expected.gz} (or ${expected.raw} once decompressed)`, actual,
    "The file is damaged or not the canonical Fashion-MNIST: delete any cached copy and re-download it, " +
    "or pass `verify: false` for files you trust.");
}

/** @internal Shared with the Node loader. */
export function checkOptionKeys(
  options: object,
  allowed: readonly string[],
  hintFor: (key: string) => string | undefined,
): void {
  if (options === null || typeof options !== "object") {
    throw new OptionError("options", "an object", options);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new OptionError(`option \`${key}\``, `one of ${allowed.join(", ")}`, (options as Record<string, unknown>)[key],
        hintFor(key) ?? "Check the spelling.");
    }
  }
}

/** @internal Shared with the Node loader. */
export function checkDownloadOptions(options: FashionMNISTDownloadOptions): void {
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new OptionError("fetch", "a fetch function", options.fetch);
  }
  if (options.signal !== undefined && (options.signal === null || typeof options.signal.aborted !== "boolean")) {
    throw new OptionError("signal", "an AbortSignal", options.signal);
  }
  if (options.verify !== undefined && typeof options.verify !== "boolean") {
    throw new OptionError("verify", "a boolean", options.verify);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new OptionError("onProgress", "a function", options.onProgress);
  }
  if (options.checksums !== undefined) {
    for (const key of FASHION_MNIST_KEYS) {
      const entry = (options.checksums as Partial<Record<string, Partial<FileChecksum>>>)[key];
      if (!entry || !isSha256(entry.gz) || !isSha256(entry.raw)) {
        throw new OptionError(`checksums.${key}`, "{ gz, raw } with two 64-digit hex SHA-256 strings", entry,
          "Start from FASHION_MNIST_SHA256 and replace the entries you need.");
      }
    }
  }
}

/** @internal Shared with the Node loader. */
export function checkFiles(files: FashionMNISTFiles): void {
  if (files === null || typeof files !== "object") {
    throw new OptionError("files", "an object with trainImages, trainLabels, testImages and testLabels", files);
  }
  for (const key of FASHION_MNIST_KEYS) {
    if (!(files[key] instanceof Uint8Array)) {
      throw new OptionError(`files.${key}`, `a Uint8Array with the bytes of ${FASHION_MNIST_FILES[key]}`, files[key],
        "Pass each file's bytes, gzipped or not (for example new Uint8Array(await response.arrayBuffer())).");
    }
  }
}

/** @internal Shared with the Node loader. */
export function checkUrl(url: unknown, option: string): string | URL {
  if (url instanceof URL) return url;
  if (typeof url === "string" && url.trim() !== "") return url;
  throw new OptionError(option, "a non-empty string or URL", url,
    `Pass the address of a directory holding ${Object.values(FASHION_MNIST_FILES).join(", ")}.`);
}

function isSha256(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{64}$/i.test(value);
}

// Appends `name` to a directory URL whether or not it ends with "/"; relative URLs stay relative so browsers
// resolve them against the page.
function fileUrl(base: string | URL, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(base);
  } catch {
    url = undefined;
  }
  if (url === undefined) {
    const text = String(base);
    return (text.endsWith("/") ? text : `${text}/`) + name;
  }
  const dir = new URL(url.href);
  if (!dir.pathname.endsWith("/")) dir.pathname += "/";
  dir.pathname += name;
  return dir.href;
}

async function fetchBytes(
  url: string,
  fetchFn: typeof fetch,
  onProgress: ((event: FashionMNISTProgress) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const notFoundHint = `Check that ${url.slice(0, url.lastIndexOf("/") + 1)} serves the four Fashion-MNIST .gz files, ` +
    "or pass the files' bytes as `files`.";
  let response: Response;
  try {
    response = await fetchFn(url, signal && { signal });
  } catch (error) {
    // A cancelled load is the caller's doing, not a missing dataset: it rejects with the signal's reason.
    if (signal?.aborted) throw signal.reason;
    throw new DatasetNotFoundError([`${url} (network error: ${reason(error)})`], notFoundHint);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    throw new DatasetNotFoundError([`${url} (${status})`], notFoundHint);
  }
  const length = Number(response.headers.get("content-length"));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const progress = (loaded: number) => onProgress?.(total === undefined ? { file: url, loaded } : { file: url, loaded, total });
  const interrupted = (error: unknown) => signal?.aborted
    ? signal.reason
    : new DatasetNotFoundError([`${url} (download interrupted: ${reason(error)})`], notFoundHint);
  if (!onProgress || !response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer().catch((error: unknown) => { throw interrupted(error); }));
    progress(bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((error: unknown) => { throw interrupted(error); });
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    progress(loaded);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
