import { describe, expect, it } from "vitest";
import { imageGridSVG, learningCurvesSVG } from "../../src/plot/svg.js";
import type { EpochLogs } from "../../src/train/events.js";
import { OptionError } from "../../src/errors.js";
import { expectWellFormedSVG } from "../helpers/svg.js";
import { optionError } from "../helpers/errors.js";
import { decodePNG } from "../../src/codecs/png.js";

const epochs = (n: number, withVal = true): EpochLogs[] => Array.from({ length: n }, (_, i) => ({
  epoch: i + 1, loss: 1 / (i + 1), accuracy: 0.5 + i * 0.05, ms: 10,
  ...(withVal && { valLoss: 1.1 / (i + 1), valAccuracy: 0.45 + i * 0.05 }),
}));

const polylines = (svg: string) => [...svg.matchAll(/<polyline ([^>]*)\/>/g)].map(([, attrs]) => ({
  stroke: /stroke="([^"]+)"/.exec(attrs!)![1],
  points: /points="([^"]*)"/.exec(attrs!)![1]!.split(" ").filter(Boolean).map((p) => p.split(",").map(Number)),
}));

// Well-formed, and no number that failed to print.
function expectWellFormed(svg: string): void {
  expectWellFormedSVG(svg);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
}

describe("learningCurvesSVG", () => {
  it("draws train loss, train accuracy and validation accuracy as one polyline each, with one point per epoch", () => {
    const svg = learningCurvesSVG(epochs(5));
    expectWellFormed(svg);
    const lines = polylines(svg);
    expect(lines.map((l) => l.stroke)).toEqual(["#1f77b4", "#9467bd", "#2ca02c"]);
    for (const line of lines) {
      expect(line.points).toHaveLength(5);
      // Epochs left to right.
      const xs = line.points.map(([x]) => x!);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
    }
    // One marker per point, and a legend entry per series.
    expect(svg.match(/<circle /g)).toHaveLength(15);
    for (const name of ["train loss", "train acc", "val acc"]) expect(svg).toContain(`>${name}</text>`);
  });

  it("names the data evaluated after each epoch as told: d2l's test set, or validation data by default", () => {
    const test = learningCurvesSVG(epochs(2), { validationName: "test" });
    expect(test).toContain(">test acc</text>");
    expect(test).not.toContain(">val acc</text>");
    expect(learningCurvesSVG(epochs(2))).not.toContain("test acc");
  });

  it("plots higher values higher up (smaller y), on a shared axis", () => {
    const [loss, acc] = polylines(learningCurvesSVG(epochs(3)));
    // Loss falls 1 → 1/3: its y grows. Accuracy rises: its y shrinks.
    expect(loss!.points[2]![1]).toBeGreaterThan(loss!.points[0]![1]!);
    expect(acc!.points[2]![1]).toBeLessThan(acc!.points[0]![1]!);
    // Same epoch, same x, for every series.
    expect(loss!.points.map(([x]) => x)).toEqual(acc!.points.map(([x]) => x));
  });

  it("leaves out a series that is absent, and skips the epochs where one is missing", () => {
    expect(polylines(learningCurvesSVG(epochs(4, false))).map((l) => l.stroke)).toEqual(["#1f77b4", "#9467bd"]);
    const partial = epochs(3);
    delete partial[0]!.valAccuracy;
    const lines = polylines(learningCurvesSVG(partial));
    expect(lines.map((l) => l.points.length)).toEqual([3, 3, 2]);
  });

  it("handles a single epoch: one point per series, centred", () => {
    const svg = learningCurvesSVG(epochs(1), { width: 480 });
    expectWellFormed(svg);
    const lines = polylines(svg);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.points).toHaveLength(1);
      // Plot area from x = 48 to 480 − 16: its middle.
      expect(line.points[0]![0]).toBe(48 + (480 - 48 - 16) / 2);
    }
  });

  it("numbers the x axis with the epochs as logged (a resumed run starts later)", () => {
    const later = epochs(3).map((e) => ({ ...e, epoch: e.epoch + 10 }));
    const svg = learningCurvesSVG(later);
    for (const e of [11, 12, 13]) expect(svg).toMatch(new RegExp(`text-anchor="middle">${e}</text>`));
  });

  it("escapes the title", () => {
    const svg = learningCurvesSVG(epochs(2), { title: `<script>"a" & 'b'</script>` });
    expectWellFormed(svg);
    expect(svg).toContain(">&lt;script&gt;&quot;a&quot; &amp; 'b'&lt;/script&gt;</text>");
    expect(svg).not.toContain("<script>");
  });

  it("uses the given size", () => {
    expect(learningCurvesSVG(epochs(2), { width: 640, height: 400 })).toMatch(/^<svg [^>]*width="640" height="400" viewBox="0 0 640 400"/);
  });

  it.each([
    [{ widht: 640 }, 'Unknown learningCurvesSVG option "widht". Did you mean "width"?'],
    [{ validation: "test" }, 'Unknown learningCurvesSVG option "validation". Did you mean "validationName"?'],
    [{ width: 0 }, "Invalid width: expected an integer in [16, 10000], got 0."],
    [{ height: "320" }, 'Invalid height: expected an integer in [16, 10000], got "320".'],
    [{ title: 5 }, "Invalid title: expected a string, got 5."],
    [{ validationName: "" }, 'Invalid validationName: expected a non-empty string, got "".'],
    [5, "Invalid learningCurvesSVG options: expected an object, got 5."],
  ])("refuses the options %j with an OptionError", (options, message) => {
    expect(optionError(() => learningCurvesSVG(epochs(2), options as never)).message).toBe(message);
  });

  it.each([[[]], [undefined], ["epochs"]])("rejects %j: there is nothing to draw", (logs) => {
    expect(() => learningCurvesSVG(logs as unknown as EpochLogs[])).toThrow(OptionError);
    expect(() => learningCurvesSVG(logs as unknown as EpochLogs[])).toThrow(/Invalid epochs: expected at least one epoch of logs/);
  });
});

describe("imageGridSVG", () => {
  // Four 2×3 images: image k has its pixel k lit at grey 200; the rest black.
  const images = Uint8Array.from({ length: 4 * 6 }, (_, i) => (i % 6 === Math.floor(i / 6) ? 200 : 0));
  const base = { images, imageShape: [2, 3] as const, labels: [0, 1, 2, 1] };

  const cells = (svg: string) => [...svg.matchAll(/<g transform="translate\(([\d.]+),([\d.]+)\)">([\s\S]*?)<\/g>/g)]
    .map(([, x, y, body]) => ({ x: Number(x), y: Number(y), body: body! }));

  /** The grey pixels of the PNG a cell embeds, decoded by the package's own PNG reader. */
  async function cellPixels(body: string): Promise<{ width: number; height: number; data: number[] }> {
    const m = /<image width="(\d+)" height="\1" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image\/png;base64,([A-Za-z0-9+/=]+)"\/>/.exec(body);
    expect(m, body.slice(0, 200)).not.toBeNull();
    const image = await decodePNG(Uint8Array.from(atob(m![2]!), (c) => c.charCodeAt(0)));
    expect(image.channels).toBe(1);
    return { width: image.width, height: image.height, data: [...image.data] };
  }

  it("draws the requested number of cells, each with its image as a grey PNG and its true label", async () => {
    const svg = imageGridSVG({ ...base, count: 3, classNames: ["zero", "one", "two"] });
    expectWellFormed(svg);
    const grid = cells(svg);
    expect(grid).toHaveLength(3);
    for (const [k, cell] of grid.entries()) {
      expect(cell.body.match(/<image /g)).toHaveLength(1);
      expect(cell.body).not.toContain("<rect");
      expect(await cellPixels(cell.body)).toEqual({ width: 3, height: 2, data: [...images.subarray(k * 6, k * 6 + 6)] });
      expect(cell.body).toContain(`>${["zero", "one", "two"][base.labels[k]!]}</text>`);
    }
  });

  it("embeds every pixel exactly, in images wider than tall and larger than one stored deflate block", async () => {
    const wide = Uint8Array.from({ length: 2 * 5 }, (_, i) => (i * 37) % 256);
    expect((await cellPixels(cells(imageGridSVG({ images: wide, imageShape: [2, 5], labels: [0] }))[0]!.body)).data).toEqual([...wide]);
    // 300 × 300 grey is 90 300 bytes of scanlines: two stored blocks, and an Adler-32 whose sums wrap.
    const big = Uint8Array.from({ length: 300 * 300 }, (_, i) => (i * 7 + (i >> 9)) % 256);
    const decoded = await cellPixels(cells(imageGridSVG({ images: big, imageShape: [300, 300], labels: [0] }))[0]!.body);
    expect([decoded.width, decoded.height]).toEqual([300, 300]);
    expect(Buffer.from(decoded.data).equals(Buffer.from(big))).toBe(true);
  });

  it("is small: 18 Fashion-MNIST-sized images of noise take under 32 KB (one rect per pixel took 413 KB)", () => {
    let s = 1;
    const noise = Uint8Array.from({ length: 18 * 784 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
    const svg = imageGridSVG({ images: noise, imageShape: [28, 28], labels: new Array(18).fill(0), predictions: new Array(18).fill(1) });
    expectWellFormed(svg);
    expect(cells(svg)).toHaveLength(18);
    expect(svg.length).toBeLessThan(32 * 1024);
  });

  it("defaults to min(18, images) cells, six to a row", () => {
    const many = new Uint8Array(20 * 6);
    const grid = cells(imageGridSVG({ images: many, imageShape: [2, 3], labels: new Array(20).fill(0) }));
    expect(grid).toHaveLength(18);
    expect(new Set(grid.map((c) => c.y)).size).toBe(3);
    expect(cells(imageGridSVG(base))).toHaveLength(4);
  });

  it("marks wrong predictions red and right ones green", () => {
    const svg = imageGridSVG({ ...base, predictions: [0, 2, 2, 1], classNames: ["zero", "one", "two"] });
    const grid = cells(svg);
    const predicted = grid.map((c) => /<text [^>]*fill="([^"]+)"[^>]*>([^<]*)<\/text>/.exec(c.body)!.slice(1));
    expect(predicted).toEqual([["#2a7d2a", "zero"], ["#d62728", "two"], ["#2a7d2a", "two"], ["#2a7d2a", "one"]]);
  });

  it("without predictions shows only the true label", () => {
    for (const cell of cells(imageGridSVG(base))) expect(cell.body.match(/<text /g)).toHaveLength(1);
  });

  it("scales Float32 pixels from [0, 1] to grey 0-255, clamping what lies outside", async () => {
    const row = new Float32Array([0.5, 0.5, 0.5, 0, -1, 2]);
    const [cell] = cells(imageGridSVG({ images: row, imageShape: [2, 3], labels: [0], cell: 30 }));
    expect(cell!.body).toMatch(/^<image width="30" height="30" /);
    expect((await cellPixels(cell!.body)).data).toEqual([128, 128, 128, 0, 0, 255]);
  });

  it("escapes class names", () => {
    const svg = imageGridSVG({ ...base, count: 1, classNames: ["T-shirt & <top>", "b", "c"] });
    expectWellFormed(svg);
    expect(svg).toContain(">T-shirt &amp; &lt;top&gt;</text>");
  });

  it.each([
    [{ count: 5 }, "an integer in [1, 4]", "5"],
    [{ count: 0 }, "an integer in [1, 4]", "0"],
    [{ count: 1.5 }, "an integer in [1, 4]", "1.5"],
    [{ labels: [0, 1] , count: 3 }, "an integer in [1, 2]", "3"],
  ])("rejects %j: more cells than images or labels", (options, rule, value) => {
    expect(() => imageGridSVG({ ...base, ...options })).toThrow(OptionError);
    expect(() => imageGridSVG({ ...base, ...options })).toThrow(`Invalid count: expected ${rule}, got ${value}.`);
  });

  it.each([
    [{ label: [0] }, 'Unknown imageGridSVG option "label". Did you mean "labels"?'],
    [{ images: [0, 1] }, "Invalid images: expected a Uint8Array (0–255) or Float32Array ([0, 1]) of pixels, got array(2)."],
    [{ imageShape: [2] }, "Invalid imageShape: expected [height, width], two integers ≥ 1, got array(1)."],
    [{ labels: "0123" }, 'Invalid labels: expected an array of class indices, got "0123".'],
    [{ predictions: 3 }, "Invalid predictions: expected an array of class indices, got 3."],
    [{ classNames: [1, 2] }, "Invalid classNames: expected an array of class names, got array(2)."],
    [{ columns: 0 }, "Invalid columns: expected an integer in [1, 1000], got 0."],
    [{ cell: 2.5 }, "Invalid cell: expected an integer in [1, 10000], got 2.5."],
  ])("refuses %j with an OptionError naming the option", (options, message) => {
    expect(optionError(() => imageGridSVG({ ...base, ...options } as never)).message).toBe(message);
  });
});
