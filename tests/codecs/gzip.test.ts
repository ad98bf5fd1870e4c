import { createGzip } from "node:zlib";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { FormatError, OptionError } from "../../src/errors.js";
import { loadFashionMNIST } from "../../src/data/fashion-mnist/load.js";
import { gunzip, isGzip, maybeGunzip } from "../../src/codecs/gzip.js";
import { idxSize, parseIdx } from "../../src/data/idx.js";
import { gzip, makeFashionFiles, makeIdxImages, makeIdxLabels, concat } from "../helpers/idx.js";
import { rejection, thrown } from "../helpers/errors.js";
import { FASHION_MNIST_SHA256 } from "../../src/data/fashion-mnist/constants.js";
import { verifyFashionMNISTFile } from "../../src/data/fashion-mnist/checksums.js";

/** An images header for count × 28 × 28 pixels, without the pixels. */
function imagesHeader(count: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, count);
  view.setUint32(8, 28);
  view.setUint32(12, 28);
  return bytes;
}

async function formatRejection(promise: Promise<unknown>): Promise<FormatError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

const idx = { declaredSize: idxSize };

describe("gunzip", () => {
  it("recognises the gzip magic number", () => {
    expect(isGzip(gzip(new Uint8Array([1, 2, 3])))).toBe(true);
    expect(isGzip(makeIdxLabels([1]))).toBe(false);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
  });

  it("round-trips data through gzip and DecompressionStream", async () => {
    const raw = makeIdxImages(50, 28, 28, (i, r, c) => (i * 7 + r * 3 + c) % 256);
    expect(await gunzip(gzip(raw))).toEqual(raw);
  });

  it("passes data that is not gzipped through unchanged, as the same array", async () => {
    const raw = makeIdxLabels([1, 2]);
    expect(await maybeGunzip(raw)).toBe(raw);
    expect(await maybeGunzip(gzip(raw))).toEqual(raw);
  });

  it("rejects corrupt gzip data with a FormatError that names the source and says to re-download", async () => {
    const bytes = gzip(makeIdxImages(20, 10, 10, (i, r, c) => (i + r * c) % 256));
    bytes[bytes.length >> 1]! ^= 0xff;
    bytes[(bytes.length >> 1) + 1]! ^= 0xff;
    bytes[bytes.length - 6]! ^= 0xff; // the CRC, in case the flipped bits still inflate
    const error = await rejection(maybeGunzip(bytes, "broken.gz"));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("broken.gz");
    expect(error.message).toContain("corrupt gzip data");
    expect(error.message).toContain("Re-download the file");
  });

  it("rejects a truncated gzip stream", async () => {
    const bytes = gzip(makeIdxLabels([1, 2, 3, 4]));
    await expect(gunzip(bytes.subarray(0, bytes.length - 4), "short.gz")).rejects.toThrow(/short\.gz.*corrupt gzip/);
  });

  it("refuses to gunzip data without the gzip magic number", async () => {
    const error = await rejection(gunzip(makeIdxLabels([1]), "plain.idx"));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("gzip data starting with 1f 8b");
  });
});

describe("gunzip's limits", () => {
  it("stops at the size the IDX header declares and says the file inflates past it", async () => {
    // 1008 bytes of labels, then 8 MiB more: decompression ends at byte 1008, not after the 8 MiB.
    const bomb = gzip(concat(makeIdxLabels(new Array(1000).fill(1)), new Uint8Array(8 << 20)));
    const error = await formatRejection(gunzip(bomb, "bomb.gz", idx));
    expect(error.message).toBe("Invalid bomb.gz: expected 1008 bytes once decompressed, as its header declares, " +
      "got more (it inflates past byte 1008). The file is damaged, or two files were joined: re-download it.");
  });

  it("refuses a header that declares more than maxBytes, before inflating the rest", async () => {
    const error = await formatRejection(gunzip(gzip(concat(imagesHeader(100), new Uint8Array(10))), "big.gz",
      { ...idx, maxBytes: 65536 }));
    expect(error.message).toBe("Invalid big.gz: expected at most 64 KiB once decompressed (maxBytes), got a header " +
      "declaring 78416 bytes (76.6 KiB). The header is damaged or this is not the expected file; if it is genuine, " +
      "pass a larger `maxBytes`.");
  });

  it("refuses by default a header declaring 6 GB, with a typed error instead of a RangeError", async () => {
    const error = await formatRejection(gunzip(gzip(imagesHeader(7_700_000)), "huge.gz", idx));
    expect(error.message).toContain("expected at most 1 GiB once decompressed (maxBytes)");
    expect(error.message).toContain("declaring 6036800016 bytes (5.6 GiB)");
  });

  it("stops at maxBytes when the content declares no size", async () => {
    const data = Uint8Array.from({ length: 2 << 20 }, (_, i) => (i * 2654435761) >>> 24);
    const error = await formatRejection(gunzip(gzip(data), "blob.gz", { maxBytes: 1 << 20 }));
    expect(error.message).toContain("expected at most 1 MiB once decompressed (maxBytes), got more (stopped at byte 1048576)");
    const whole = await gunzip(gzip(data), "blob.gz", { maxBytes: 2 << 20 });
    expect(Buffer.compare(whole, data)).toBe(0);
  });

  it("hands a stream that ends before its declared size to the IDX parser, which calls it truncated", async () => {
    const whole = makeIdxLabels([1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    const cut = await gunzip(gzip(whole.subarray(0, 13)), "cut.gz", idx);
    expect(cut.length).toBe(13);
    expect(() => parseIdx(cut, "cut")).toThrow("got 5 (the file is truncated)");
  });

  it.each([0, 1.5, 2 ** 32 + 1, "1024", Number.POSITIVE_INFINITY])("refuses maxBytes = %s", async (maxBytes) => {
    const error = await rejection(gunzip(gzip(makeIdxLabels([1])), "x.gz", { maxBytes: maxBytes as number }));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toMatch(/^Invalid maxBytes: expected a whole number of bytes in \[1, 2\^32\], got /);
  });

  it("accepts a file of exactly maxBytes", async () => {
    const labels = makeIdxLabels([1, 2, 3]);
    expect(await gunzip(gzip(labels), "x.gz", { ...idx, maxBytes: labels.length })).toEqual(labels);
  });

  it("reads the declared size from an IDX header of any rank, and waits while the header is incomplete", () => {
    expect(idxSize(makeIdxLabels([1, 2, 3]))).toBe(11);
    expect(idxSize(imagesHeader(2))).toBe(16 + 2 * 784);
    expect(idxSize(new Uint8Array([0, 0, 8, 4, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]))).toBe(20 + 120);
    expect(idxSize(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2]))).toBeUndefined();
    expect(idxSize(new Uint8Array([0, 0, 8]))).toBeUndefined();
  });

  it.each([
    ["another type code", [0, 0, 0x0d, 1, 0, 0, 0, 2], "Invalid h: expected IDX type code 0x08 (unsigned byte), got 0x0d (float)."],
    ["0 dimensions", [0, 0, 8, 0], "Invalid h: expected 1 to 4 dimensions in the IDX magic number, got 0."],
    ["an HTML page", [...new TextEncoder().encode("<!DOCTYPE html>")], "Invalid h: expected an IDX magic number starting with 00 00, got 3c 21 44 4f …."],
    ["images of 65536×65536 pixels", [0, 0, 8, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0],
      "Invalid h: expected images of at most 134217727 pixels (the most inputs a model of 2^28 parameters takes), got 65536×65536 pixels."],
  ])("refuses a header with %s from its first bytes", (_, head, message) => {
    const error = thrown(() => idxSize(Uint8Array.from(head), "h"));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message.startsWith(message)).toBe(true);
  });

  it("refuses a labels header where images are expected, and the other way round", () => {
    expect(() => idxSize(makeIdxLabels([1]), "x", "images")).toThrow("Invalid x: expected an images file (magic 0x00000803: " +
      "count × rows × cols), got magic 0x00000801 (1 dimension: 1). The images and labels files look swapped");
    expect(() => idxSize(imagesHeader(1), "y", "labels")).toThrow("Invalid y: expected a labels file");
    expect(idxSize(imagesHeader(1), "y", "images")).toBe(16 + 784);
  });
});

/** A gzip member of `head` followed by `zeros` bytes of zeros, compressed as it is written (200 MB → about 200 KB). */
async function zeroBomb(head: Uint8Array, zeros: number): Promise<Uint8Array> {
  const deflate = createGzip({ level: 9 }), chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => deflate.on("end", resolve));
  deflate.write(head);
  const block = Buffer.alloc(1 << 20);
  for (let left = zeros; left > 0; left -= block.length) deflate.write(left >= block.length ? block : block.subarray(0, left));
  deflate.end();
  await ended;
  return new Uint8Array(Buffer.concat(chunks));
}

/** Runs `body` with every DecompressionStream counting the bytes it inflates; resolves to that count and the outcome. */
async function countingInflated<T>(body: () => Promise<T>): Promise<{ inflated: number; outcome: T | unknown }> {
  let inflated = 0;
  const Native = globalThis.DecompressionStream;
  class Counting extends Native {
    constructor(format: CompressionFormat) {
      super(format);
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) { inflated += chunk.length; controller.enqueue(chunk); },
      });
      const readable = super.readable.pipeThrough(counter);
      Object.defineProperty(this, "readable", { get: () => readable });
    }
  }
  vi.stubGlobal("DecompressionStream", Counting);
  try {
    const outcome = await body().catch((error: unknown) => error);
    return { inflated, outcome };
  } finally {
    vi.unstubAllGlobals();
  }
}

describe("gzip bombs whose IDX header is wrong", () => {
  const ZEROS = 200_000_000;
  let bomb: Uint8Array;
  beforeAll(async () => {
    bomb = await zeroBomb(new Uint8Array([0, 0, 8, 7, 0, 0, 0, 1]), ZEROS);
  });

  it("are small files, and the counter sees every byte of one that nothing stops", async () => {
    expect(bomb.length).toBeLessThan(400_000);
    const small = await zeroBomb(new Uint8Array([0, 0, 8, 7]), 4 << 20);
    const { inflated, outcome } = await countingInflated(() => gunzip(small, "small.gz"));
    expect(outcome).toBeInstanceOf(Uint8Array);
    expect(inflated).toBe(4 + (4 << 20));
  });

  it("are refused by gunzip from their first inflated bytes, having inflated under 1 MiB of the 200 MB", async () => {
    const { inflated, outcome } = await countingInflated(() => gunzip(bomb, "bomb.gz", idx));
    expect(outcome).toBeInstanceOf(FormatError);
    expect((outcome as Error).message).toBe("Invalid bomb.gz: expected 1 to 4 dimensions in the IDX magic number, got 7. " +
      "The header is damaged: re-download the file.");
    expect(inflated).toBeLessThan(1 << 20);
  });

  it("are refused by the Fashion-MNIST loader, which directories and the CLI go through too, naming the file, having inflated under 1 MiB", async () => {
    const { inflated, outcome } = await countingInflated(() => loadFashionMNIST({ files: { ...makeFashionFiles(), trainImages: bomb } }));
    expect(outcome).toBeInstanceOf(FormatError);
    expect((outcome as Error).message).toMatch(/^Invalid files trainImages: expected 1 to 4 dimensions in the IDX magic number, got 7\./);
    expect(inflated).toBeLessThan(1 << 20);
  });

  it("are refused by checksum verification having inflated under 1 MiB", async () => {
    const { inflated, outcome } = await countingInflated(() => verifyFashionMNISTFile(bomb, FASHION_MNIST_SHA256.trainImages, "bomb.gz"));
    expect(outcome).toBeInstanceOf(FormatError);
    expect((outcome as Error).message).toMatch(/^Invalid bomb\.gz: expected SHA-256 /);
    expect(inflated).toBeLessThan(1 << 20);
  });

  it("stop at the size a valid header declares: 0 images of 1×1 pixels followed by 20 MB of zeros", async () => {
    const empty = await zeroBomb(makeIdxImages(0, 1, 1), ZEROS / 10);
    const { inflated, outcome } = await countingInflated(() => gunzip(empty, "empty.gz", idx));
    expect((outcome as Error).message).toMatch(/^Invalid empty\.gz: expected 16 bytes once decompressed, as its header declares/);
    expect(inflated).toBeLessThan(1 << 20);
  });
});

describe("gunzip's refusal of data after the gzip member", () => {
  const labels = makeIdxLabels([3, 1, 4, 1, 5, 9, 2, 6]);
  const member = gzip(labels);
  const cases: [string, Uint8Array, string][] = [
    ["trailing bytes", new TextEncoder().encode("hello, world"), "trailing bytes: 68 65 6c 6c …"],
    ["zero padding", new Uint8Array(16), "zero padding: 00 00 00 00 …"],
    ["a second IDX file", gzip(makeIdxLabels([7, 7])), "a second gzip member: 1f 8b 08 00 …"],
    ["an empty second member", gzip(new Uint8Array(0)), "a second gzip member: 1f 8b 08 00 …"],
  ];

  it.each(cases)("refuses %s after an IDX file, naming the offset where they start", async (_what, tail, shown) => {
    const error = await formatRejection(gunzip(concat(member, tail), "joined.gz", idx));
    expect(error.message).toBe(`Invalid joined.gz: expected one gzip member and nothing after it, got ${tail.length} ` +
      `more bytes from offset ${member.length} (${shown}). Re-download the file; if its content is right, ` +
      "recompress it as one gzip member (gunzip -c file.gz | gzip > fixed.gz).");
  });

  it.each(cases.slice(1))("refuses %s after content that declares no size, naming the offset", async (_what, tail) => {
    const error = await formatRejection(gunzip(concat(member, tail), "joined.gz"));
    expect(error.message).toContain(`more bytes from offset ${member.length}`);
  });

  it("names the file and the offset when the loader meets trailing data", async () => {
    const files = makeFashionFiles();
    const padded = { ...files, testLabels: concat(files.testLabels, new Uint8Array(4)) };
    const error = await formatRejection(loadFashionMNIST({ files: padded }));
    expect(error.message).toContain(`Invalid files testLabels: expected one gzip member and nothing after it, got 4 ` +
      `more bytes from offset ${files.testLabels.length}`);
  });

  it("applies the loader's maxBytes to decompression", async () => {
    const error = await formatRejection(loadFashionMNIST({ files: makeFashionFiles(), maxBytes: 64 }));
    expect(error.message).toContain("expected at most 64 bytes once decompressed (maxBytes)");
  });
});
