// Fetching the four files over HTTP(S): streaming with progress, cancellation, and errors that name the URL.
import { DatasetNotFoundError } from "../../errors.js";
import { verifyFashionMNISTFile } from "./checksums.js";
import {
  FASHION_MNIST_FILES,
  FASHION_MNIST_KEYS,
  FASHION_MNIST_SHA256,
  type FashionMNISTFileKey,
  type FashionMNISTFiles,
} from "./constants.js";
import {
  checkDownloadOptions,
  checkUrl,
  fetchFunction,
  type FashionMNISTDownloadOptions,
  type FashionMNISTProgress,
} from "./options.js";

/**
 * Fetches the four canonical `.gz` files from `base` and verifies each against the checksum table (unless
 * `verify: false`); returns the bytes as fetched and the URL of each file.
 * @throws {DatasetNotFoundError} for an HTTP error status or a network failure, naming the URL.
 * @throws {FormatError} when a file's SHA-256 matches neither the `.gz` nor the decompressed hash.
 * @throws {OptionError} for a malformed option.
 * @example
 * const { files } = await fetchFashionMNISTFiles(FASHION_MNIST_MIRROR);
 */
export async function fetchFashionMNISTFiles(
  base: string | URL,
  options: FashionMNISTDownloadOptions = {},
): Promise<{ files: FashionMNISTFiles; labels: Record<FashionMNISTFileKey, string> }> {
  checkUrl(base, "base");
  checkDownloadOptions(options);
  const fetchFn = fetchFunction(options);
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
