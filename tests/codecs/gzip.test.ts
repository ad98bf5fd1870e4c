import { describe, expect, it } from "vitest";
import { FormatError, OptionError } from "../../src/errors.js";
import { loadFashionMNIST } from "../../src/data/fashion-mnist/load.js";
import { gunzip, isGzip, maybeGunzip } from "../../src/codecs/gzip.js";
import { idxSize, parseIdx } from "../../src/data/idx.js";
import { gzip, makeFashionFiles, makeIdxImages, makeIdxLabels, concat } from "../helpers/idx.js";
import { rejection } from "../helpers/errors.js";

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

  it("reads the declared size from an IDX header of any rank, and nothing from other bytes", () => {
    expect(idxSize(makeIdxLabels([1, 2, 3]))).toBe(11);
    expect(idxSize(imagesHeader(2))).toBe(16 + 2 * 784);
    expect(idxSize(new Uint8Array([0, 0, 8, 4, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]))).toBe(20 + 120);
    expect(idxSize(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2]))).toBeUndefined();
    expect(idxSize(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 2]))).toBeUndefined();
    expect(idxSize(new Uint8Array([0, 0, 8, 0]))).toBeUndefined();
    expect(idxSize(new TextEncoder().encode("<!DOCTYPE html>"))).toBeUndefined();
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
