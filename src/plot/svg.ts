// Pictures as SVG text, written by the package itself (no dependency): d2l's learning curves and its grid of
// test images with true and predicted labels. Browser-safe: returns strings; the caller saves or shows them.
import type { EpochLogs } from "../train/events.js";
import { OptionError } from "../errors.js";
import { check, checkKeys, checkOr, integerIn, rule } from "../validate.js";
import { encodePNG } from "../codecs/png.js";
import { base64 } from "../util/bytes.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (v: number) => (Math.round(v * 100) / 100).toString();

/** A series to draw: its name, colour, and one value per epoch (undefined where absent). */
interface Series { name: string; color: string; dash?: string; values: (number | undefined)[] }

/** Options of `learningCurvesSVG`. */
export interface CurvesOptions {
  /** Size of the picture, in px. Defaults 480 × 320. */
  width?: number;
  height?: number;
  /** A line above the chart. Default none. */
  title?: string;
  /**
   * What the data evaluated after each epoch is called in the legend ("val acc"): "val" by default, as
   * `fit`'s `validationData` and `validationSplit` are; "test" when that data is the test set, as in d2l.
   */
  validationName?: string;
}

const SIZE = integerIn(16, 10_000);
const TEXT = rule<string>("a string", (v) => typeof v === "string");
const NAME = rule<string>("a non-empty string", (v) => typeof v === "string" && v !== "");

/**
 * Learning curves as d2l's Animator draws them: train loss, train accuracy and the accuracy on the data evaluated
 * after each epoch (named by `validationName`), each where the logs have it; epochs on x.
 * @throws {OptionError} for no epochs, an unknown option, or a size, title or name that breaks its rule.
 * @example
 * await writeFile("curves.svg", learningCurvesSVG(history.epochs, { validationName: "test" }));
 */
export function learningCurvesSVG(epochs: readonly EpochLogs[], options: CurvesOptions = {}): string {
  const o = checkKeys("learningCurvesSVG", options, ["width", "height", "title", "validationName"]);
  const width = checkOr("width", o.width, SIZE, 480), height = checkOr("height", o.height, SIZE, 320);
  const title = checkOr("title", o.title, TEXT, ""), validation = checkOr("validationName", o.validationName, NAME, "val");
  if (!Array.isArray(epochs) || epochs.length === 0) throw new OptionError("epochs", "at least one epoch of logs", epochs);
  const series: Series[] = [
    { name: "train loss", color: "#1f77b4", values: epochs.map((e) => e.loss) },
    { name: "train acc", color: "#9467bd", dash: "6 3", values: epochs.map((e) => e.accuracy) },
    { name: `${validation} acc`, color: "#2ca02c", dash: "2 3", values: epochs.map((e) => e.valAccuracy) },
  ].filter((s) => s.values.some((v) => v !== undefined));
  const m = { left: 48, right: 16, top: title ? 32 : 16, bottom: 40 };
  const w = width - m.left - m.right, h = height - m.top - m.bottom;
  const first = epochs[0]!.epoch, last = epochs[epochs.length - 1]!.epoch;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  // Round ticks: the smallest step of 1, 2 or 5 × 10^k that spans the data in at most 6 intervals.
  const lo = Math.min(0, ...all), hi = Math.max(1, ...all);
  const yStep = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100].find((t) => Math.ceil(hi / t) - Math.floor(lo / t) <= 6) ?? (hi - lo) / 5;
  const yMin = Math.floor(lo / yStep) * yStep, yMax = Math.ceil(hi / yStep) * yStep, ticks = Math.round((yMax - yMin) / yStep);
  const x = (epoch: number) => m.left + (last === first ? w / 2 : ((epoch - first) / (last - first)) * w);
  const y = (v: number) => m.top + h - ((v - yMin) / (yMax - yMin)) * h;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (title) out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let i = 0; i <= ticks; i++) {
    const v = yMin + yStep * i;
    out.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  const step = Math.max(1, Math.ceil((last - first + 1) / 10));
  for (let e = first; e <= last; e += step) {
    out.push(`<text x="${num(x(e))}" y="${m.top + h + 16}" text-anchor="middle">${e}</text>`);
  }
  out.push(`<text x="${m.left + w / 2}" y="${height - 6}" text-anchor="middle">epoch</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
  series.forEach((s, k) => {
    const points = epochs.flatMap((e, i) => (s.values[i] === undefined ? [] : [`${num(x(e.epoch))},${num(y(s.values[i]!))}`]));
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${points.join(" ")}"/>`);
    for (const p of points) out.push(`<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" fill="${s.color}"/>`);
    const ly = m.top + 14 + k * 16;
    out.push(`<line x1="${m.left + w - 110}" x2="${m.left + w - 86}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
      `<text x="${m.left + w - 80}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Options of `imageGridSVG`. */
export interface ImageGridOptions {
  /** Pixels of all images, row-major, `height × width` each: Uint8 (0–255) or Float32 in [0, 1]. */
  images: Uint8Array | Float32Array;
  imageShape: readonly [number, number];
  labels: ArrayLike<number>;
  /** Predicted classes; mistakes are drawn in red. */
  predictions?: ArrayLike<number>;
  classNames?: readonly string[];
  /** How many images, from the first. Default min(18, count). */
  count?: number;
  columns?: number;
  /** Size of one image on screen, in px. Default 84 (3× for 28×28). */
  cell?: number;
}

/**
 * A grid of images with their true labels and, when given, the predicted ones underneath (d2l's
 * show_images with "true\npred" titles); wrong predictions are red.
 * @throws {OptionError} for an unknown option, an option that breaks its rule, or pixels that do not hold
 *   `count` images of the given shape.
 * @example
 * await writeFile("grid.svg", imageGridSVG({ images: test.x, imageShape: [28, 28], labels: test.y, predictions: model.predict(test) }));
 */
export function imageGridSVG(options: ImageGridOptions): string {
  const o = checkKeys("imageGridSVG", options, ["images", "imageShape", "labels", "predictions", "classNames", "count", "columns", "cell"]);
  const images = check("images", o.images, IMAGES);
  const [rows, cols] = check("imageShape", o.imageShape, SHAPE);
  const labels = check("labels", o.labels, CLASSES);
  const predictions = o.predictions === undefined ? undefined : check("predictions", o.predictions, CLASSES);
  const classNames = o.classNames === undefined ? undefined : check("classNames", o.classNames, NAMES);
  const columns = checkOr("columns", o.columns, integerIn(1, 1000), 6), cell = checkOr("cell", o.cell, integerIn(1, 10_000), 84);
  const size = rows * cols, available = Math.floor(images.length / size);
  const most = Math.min(available, labels.length);
  const count = check("count", o.count ?? Math.min(18, most), integerIn(1, most));
  const name = (c: number) => classNames?.[c] ?? String(c);
  const gridRows = Math.ceil(count / columns), labelH = predictions ? 34 : 20, pad = 6;
  const W = columns * (cell + pad) + pad, H = gridRows * (cell + labelH + pad) + pad;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  const pixels = new Uint8Array(size);
  for (let k = 0; k < count; k++) {
    const ox = pad + (k % columns) * (cell + pad), oy = pad + Math.floor(k / columns) * (cell + labelH + pad);
    for (let i = 0; i < size; i++) pixels[i] = shade(images, k * size + i);
    // Each image as a grey PNG, scaled up with hard pixel edges as d2l's imshow shows them.
    out.push(`<g transform="translate(${ox},${oy})"><image width="${cell}" height="${cell}" preserveAspectRatio="none" ` +
      `style="image-rendering:pixelated" href="data:image/png;base64,${base64(encodePNG(cols, rows, pixels))}"/>`);
    const truth = labels[k]!, guess = predictions?.[k];
    out.push(`<text x="${cell / 2}" y="${cell + 14}" text-anchor="middle">${esc(name(truth))}</text>`);
    if (guess !== undefined) {
      out.push(`<text x="${cell / 2}" y="${cell + 28}" text-anchor="middle" fill="${guess === truth ? "#2a7d2a" : "#d62728"}">${esc(name(guess))}</text>`);
    }
    out.push("</g>");
  }
  out.push("</svg>");
  return out.join("\n");
}

const IMAGES = rule<Uint8Array | Float32Array>("a Uint8Array (0–255) or Float32Array ([0, 1]) of pixels",
  (v) => v instanceof Uint8Array || v instanceof Float32Array);
const SHAPE = rule<readonly [number, number]>("[height, width], two integers ≥ 1",
  (v) => Array.isArray(v) && v.length === 2 && v.every((d) => Number.isSafeInteger(d) && d >= 1));
const CLASSES = rule<ArrayLike<number>>("an array of class indices", (v) =>
  (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) && typeof (v as ArrayLike<number>).length === "number");
const NAMES = rule<readonly string[]>("an array of class names", (v) => Array.isArray(v) && v.every((n) => typeof n === "string"));

function shade(images: Uint8Array | Float32Array, i: number): number {
  const v = images[i]!;
  return images instanceof Uint8Array ? v : Math.max(0, Math.min(255, Math.round(v * 255)));
}
