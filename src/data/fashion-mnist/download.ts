// Fetching the four files over HTTP(S): streamed with progress, cancellable, bounded in size and time, and with
// errors that name the URL.
import { DatasetNotFoundError } from "../../errors.js";
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_STALL_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  formatBytes,
  formatMs,
} from "../../util/limits.js";
import { concat } from "../../util/bytes.js";
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
 * `verify: false`); returns the bytes as fetched and the URL of each file. Each download stops at `maxBytes`, after
 * `timeoutMs` in all and after `stallTimeoutMs` without data. `hint` replaces the advice given when a file cannot
 * be fetched (the Node loader names its other sources).
 * @throws {DatasetNotFoundError} for an HTTP error status, a network failure, a timeout, a stall, or a file larger
 *   than `maxBytes`, naming the URL.
 * @throws {FormatError} when a file's SHA-256 matches neither the `.gz` nor the decompressed hash.
 * @throws {OptionError} for a malformed option.
 * @example
 * const { files } = await fetchFashionMNISTFiles(FASHION_MNIST_MIRROR, { timeoutMs: 120_000 });
 */
export async function fetchFashionMNISTFiles(
  base: string | URL,
  options: FashionMNISTDownloadOptions = {},
  hint?: string,
): Promise<{ files: FashionMNISTFiles; labels: Record<FashionMNISTFileKey, string> }> {
  checkUrl(base, "base");
  checkDownloadOptions(options);
  const fetchFn = fetchFunction(options);
  const checksums = options.checksums ?? FASHION_MNIST_SHA256;
  const limits: Limits = {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
  };
  const labels = Object.fromEntries(
    FASHION_MNIST_KEYS.map((key) => [key, fileUrl(base, FASHION_MNIST_FILES[key])]),
  ) as Record<FashionMNISTFileKey, string>;
  // One failure stops the other three downloads: they would only hold the connection and the memory.
  const group = new AbortController();
  const onAbort = () => group.abort(options.signal!.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const bytes = await Promise.all(FASHION_MNIST_KEYS.map(async (key) => {
      const notFound = hint ?? `Check that ${labels[key].slice(0, labels[key].lastIndexOf("/") + 1)} serves the four ` +
        "Fashion-MNIST .gz files, or pass the files' bytes as `files`.";
      try {
        const data = await fetchBytes(labels[key], fetchFn, options.onProgress, group.signal, limits, notFound);
        if (options.verify !== false) await verifyFashionMNISTFile(data, checksums[key], labels[key], limits);
        return data;
      } catch (error) {
        if (!group.signal.aborted) group.abort(error);
        throw options.signal?.aborted ? options.signal.reason : error;
      }
    }));
    const files = Object.fromEntries(FASHION_MNIST_KEYS.map((key, i) => [key, bytes[i]!])) as FashionMNISTFiles;
    return { files, labels };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

interface Limits {
  maxBytes: number;
  timeoutMs: number;
  stallTimeoutMs: number;
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

// Timers past 2^31 - 1 ms fire at once in every runtime; such a limit means none.
const MAX_TIMER_MS = 2 ** 31 - 1;

// Ends a download by its deadlines or by `signal`: every await of the download races `settled`, so even a fetch
// that ignores its signal cannot keep the load waiting.
class Watch {
  readonly controller = new AbortController();
  readonly settled: Promise<never>;
  private fail!: (error: unknown) => void;
  private total: ReturnType<typeof setTimeout> | undefined;
  private stall: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort = () => this.stop(this.signal.reason);

  constructor(
    private readonly signal: AbortSignal,
    private readonly limits: Limits,
    private readonly error: (why: string, hint: string) => DatasetNotFoundError,
  ) {
    this.settled = new Promise<never>((_, reject) => { this.fail = reject; });
    this.settled.catch(() => {});
    if (limits.timeoutMs <= MAX_TIMER_MS) {
      this.total = setTimeout(() => this.stop(this.error(`timed out: not complete after ${formatMs(limits.timeoutMs)}`,
        "Raise `timeoutMs` on a slow connection.")), limits.timeoutMs);
    }
    this.alive();
    // Last, so that an already aborted signal clears the timers just set.
    if (signal.aborted) this.onAbort();
    else signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Data arrived: the stall clock starts again. */
  alive(): void {
    clearTimeout(this.stall);
    if (this.limits.stallTimeoutMs > MAX_TIMER_MS) return;
    this.stall = setTimeout(() => this.stop(this.error(`stalled: nothing received for ${formatMs(this.limits.stallTimeoutMs)}`,
      "Retry, or raise `stallTimeoutMs` on a slow connection.")), this.limits.stallTimeoutMs);
  }

  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.settled]);
  }

  stop(error: unknown): void {
    this.fail(error);
    this.controller.abort(error);
    this.end();
  }

  end(): void {
    clearTimeout(this.total);
    clearTimeout(this.stall);
    this.signal.removeEventListener("abort", this.onAbort);
  }
}

async function fetchBytes(
  url: string,
  fetchFn: typeof fetch,
  onProgress: ((event: FashionMNISTProgress) => void) | undefined,
  signal: AbortSignal,
  limits: Limits,
  notFoundHint: string,
): Promise<Uint8Array> {
  const notFound = (why: string, hint?: string) =>
    new DatasetNotFoundError([`${url} (${why})`], hint ? `${hint} ${notFoundHint}` : notFoundHint);
  const watch = new Watch(signal, limits, notFound);
  // The first error wins: a timeout or an abort, not the fetch's own report of being aborted.
  const failure = watch.settled.catch((error: unknown) => error);
  const first = async (error: unknown, fallback: () => unknown) =>
    signal.aborted || watch.controller.signal.aborted ? await failure : fallback();
  try {
    let response: Response;
    try {
      response = await watch.race(fetchFn(url, { signal: watch.controller.signal }));
    } catch (error) {
      throw await first(error, () => notFound(`network error: ${reason(error)}`));
    }
    watch.alive();
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      throw notFound(status);
    }
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    const total = Number.isSafeInteger(length) && length > 0 ? length : undefined;
    const tooLarge = (what: string) => notFound(`${what}, above the ${formatBytes(limits.maxBytes)} cap (maxBytes)`,
      "Check the URL; if the file is genuine, pass a larger `maxBytes`.");
    if (total !== undefined && total > limits.maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge(`Content-Length ${total} bytes`);
    }
    if (!response.body) return new Uint8Array(0);
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    try {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await watch.race(reader.read());
        } catch (error) {
          throw await first(error, () => notFound(`download interrupted: ${reason(error)}`));
        }
        if (next.done) break;
        watch.alive();
        loaded += next.value.length;
        if (loaded > limits.maxBytes) throw tooLarge(`more than ${limits.maxBytes} bytes`);
        chunks.push(next.value);
        onProgress?.(total === undefined ? { file: url, loaded } : { file: url, loaded, total });
      }
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
    return concat(chunks, loaded);
  } finally {
    watch.end();
  }
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
