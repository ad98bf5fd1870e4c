import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage, imageToPixels } from "../../src/data/image.js";
import { decodePNG } from "../../src/codecs/png.js";
import { decodePGM } from "../../src/codecs/pgm.js";
import { IMAGE_MAX_PIXELS } from "../../src/codecs/image.js";
import type { DecodedImage } from "../../src/codecs/image.js";
import { FormatError, OptionError } from "../../src/errors.js";
import { optionError, rejection, thrown } from "../helpers/errors.js";
import { randomU8 } from "../../bench/shared/random.js";
import { chunk, concat, ihdr, png, pgm, scanlines, SIGNATURE } from "../helpers/png.js";
import { deflateSync } from "node:zlib";

const grey = (width: number, height: number, data: ArrayLike<number>): DecodedImage =>
  ({ width, height, channels: 1, data: Uint8Array.from(data) });

/** A PNG from the signature, an IHDR, IDAT chunks of the given zlib data, and IEND. */
const raw = (header: Uint8Array, zlib: Uint8Array, ...rest: Uint8Array[]) => concat(SIGNATURE, header, chunk("IDAT", zlib), ...rest, chunk("IEND"));

async function pngError(bytes: Uint8Array, options = {}): Promise<FormatError> {
  const error = await rejection(decodePNG(bytes, options));
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

async function pgmError(bytes: Uint8Array, options = {}): Promise<FormatError> {
  const error = await rejection(decodePGM(bytes, options));
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

describe("decodePNG", () => {
  it.each([1, 2, 3, 4] as const)("decodes %i-channel 8-bit images through every filter type, rows back as they were", async (channels) => {
    const width = 7, height = 10;
    const data = randomU8(width * height * channels, channels);
    const image = await decodePNG(png({ width, height, channels, data, filters: [0, 1, 2, 3, 4] }));
    expect(image).toEqual({ width, height, channels, data });
  });

  it("joins image data split over several IDAT chunks, and skips ancillary chunks and a suggested palette", async () => {
    const data = randomU8(30 * 20 * 3, 9);
    const before = [chunk("tEXt", new TextEncoder().encode("Comment\0hello")), chunk("PLTE", new Uint8Array(6)), chunk("pHYs", new Uint8Array(9))];
    const image = await decodePNG(png({ width: 30, height: 20, channels: 3, data, filters: [4, 1], idats: 5, before }));
    expect(image.data).toEqual(data);
  });

  it("ignores whatever follows IEND", async () => {
    const bytes = concat(png({ width: 2, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4]) }), Uint8Array.from([1, 2, 3]));
    expect(Array.from((await decodePNG(bytes)).data)).toEqual([1, 2, 3, 4]);
  });

  const ok = (w = 2, h = 2) => deflateSync(scanlines(new Uint8Array(w * h), w, h, 1));

  it.each([
    ["a wrong signature", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), "expected the PNG signature 89 50 4e 47 0d 0a 1a 0a, got 89 50 4e 47 00 00 00 00."],
    ["a file cut inside a chunk header", concat(SIGNATURE, ihdr(2, 2).subarray(0, 10)), "expected a complete chunk (length, type, CRC), got 10 bytes at offset 8. The file is truncated."],
    ["a chunk longer than the file", concat(SIGNATURE, ihdr(2, 2).subarray(0, 20)), 'expected chunk "IHDR" within the file, got 13 bytes declared, 8 left. The file is truncated.'],
    ["a CRC mismatch", (() => { const b = png({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }); b[20] = b[20]! ^ 1; return b; })(),
      'expected chunk "IHDR" with a matching CRC-32, got a mismatch. The file is damaged.'],
    ["another chunk first", concat(SIGNATURE, chunk("IDAT", ok()), ihdr(2, 2), chunk("IEND")), 'expected IHDR as the first chunk, got "IDAT".'],
    ["an IHDR of the wrong length", concat(SIGNATURE, chunk("IHDR", new Uint8Array(12)), chunk("IEND")), "expected an IHDR chunk of 13 bytes, got 12."],
    ["a zero width", raw(ihdr(0, 2), ok()), "expected a width and height ≥ 1, got 0 × 2."],
    ["a width beyond 2^31 − 1", raw(ihdr(2 ** 31, 1), ok()), "expected a width and height ≥ 1, got 2147483648 × 1."],
    ["a paletted image", raw(ihdr(2, 2, { colour: 3 }), ok()), "expected grey, grey + alpha, RGB or RGBA samples, got a paletted image. Save it as an 8-bit"],
    ["an unknown colour type", raw(ihdr(2, 2, { colour: 5 }), ok()), "expected a PNG colour type of 0, 2, 3, 4 or 6, got 5."],
    ["16-bit samples", raw(ihdr(2, 2, { depth: 16 }), ok()), "expected 8-bit samples, got 16-bit samples. Save it as an 8-bit grey, grey + alpha, RGB or RGBA PNG"],
    ["samples below 8 bits", raw(ihdr(2, 2, { depth: 4 }), ok()), "expected 8-bit samples, got a bit depth of 4."],
    ["another compression method", raw(ihdr(2, 2, { compression: 1 }), ok()), "expected compression and filter method 0, got 1 and 0."],
    ["another filter method", raw(ihdr(2, 2, { filter: 1 }), ok()), "expected compression and filter method 0, got 0 and 1."],
    ["an interlaced image", raw(ihdr(2, 2, { interlace: 1 }), ok()), "expected a non-interlaced image, got an Adam7-interlaced one. Save it as an 8-bit grey, grey + alpha, RGB or RGBA PNG, not interlaced"],
    ["an unknown interlace method", raw(ihdr(2, 2, { interlace: 2 }), ok()), "expected interlace method 0 or 1, got 2."],
    ["a second IHDR", raw(ihdr(2, 2), ok(), ihdr(2, 2)), "expected one IHDR chunk, got a second one."],
    ["IDAT chunks split by another chunk", concat(SIGNATURE, ihdr(2, 2), chunk("IDAT", ok().subarray(0, 4)), chunk("tEXt"), chunk("IDAT", ok().subarray(4)), chunk("IEND")),
      "expected consecutive IDAT chunks, got IDAT chunks split by another chunk."],
    ["an unknown critical chunk", raw(ihdr(2, 2), ok(), chunk("ABCD")), 'expected known critical chunks (IHDR, PLTE, IDAT, IEND), got "ABCD".'],
    ["no IEND", concat(SIGNATURE, ihdr(2, 2), chunk("IDAT", ok())), "expected an IEND chunk at the end, got the end of the file. The file is truncated."],
    ["no IDAT", concat(SIGNATURE, ihdr(2, 2), chunk("IEND")), "expected at least one IDAT chunk, got none."],
    ["image data too short to inflate to the declared size", raw(ihdr(60000, 500), ok()),
      "expected image data that can inflate to 30000500 bytes for 60000 × 500, got 11 compressed bytes. The file is truncated, or its header lies about the size."],
    ["image data that inflates to less than the size", raw(ihdr(2, 3), ok()), "expected 9 bytes of image data for 2 × 3, got 6. The file is truncated."],
    ["image data that inflates to more than the size", raw(ihdr(2, 1), ok()), "expected 3 bytes of image data for 2 × 1, got more. The header lies about the size."],
    ["corrupt zlib data", raw(ihdr(2, 2), Uint8Array.from([0x78, 0x9c, 0xff, 0xff, 0xff])), "expected valid zlib image data, got corrupt data"],
    ["a truncated zlib stream", raw(ihdr(2, 2), ok().subarray(0, 6)), "expected valid zlib image data, got corrupt data"],
    ["an unknown row filter", raw(ihdr(2, 2), deflateSync(Uint8Array.from([0, 1, 2, 5, 3, 4]))), "expected row filters 0 to 4, got filter 5 on row 1."],
  ])("refuses %s with a FormatError", async (_, bytes, message) => {
    const error = await pngError(bytes);
    expect(error.message.startsWith("Invalid PNG: expected ")).toBe(true);
    expect(error.message).toContain(message);
  });

  it("refuses more pixels than the cap from the header alone, before inflating anything", async () => {
    const error = await pngError(raw(ihdr(2 ** 15, 2 ** 15), Uint8Array.from([1, 2, 3])));
    expect(error.message).toBe(`Invalid PNG: expected at most ${IMAGE_MAX_PIXELS} pixels, got 32768 × 32768. Resize the image first: the model sees it at 28 × 28 anyway.`);
    const small = png({ width: 4, height: 4, channels: 1, data: new Uint8Array(16) });
    expect((await pngError(small, { maxPixels: 15 })).message).toContain("expected at most 15 pixels, got 4 × 4.");
    expect((await decodePNG(small, { maxPixels: 16 })).width).toBe(4);
  });

  it("refuses every truncation of a valid file, and every one-byte corruption decodes or fails with a FormatError", async () => {
    const bytes = png({ width: 5, height: 4, channels: 4, data: randomU8(80, 4), filters: [1, 2, 3, 4], idats: 2 });
    for (let n = 0; n < bytes.length; n++) expect(await rejection(decodePNG(bytes.subarray(0, n))), `${n} bytes`).toBeInstanceOf(FormatError);
    for (let i = 0; i < bytes.length; i++) {
      const broken = bytes.slice();
      broken[i] = broken[i]! ^ 0x5a;
      const outcome = await decodePNG(broken).catch((error: unknown) => error);
      if (!(outcome instanceof FormatError)) expect((outcome as { width: number }).width, `byte ${i}`).toBe(5);
    }
  });

  it("names the source in its errors, and refuses a bad maxPixels", async () => {
    expect((await pngError(new Uint8Array(3), { source: "shoe.png" })).message).toBe("Invalid shoe.png: expected the PNG signature 89 50 4e 47 0d 0a 1a 0a, got 00 00 00.");
    expect((await rejection(decodePNG(new Uint8Array(0), { maxPixels: 0 })))).toBeInstanceOf(OptionError);
    expect((await rejection(decodePNG(new Uint8Array(0), { maxPixels: 1.5 })))).toBeInstanceOf(OptionError);
  });
});

describe("the decoders' options", () => {
  const tiny = pgm("P5 1 1 255 ", Uint8Array.from([7]));
  it.each([
    ["decodeImage", decodeImage], ["decodePNG", decodePNG], ["decodePGM", decodePGM],
  ] as const)("%s refuses an unknown key listing the known ones, a bad source, and bytes that are not a Uint8Array", async (name, decode) => {
    expect((await rejection(decode(tiny, { maxPixel: 4 } as never))).message).toBe(`Unknown ${name} option "maxPixel". Known options: maxPixels, source.`);
    expect((await rejection(decode(tiny, { source: 5 } as never))).message).toBe("Invalid source: expected a string, got 5.");
    expect((await rejection(decode(tiny, 5 as never))).message).toBe(`Invalid ${name} options: expected an object, got 5.`);
    const notBytes = await rejection(decode([1, 2, 3] as never));
    expect(notBytes).toBeInstanceOf(OptionError);
    expect(notBytes.message).toBe("Invalid bytes: expected a Uint8Array, got array(3).");
  });

  it("imageToPixels refuses an unknown key listing the known ones", () => {
    expect(optionError(() => imageToPixels(grey(1, 1, [0]), { inverted: true } as never)).message)
      .toBe('Unknown imageToPixels option "inverted". Known options: size, invert.');
  });
});

describe("decodePGM", () => {
  it("decodes a binary P5 with 8-bit samples", async () => {
    expect(await decodePGM(pgm("P5\n3 2\n255\n", Uint8Array.from([0, 1, 2, 253, 254, 255])))).toEqual(grey(3, 2, [0, 1, 2, 253, 254, 255]));
  });

  it("scales samples of a smaller maxval to 0–255", async () => {
    expect(Array.from((await decodePGM(pgm("P5 4 1 15 ", Uint8Array.from([0, 1, 8, 15])))).data)).toEqual([0, 17, 136, 255]);
  });

  it("reads an ASCII P2 with comments and any whitespace", async () => {
    const image = await decodePGM(pgm("P2\n# made by hand\n2 # width\n 2\n# maxval next\n255\n0 64\n\t128  255\n"));
    expect(image).toEqual(grey(2, 2, [0, 64, 128, 255]));
  });

  it.each([
    ["a wrong magic", pgm("P6\n1 1\n255\n", "x"), 'expected a PGM starting with "P5" or "P2", got 50 36.'],
    ["a header cut short", pgm("P5\n3 2\n"), "expected the maxval as a decimal number, got the end of the file. The file is truncated."],
    ["a size that is not a number", pgm("P5\nthree 2\n255\n"), 'expected the width as a decimal number, got the byte "t".'],
    ["a number run into letters", pgm("P5\n3x 2\n255\n"), 'expected the width followed by whitespace, got the byte "x".'],
    ["a zero height", pgm("P5\n3 0\n255\n"), "expected a width and height ≥ 1, got 3 × 0."],
    ["a maxval of 0", pgm("P5\n1 1\n0\n", "\0"), "expected a maxval in [1, 65535], got 0. The header is damaged."],
    ["a maxval above 65535", pgm("P5\n1 1\n70000\n", "\0"), "expected a maxval in [1, 65535], got 70000."],
    ["16-bit samples", pgm("P5\n1 1\n65535\n", "\0\0"), "expected a maxval of at most 255 (8-bit samples), got 65535 (16-bit samples). Save it with 8-bit samples"],
    ["a number of more than ten digits", pgm("P5\n12345678901 1\n255\n"), "expected the width as a number of at most 10 digits, got more. The header is damaged."],
    ["a binary raster shorter than the size", pgm("P5\n3 2\n255\n", Uint8Array.from([1, 2, 3])),
      "expected 6 bytes of samples for 3 × 2, got 3. The file is truncated, or its header lies about the size."],
    ["a binary raster longer than the size", pgm("P5\n1 1\n255\n", Uint8Array.from([1, 2])), "expected 1 bytes of samples for 1 × 1, got 2."],
    ["a binary sample above maxval", pgm("P5\n2 1\n15\n", Uint8Array.from([15, 16])), "expected samples ≤ maxval 15, got 16 at pixel 1."],
    ["an ASCII raster too short for the size", pgm("P2\n3 3\n255\n1 2 3\n"), "expected at least 17 bytes of samples for 3 × 3, got 6."],
    ["an ASCII raster with too few samples", pgm("P2\n2 2\n255\n1 2       3"), "expected the sample 3 as a decimal number, got the end of the file."],
    ["an ASCII raster with more samples", pgm("P2\n1 2\n255\n1 2 3\n"), "expected 2 samples for 1 × 2, got more."],
    ["an ASCII sample above maxval", pgm("P2\n2 1\n9\n3 10\n"), "expected samples ≤ maxval 9, got 10 at pixel 1."],
  ])("refuses %s with a FormatError", async (_, bytes, message) => {
    const error = await pgmError(bytes);
    expect(error.message.startsWith("Invalid PGM: expected ")).toBe(true);
    expect(error.message).toContain(message);
  });

  it("refuses every truncation of a valid P5 and P2", async () => {
    for (const bytes of [pgm("P5\n# c\n3 2\n255\n", randomU8(6, 7)), pgm("P2\n3 2\n255\n1 22 133\n4 5 6")]) {
      for (let n = 0; n < bytes.length; n++) expect(await rejection(decodePGM(bytes.subarray(0, n))), `${n} bytes`).toBeInstanceOf(FormatError);
      expect((await decodePGM(bytes)).width).toBe(3);
    }
  });

  it("refuses more pixels than the cap before allocating, whatever follows", async () => {
    expect((await pgmError(pgm("P5\n100000 100000\n255\n"))).message).toContain(`expected at most ${IMAGE_MAX_PIXELS} pixels, got 100000 × 100000.`);
    expect((await pgmError(pgm("P5 2 2 255 ", new Uint8Array(4)), { maxPixels: 3 })).message).toContain("expected at most 3 pixels, got 2 × 2.");
  });
});

describe("decodeImage", () => {
  it("tells PNG and PGM apart by their first bytes", async () => {
    expect((await decodeImage(png({ width: 1, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3]) }))).channels).toBe(3);
    expect((await decodeImage(pgm("P5 1 1 255\n", "A"))).data[0]).toBe(65);
    expect((await decodeImage(pgm("P2 1 1 255\n7"))).data[0]).toBe(7);
  });

  it("refuses other formats, naming the source", async () => {
    const error = await rejection(decodeImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]), { source: "photo.jpg" }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe("Invalid photo.jpg: expected a PNG or PGM (P5 or P2) image, got ff d8 ff e0. Convert it to PNG first.");
  });
});

describe("imageToPixels", () => {
  const ramp = Array.from({ length: 784 }, (_, i) => i % 256);

  it("leaves a 28 × 28 grey image as it is", () => {
    expect(Array.from(imageToPixels(grey(28, 28, ramp)))).toEqual(ramp);
  });

  it("takes luminance with BT.601 weights, as Pillow's convert(\"L\") does", () => {
    const rgb: DecodedImage = { width: 2, height: 2, channels: 3, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]) };
    expect(Array.from(imageToPixels(rgb, { size: 2 }))).toEqual([76, 150, 29, 255]);
  });

  it("inverts with invert: 255 − v", () => {
    expect(Array.from(imageToPixels(grey(2, 2, [0, 10, 200, 255]), { size: 2, invert: true }))).toEqual([255, 245, 55, 0]);
  });

  it("turns transparent pixels into the background, black, inverted or not", () => {
    const la: DecodedImage = { width: 3, height: 1, channels: 2, data: Uint8Array.from([255, 0, 0, 0, 200, 255]) };
    // Fully transparent white and black both become background; the opaque pixel keeps its grey. The one row
    // sits in the middle of the 3 × 3 square.
    const row = (o: object) => Array.from(imageToPixels(la, { size: 3, ...o }).subarray(3, 6));
    expect(row({})).toEqual([0, 0, 200]);
    expect(row({ invert: true })).toEqual([0, 0, 55]);
    const half: DecodedImage = { width: 1, height: 1, channels: 4, data: Uint8Array.from([255, 255, 255, 128]) };
    expect(imageToPixels(half, { size: 1 })[0]).toBe(128);
    expect(imageToPixels(half, { size: 1, invert: true })[0]).toBe(0);
  });

  it("averages the area each output pixel covers when shrinking", () => {
    // 56 × 56: each output pixel is the mean of a 2 × 2 block.
    const data = Array.from({ length: 56 * 56 }, (_, i) => ((i % 56) % 2) * 100 + (Math.floor(i / 56) % 2) * 50);
    expect(new Set(imageToPixels(grey(56, 56, data)))).toEqual(new Set([75]));
    // 3 × 3 into 2 × 2: the middle row and column are split half and half; (0, 0) = (0 + 45 + 45 + 22.5) / 2.25.
    const nine = grey(3, 3, [0, 90, 180, 90, 90, 90, 180, 90, 0]);
    expect(Array.from(imageToPixels(nine, { size: 2 }))).toEqual([50, 130, 130, 50]);
  });

  it("repeats pixels when enlarging", () => {
    const out = imageToPixels(grey(2, 2, [10, 20, 30, 40]), { size: 4 });
    expect(Array.from(out)).toEqual([10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40]);
  });

  it("centres a non-square image on black, keeping its proportions", () => {
    const wide = imageToPixels(grey(4, 2, Array(8).fill(200)), { size: 4 });
    expect(Array.from(wide)).toEqual([0, 0, 0, 0, 200, 200, 200, 200, 200, 200, 200, 200, 0, 0, 0, 0]);
    const tall = imageToPixels(grey(1, 3, [90, 90, 90]), { size: 3 });
    expect(Array.from(tall)).toEqual([0, 90, 0, 0, 90, 0, 0, 90, 0]);
  });

  it.each([
    ["a size of 0", grey(1, 1, [0]), { size: 0 }, "size"],
    ["a fractional size", grey(1, 1, [0]), { size: 2.5 }, "size"],
    ["an invert that is not a boolean", grey(1, 1, [0]), { invert: "yes" }, "invert"],
    ["data of the wrong length", grey(2, 2, [0, 0, 0]), {}, "image"],
    ["a channel count that is no image's", { width: 1, height: 1, channels: 5, data: new Uint8Array(5) }, {}, "image"],
    ["no image", undefined, {}, "image"],
  ])("refuses %s with an OptionError", (_, image, options, option) => {
    expect(optionError(() => imageToPixels(image as DecodedImage, options as never)).option).toBe(option);
  });
});

// Pillow, where Debian's python3-pil is installed (it comes with python3-torch): an encoder and a resizer not ours.
const PYTHON = "/usr/bin/python3";
const pil = spawnSync(PYTHON, ["-c", "import PIL, numpy"], { encoding: "utf8" });
const pilMissing = pil.status !== 0 ? `skipped: ${PYTHON} cannot import PIL and numpy (apt-get install python3-pil python3-numpy)` : "";

describe.skipIf(pilMissing !== "")(`PNGs written by Pillow ${pilMissing}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wasm-softmax-pil-"));
    const run = spawnSync(PYTHON, [join(import.meta.dirname, "pil_images.py"), dir], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
  }, 90_000);
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it.each([["L", 1], ["LA", 2], ["RGB", 3], ["RGBA", 4]] as const)("decode (%s) to Pillow's own bytes", async (mode, channels) => {
    const image = await decodeImage(new Uint8Array(await readFile(join(dir, `${mode}.png`))));
    expect({ width: image.width, height: image.height, channels: image.channels }).toEqual({ width: 37, height: 23, channels });
    expect(Buffer.from(image.data).equals(await readFile(join(dir, `${mode}.raw`)))).toBe(true);
  });

  // Pillow's BOX weighs whole pixels by where their centres fall, not by the area they share with the output pixel,
  // so the two agree only where each output pixel covers whole input pixels (the sides here are multiples of 28).
  it.each(["L", "RGB"])("resize (%s, sides 28, 56 and 84) to Pillow's convert(\"L\").resize((28, 28), BOX) within 1", async (mode) => {
    for (const side of [28, 56, 84]) {
      const pixels = imageToPixels(await decodeImage(new Uint8Array(await readFile(join(dir, `${mode}-${side}.png`)))));
      const box = await readFile(join(dir, `${mode}-${side}.box`));
      const worst = Math.max(...Array.from(pixels, (v, i) => Math.abs(v - box[i]!)));
      expect(worst, `${mode} ${side}`).toBeLessThanOrEqual(side === 28 ? 0 : 1);
    }
  });
});
