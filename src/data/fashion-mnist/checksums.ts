// SHA-256 with Web Crypto, and the check of one file against its entry in the checksum table.
import { FormatError } from "../../errors.js";
import { check, RULES } from "../../validate.js";
import { gunzip, isGzip } from "../../codecs/gzip.js";
import { idxSize } from "../idx.js";
import type { FileChecksum } from "./constants.js";

/**
 * Hex SHA-256 of `bytes`, computed with Web Crypto (`crypto.subtle`), available in every supported runtime.
 * @throws {OptionError} when `bytes` is not a Uint8Array.
 * @example
 * await sha256Hex(new TextEncoder().encode("abc")); // "ba7816bf…"
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  check("bytes", bytes, RULES.bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks one file against its SHA-256 entry: the bytes as they are (the canonical `.gz`), or else their
 * decompressed content (a recompressed or uncompressed copy of the same data).
 * @throws {FormatError} naming the file and the expected and actual hashes when neither matches.
 * @example
 * await verifyFashionMNISTFile(bytes, FASHION_MNIST_SHA256.trainLabels, "train-labels-idx1-ubyte.gz");
 */
export async function verifyFashionMNISTFile(
  bytes: Uint8Array,
  expected: FileChecksum,
  source: string,
  limits: { maxBytes?: number } = {},
): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual === expected.gz.toLowerCase()) return;
  let raw: Uint8Array | undefined = bytes;
  if (isGzip(bytes)) {
    const options = { declaredSize: idxSize, ...(limits.maxBytes !== undefined ? { maxBytes: limits.maxBytes } : {}) };
    raw = await gunzip(bytes, source, options).catch(() => undefined);
  }
  if (raw && (await sha256Hex(raw)) === expected.raw.toLowerCase()) return;
  throw new FormatError(source, `SHA-256 ${expected.gz} (or ${expected.raw} once decompressed)`, actual,
    "The file is damaged or not the canonical Fashion-MNIST: delete any cached copy and re-download it, " +
    "or pass `verify: false` for files you trust.");
}
