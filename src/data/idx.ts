import { FormatError } from "../errors.js";
import { check, checkKeys, checkOr, rule, RULES } from "../validate.js";
import { CLASSES_RULE, classNamesRule, Dataset } from "./dataset.js";
import { isGzip } from "../codecs/gzip.js";
import { hexHead } from "../util/bytes.js";
import { MAX_FEATURES } from "../util/limits.js";

/** A parsed unsigned-byte IDX file: its dimensions and its data (a view into the input bytes). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface IdxPairOptions {
  /** Number of classes; every label must be below it. */
  classes: number;
  /** One name per class. */
  classNames?: readonly string[];
  /** Names the pair in error messages ("Fashion-MNIST train"); `imagesSource` / `labelsSource` name each file. */
  source?: string;
  imagesSource?: string;
  labelsSource?: string;
}

const PAIR_KEYS: readonly string[] = ["classes", "classNames", "source", "imagesSource", "labelsSource"];
const NAME = rule<string>("a string", (v) => typeof v === "string");
const BYTES_HINT = "Read the file into a Uint8Array (fetch → bytes(), fs.readFile).";

const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "16-bit integer",
  0x0c: "32-bit integer",
  0x0d: "float",
  0x0e: "double",
};

/**
 * Parses an unsigned-byte IDX file (type code `0x08`, 1 to 4 big-endian dimensions) without copying its data.
 * @throws {FormatError} for a wrong magic number, type code or dimension count, gzipped input, or a byte count
 *   that does not match the dimensions (truncated or with trailing bytes); the error names `source`.
 * @example
 * const { dims, data } = parseIdx(bytes, "train-labels-idx1-ubyte"); // dims [60000]
 */
export function parseIdx(bytes: Uint8Array, source = "IDX file"): IdxArray {
  check("bytes", bytes, RULES.bytes, BYTES_HINT);
  check("source", source, NAME);
  if (isGzip(bytes)) {
    throw new FormatError(source, "an IDX header (00 00 08 0N)", `gzip data (${hexHead(bytes)})`,
      "This looks gzipped: decompress it first with maybeGunzip(), or let loadFashionMNIST do it.");
  }
  const { dims, headerBytes, size } = readHeader(bytes, source, false)!;
  const count = size - headerBytes, dataBytes = bytes.length - headerBytes;
  if (dataBytes !== count) {
    const shape = dims.join("×");
    if (dataBytes < count) {
      throw new FormatError(source, `${count} data bytes for dimensions ${shape}`,
        `${dataBytes} (the file is truncated)`, "Re-download the file: it was cut short.");
    }
    throw new FormatError(source, `${count} data bytes for dimensions ${shape}`,
      `${dataBytes} (${dataBytes - count} trailing bytes)`,
      "The file has extra bytes after its data: re-download the file, and check that two files were not joined.");
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Which file of a pair an IDX file must be: images (3 dimensions) or labels (1). */
export type IdxKind = "images" | "labels";

/**
 * The total byte count (header and data) that the unsigned-byte IDX header at the start of `head` declares, or
 * undefined while `head` is too short to hold the header. The header is checked as `parseIdx` checks it (and as
 * an images or labels file when `kind` says which), so gunzip's `declaredSize` refuses a damaged or hostile file
 * from its first inflated bytes, before inflating more.
 * @throws {FormatError} naming `source` for a wrong magic number, type code or dimension count, images of more
 *   pixels than any model takes, or a file of the other kind.
 * @example
 * idxSize(labelsBytes.subarray(0, 8)); // 8 + count
 */
export function idxSize(head: Uint8Array, source = "IDX file", kind?: IdxKind): number | undefined {
  const header = readHeader(head, source, true);
  if (header && kind) checkKind(header.dims, source, kind);
  return header?.size;
}

// The header at the start of `bytes`, checked; undefined when `prefix` and `bytes` are too short to tell yet.
function readHeader(bytes: Uint8Array, source: string, prefix: boolean): { dims: number[]; headerBytes: number; size: number } | undefined {
  if (bytes.length < 4) {
    if (prefix) return undefined;
    throw new FormatError(source, "an IDX file with a 4-byte magic number", `${bytes.length} bytes`,
      "The file is empty or cut short: re-download the file.");
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(source, "an IDX magic number starting with 00 00", hexHead(bytes), notIdxHint(bytes));
  }
  const type = bytes[2]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type] ?? "unknown";
    throw new FormatError(source, "IDX type code 0x08 (unsigned byte)", `0x${hex2(type)} (${name})`,
      "Only unsigned-byte IDX files (like MNIST and Fashion-MNIST) are supported; check that this is the right file.");
  }
  const rank = bytes[3]!;
  if (rank < 1 || rank > 4) {
    throw new FormatError(source, "1 to 4 dimensions in the IDX magic number", `${rank}`,
      "The header is damaged: re-download the file.");
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    if (prefix) return undefined;
    throw new FormatError(source, `a ${headerBytes}-byte header for ${rank} dimensions`, `${bytes.length} bytes`,
      "The file is cut short: re-download the file.");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  if (rank === 3 && dims[1]! * dims[2]! > MAX_FEATURES) {
    throw new FormatError(source, `images of at most ${MAX_FEATURES} pixels (the most inputs a model of 2^28 parameters takes)`,
      `${dims[1]}×${dims[2]} pixels`, "The header is damaged or this is not an images file: re-download the file.");
  }
  return { dims, headerBytes, size: headerBytes + count };
}

function checkKind(dims: readonly number[], source: string, kind: IdxKind): void {
  if (kind === "images" && dims.length !== 3) {
    throw new FormatError(source, "an images file (magic 0x00000803: count × rows × cols)", describeIdx(dims), swapHint(dims, 1));
  }
  if (kind === "labels" && dims.length !== 1) {
    throw new FormatError(source, "a labels file (magic 0x00000801: one dimension)", describeIdx(dims), swapHint(dims, 3));
  }
}

/**
 * Builds a Dataset from an IDX images file (magic `0x00000803`, count × rows × cols) and an IDX labels file
 * (magic `0x00000801`), both uncompressed; the pixels stay a view into `images`.
 * @throws {FormatError} when either file is malformed, the files are swapped, their counts differ, or a label is
 *   not below `classes`.
 * @throws {OptionError} when `images` or `labels` is not a Uint8Array, for an unknown option (naming the nearest
 *   known one), when `classes` is not an integer ≥ 2, `classNames` does not have `classes` strings, or a source name
 *   is not a string.
 * @example
 * const train = parseIdxPair(imagesBytes, labelsBytes, { classes: 10, source: "Fashion-MNIST train" });
 */
export function parseIdxPair(images: Uint8Array, labels: Uint8Array, opts: IdxPairOptions): Dataset {
  const o = checkKeys("parseIdxPair", opts, PAIR_KEYS);
  const classes = check("classes", o.classes, CLASSES_RULE);
  const classNames = checkOr("classNames", o.classNames, classNamesRule(classes), undefined);
  const source = checkOr("source", o.source, NAME, "IDX pair");
  const imagesSource = checkOr("imagesSource", o.imagesSource, NAME, `${source} images`);
  const labelsSource = checkOr("labelsSource", o.labelsSource, NAME, `${source} labels`);
  check("images", images, RULES.bytes, BYTES_HINT);
  check("labels", labels, RULES.bytes, BYTES_HINT);

  const img = parseIdx(images, imagesSource);
  const lab = parseIdx(labels, labelsSource);
  checkKind(img.dims, imagesSource, "images");
  checkKind(lab.dims, labelsSource, "labels");
  const [count, rows, cols] = img.dims as [number, number, number];
  const labelCount = lab.dims[0]!;
  if (count !== labelCount) {
    throw new FormatError(source, "as many labels as images", `${count} images and ${labelCount} labels`,
      "The two files come from different sets (train vs t10k?): pass matching files.");
  }
  if (rows === 0 || cols === 0) {
    throw new FormatError(imagesSource, "images of at least 1×1 pixels", `${rows}×${cols}`,
      "The header is damaged: re-download the file.");
  }
  const y = lab.data;
  for (let i = 0; i < y.length; i++) {
    if (y[i]! >= classes) {
      throw new FormatError(labelsSource, `labels in [0, ${classes})`, `label ${y[i]} at index ${i}`,
        `Check that \`classes\` (${classes}) counts every class, or re-download the file.`);
    }
  }
  return Dataset.fromArrays(img.data, y, {
    features: rows * cols,
    classes,
    imageShape: [rows, cols],
    ...(classNames ? { classNames } : {}),
  });
}

function describeIdx(dims: readonly number[]): string {
  return `magic 0x000008${hex2(dims.length)} (${dims.length} dimension${dims.length === 1 ? "" : "s"}: ${dims.join("×")})`;
}

function swapHint(dims: readonly number[], otherRank: number): string {
  return dims.length === otherRank
    ? "The images and labels files look swapped: pass *-images-idx3-ubyte as images and *-labels-idx1-ubyte as labels."
    : "Pass the *-images-idx3-ubyte and *-labels-idx1-ubyte files.";
}

function notIdxHint(bytes: Uint8Array): string {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  if (head.startsWith("<!doctype") || head.startsWith("<html") || head.startsWith("<?xml")) {
    return "This looks like an HTML or XML page, not the data: check the URL.";
  }
  return "This is not an IDX file: check the path, or re-download the file.";
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}
