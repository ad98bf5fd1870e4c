// The loader for every runtime: the four files from a URL or from bytes the caller already has.
import { datasetsFromFiles, withClassNames, type FashionMNIST } from "./datasets.js";
import { fetchFashionMNISTFiles } from "./download.js";
import { checkLoadOptions, type LoadFashionMNISTOptions } from "./options.js";

/**
 * Loads the Fashion-MNIST train (60 000) and test (10 000) sets from a base URL or from the files' bytes, in any
 * runtime; downloads are checked against the SHA-256 table.
 * @throws {OptionError} unless exactly one of `url` or `files` is given, for an unknown option (naming the nearest
 *   known one, or the Node entry for Node-only options), or for a malformed option.
 * @throws {DatasetNotFoundError} when a download fails (HTTP 404, network error), times out or stalls (`timeoutMs`,
 *   `stallTimeoutMs`), or is larger than `maxBytes`.
 * @throws {FormatError} for a checksum mismatch, corrupt or trailing gzip data, a file that decompresses past its
 *   IDX header's size or `maxBytes`, or malformed IDX data.
 * @example
 * const { train, test } = await loadFashionMNIST({ url: "/data/fashion-mnist/" });
 */
export async function loadFashionMNIST(options: LoadFashionMNISTOptions = {}): Promise<FashionMNIST> {
  const opts = checkLoadOptions(options);
  if (opts.files !== undefined) {
    return withClassNames(await datasetsFromFiles(opts.files, "files", undefined, opts), opts.classNames);
  }
  const base = opts.url!;
  const { files, labels } = await fetchFashionMNISTFiles(base, opts);
  return withClassNames(await datasetsFromFiles(files, String(base), labels, opts), opts.classNames);
}
