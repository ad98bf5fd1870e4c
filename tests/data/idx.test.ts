import { describe, expect, it } from "vitest";
import { FormatError } from "../../src/errors.js";
import { parseIdx, parseIdxPair } from "../../src/data/idx.js";
import { gzip, makeIdxImages, makeIdxLabels, concat } from "../helpers/idx.js";
import { optionError, thrown } from "../helpers/errors.js";

function header(magic: number[], dims: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length);
  bytes.set(magic);
  const view = new DataView(bytes.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  return bytes;
}

describe("parseIdx", () => {
  it("reads the big-endian dimensions and data of a labels file", () => {
    const { dims, data } = parseIdx(makeIdxLabels([3, 1, 4, 1, 5]));
    expect(dims).toEqual([5]);
    expect(Array.from(data)).toEqual([3, 1, 4, 1, 5]);
  });

  it("reads an images file and returns its pixels as a view into the input, not a copy", () => {
    const bytes = makeIdxImages(2, 3, 4, (i, r, c) => i * 100 + r * 10 + c);
    const { dims, data } = parseIdx(bytes);
    expect(dims).toEqual([2, 3, 4]);
    expect(data.length).toBe(24);
    expect(data[0]).toBe(0);
    expect(data[23]).toBe(123);
    expect(data.buffer).toBe(bytes.buffer);
    expect(data.byteOffset).toBe(16);
  });

  it("reads dimension sizes above 2^31 as unsigned numbers", () => {
    const bytes = header([0, 0, 8, 2], [0x80000000, 0]);
    expect(parseIdx(bytes).dims).toEqual([0x80000000, 0]);
  });

  it("accepts 2 and 4 dimensions", () => {
    expect(parseIdx(concat(header([0, 0, 8, 2], [2, 2]), new Uint8Array(4))).dims).toEqual([2, 2]);
    expect(parseIdx(concat(header([0, 0, 8, 4], [1, 2, 1, 2]), new Uint8Array(4))).dims).toEqual([1, 2, 1, 2]);
  });

  it("works on a view that starts inside a larger buffer", () => {
    const labels = makeIdxLabels([7, 8]);
    const padded = concat(new Uint8Array([9, 9, 9]), labels).subarray(3);
    expect(Array.from(parseIdx(padded).data)).toEqual([7, 8]);
  });

  it("rejects a wrong magic number, naming the source and showing the bytes that came", () => {
    const error = thrown(() => parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), "my-file.idx"));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("my-file.idx");
    expect(error.message).toContain("00 00");
    expect(error.message).toContain("50 4b 03 04");
    expect(error.message).toContain("re-download the file");
  });

  it("says when the bytes are an HTML page rather than data", () => {
    const page = new TextEncoder().encode("<!DOCTYPE html><html><body>Not found</body></html>");
    expect(thrown(() => parseIdx(page)).message).toContain("HTML");
  });

  it("says when the bytes are gzipped", () => {
    const error = thrown(() => parseIdx(gzip(makeIdxLabels([1])), "labels.gz"));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("looks gzipped");
    expect(error.message).toContain("labels.gz");
  });

  it("rejects an input shorter than the magic number", () => {
    expect(thrown(() => parseIdx(new Uint8Array([0, 0]))).message).toContain("got 2 bytes");
    expect(thrown(() => parseIdx(new Uint8Array(0)))).toBeInstanceOf(FormatError);
  });

  it("rejects a type code other than unsigned byte and names the type that came", () => {
    const floats = concat(header([0, 0, 0x0d, 1], [1]), new Uint8Array(4));
    const error = thrown(() => parseIdx(floats));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("type code 0x08");
    expect(error.message).toContain("0x0d (float)");
  });

  it("rejects zero dimensions and more than four", () => {
    for (const rank of [0, 5]) {
      const error = thrown(() => parseIdx(concat(header([0, 0, 8, rank], []), new Uint8Array(32))));
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toContain("1 to 4 dimensions");
      expect(error.message).toContain(`got ${rank}`);
    }
  });

  it("rejects a header cut short before its dimensions end", () => {
    const error = thrown(() => parseIdx(header([0, 0, 8, 3], [10, 28, 28]).subarray(0, 10)));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("16-byte header");
  });

  it("rejects truncated data, giving the expected and actual byte counts", () => {
    const bytes = makeIdxImages(3, 2, 2);
    const error = thrown(() => parseIdx(bytes.subarray(0, bytes.length - 1), "cut.idx"));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("12 data bytes for dimensions 3×2×2");
    expect(error.message).toContain("got 11 (the file is truncated)");
    expect(error.message).toContain("cut.idx");
  });

  it("rejects trailing bytes after the data", () => {
    const error = thrown(() => parseIdx(concat(makeIdxLabels([1, 2]), new Uint8Array([0, 0, 0]))));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("got 5 (3 trailing bytes)");
  });

  it("rejects an input that is not a Uint8Array and says how to read one", () => {
    expect(optionError(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array)).message)
      .toBe("Invalid bytes: expected a Uint8Array, got array(4). Read the file into a Uint8Array (fetch → bytes(), fs.readFile).");
  });

  it("rejects a source name that is not a string", () => {
    expect(optionError(() => parseIdx(makeIdxLabels([1]), 5 as never)).message).toBe("Invalid source: expected a string, got 5.");
  });
});

describe("parseIdxPair", () => {
  const names = ["a", "b", "c"];

  it("builds a Dataset with rows × cols features, the image shape and class names, without copying pixels", () => {
    const images = makeIdxImages(4, 2, 3, (i) => i);
    const data = parseIdxPair(images, makeIdxLabels([0, 1, 2, 1]), { classes: 3, classNames: names });
    expect(data.length).toBe(4);
    expect(data.features).toBe(6);
    expect(data.imageShape).toEqual([2, 3]);
    expect(data.classes).toBe(3);
    expect(data.classNames).toEqual(names);
    expect(Array.from(data.y)).toEqual([0, 1, 2, 1]);
    expect(data.x).toBeInstanceOf(Uint8Array);
    expect(data.x.buffer).toBe(images.buffer);
    expect(Array.from(data.x.subarray(18, 24))).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it("accepts an empty pair", () => {
    expect(parseIdxPair(makeIdxImages(0, 2, 2), makeIdxLabels([]), { classes: 2 }).length).toBe(0);
  });

  it("rejects image and label counts that disagree, giving both counts", () => {
    const error = thrown(() =>
      parseIdxPair(makeIdxImages(3, 2, 2), makeIdxLabels([0, 1]), { classes: 2, source: "set" }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("3 images and 2 labels");
    expect(error.message).toContain("Invalid set");
  });

  it("rejects a label that is not below classes, giving its value and index", () => {
    const error = thrown(() =>
      parseIdxPair(makeIdxImages(3, 1, 1), makeIdxLabels([0, 1, 3]), { classes: 3, labelsSource: "y.idx" }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("labels in [0, 3)");
    expect(error.message).toContain("label 3 at index 2");
    expect(error.message).toContain("y.idx");
  });

  it("says the files look swapped when an images file is passed as labels", () => {
    const images = makeIdxImages(2, 1, 1);
    const error = thrown(() => parseIdxPair(images, images, { classes: 2, labelsSource: "labels.idx" }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("a labels file (magic 0x00000801");
    expect(error.message).toContain("magic 0x00000803 (3 dimensions: 2×1×1)");
    expect(error.message).toContain("look swapped");
  });

  it("says the files look swapped when a labels file is passed as images", () => {
    const labels = makeIdxLabels([0, 1]);
    const error = thrown(() => parseIdxPair(labels, labels, { classes: 2 }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("an images file (magic 0x00000803");
    expect(error.message).toContain("look swapped");
  });

  it("rejects images files with another number of dimensions without calling them swapped", () => {
    const matrix = concat(header([0, 0, 8, 2], [1, 1]), new Uint8Array(1));
    const error = thrown(() => parseIdxPair(matrix, makeIdxLabels([0]), { classes: 2 }));
    expect(error.message).toContain("2 dimensions: 1×1");
    expect(error.message).not.toContain("swapped");
  });

  it("rejects images with zero rows or columns", () => {
    const error = thrown(() => parseIdxPair(makeIdxImages(1, 0, 3), makeIdxLabels([0]), { classes: 2 }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("0×3");
  });

  it("rejects a classes count that is not an integer of at least 2", () => {
    for (const classes of [1, 2.5, Number.NaN]) {
      expect(optionError(() => parseIdxPair(makeIdxImages(1, 1, 1), makeIdxLabels([0]), { classes })).message)
        .toBe(`Invalid classes: expected an integer ≥ 2, got ${classes}.`);
    }
    expect(optionError(() => parseIdxPair(makeIdxImages(1, 1, 1), makeIdxLabels([0]), undefined as never)).option)
      .toBe("classes");
  });

  it("refuses an unknown option and names the nearest known one", () => {
    const error = optionError(() => parseIdxPair(makeIdxImages(1, 1, 1), makeIdxLabels([0]), { classes: 2, sorce: "x" } as never));
    expect(error.message).toBe('Unknown parseIdxPair option "sorce". Did you mean "source"?');
  });

  it("refuses options that are not an object", () => {
    expect(optionError(() => parseIdxPair(makeIdxImages(1, 1, 1), makeIdxLabels([0]), 10 as never)).message)
      .toBe("Invalid parseIdxPair options: expected an object, got 10.");
  });

  it("refuses class names that are not one string per class, before reading the files", () => {
    const error = optionError(() => parseIdxPair(new Uint8Array(0), new Uint8Array(0), { classes: 2, classNames: ["a"] }));
    expect(error.message).toBe("Invalid classNames: expected an array of 2 strings, got array(1).");
  });

  it.each(["source", "imagesSource", "labelsSource"])("refuses a %s that is not a string", (key) => {
    const error = optionError(() => parseIdxPair(makeIdxImages(1, 1, 1), makeIdxLabels([0]), { classes: 2, [key]: 1 }));
    expect(error.message).toBe(`Invalid ${key}: expected a string, got 1.`);
  });

  it.each(["images", "labels"])("refuses %s that are not a Uint8Array, naming which", (which) => {
    const images = which === "images" ? [0] : makeIdxImages(1, 1, 1);
    const labels = which === "labels" ? "0" : makeIdxLabels([0]);
    const error = optionError(() => parseIdxPair(images as never, labels as never, { classes: 2 }));
    expect(error.message).toMatch(new RegExp(`^Invalid ${which}: expected a Uint8Array, got .*\\. Read the file`));
  });

  it("reports a malformed file under the name given for it", () => {
    const bad = makeIdxImages(2, 2, 2).subarray(0, 20);
    expect(thrown(() => parseIdxPair(bad, makeIdxLabels([0, 1]), { classes: 2, imagesSource: "imgs.idx" })).message)
      .toContain("Invalid imgs.idx");
  });
});
