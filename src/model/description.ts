// What a model means beyond its weights: class names, how raw inputs become the features it was trained on, and
// the user's own metadata. Checked here once, whether they come from constructor options, from training data or
// from a model file (whose loader turns these OptionErrors into FormatErrors about the file).
import { OptionError } from "../errors.js";
import { Normalizer } from "../data/normalizer.js";
import { Normalization } from "../data/normalization.js";
import type { NormalizerConfig } from "../data/normalization.js";
import { BOOLEAN, checkFewKeys, checkOr, isPlainObject, rule } from "../validate.js";

/** The largest user metadata a model keeps: 64 KiB of JSON text (UTF-8), so a model file's header stays small. */
export const MAX_METADATA_BYTES = 65536;

/** A JSON value: what `metadata` may hold. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/**
 * How raw inputs become the features a model was trained on. `pixels: true`: raw inputs are 0-255 pixels, scaled
 * by 1/255 (as an f32 constant) inside the kernels; a `Float32Array` must then already be in [0, 1]. `pixels:
 * false`: inputs are floats used as given. Absent: not known yet (a model not trained yet, or read from a file
 * older than format 3): a `Uint8Array` is taken as pixels and anything else as given. A `normalizer` is applied
 * after that.
 */
export interface InputDescription {
  /** Values per example. */
  readonly features: number;
  readonly pixels?: boolean;
  /** [height, width] when the examples are images. */
  readonly imageShape?: readonly [number, number];
  readonly normalizer?: Normalizer;
}

/** The input options of a model's constructor (all optional; training on a Dataset fills `pixels` and `imageShape`). */
export interface InputOptions {
  /** true: raw inputs are 0-255 pixels (scaled by 1/255); false: floats used as given. */
  pixels?: boolean;
  imageShape?: readonly [number, number];
  /** Per-feature scaling from `Normalizer.fit(train)`, applied in training and predict (or its plain form). */
  normalizer?: Normalizer | NormalizerConfig;
}

/** The options every model constructor takes about what the model means. */
export interface MeaningOptions {
  /** Class names, one per class: `topK` returns them, and the model file keeps them. */
  labels?: readonly string[];
  /** How raw inputs are scaled; see InputDescription. */
  input?: InputOptions;
  /** Your own JSON (at most MAX_METADATA_BYTES as JSON text), kept in the model file. */
  metadata?: JSONValue;
}

/** What a config holds of it: only what is known, so the configs of models without any are as before. */
export interface MeaningConfig {
  labels?: string[];
  input?: { pixels?: boolean; imageShape?: [number, number]; normalizer?: NormalizerConfig };
  metadata?: JSONValue;
}

export const MEANING_KEYS = ["labels", "input", "metadata"] as const;

/** @internal A model's meaning, checked; `learnFrom` fills what training data tells. */
export class Meaning {
  labels: readonly string[] | undefined;
  input: InputDescription;
  metadata: JSONValue | undefined;

  constructor(options: MeaningOptions, features: number, classes: number) {
    ({ labels: this.labels, input: this.input, metadata: this.metadata } = checkMeaning(options, features, classes, Normalizer));
  }

  config(): MeaningConfig {
    const { pixels, imageShape, normalizer } = this.input;
    const input = {
      ...(pixels !== undefined && { pixels }), ...(imageShape && { imageShape: [...imageShape] as [number, number] }),
      ...(normalizer && { normalizer: normalizer.toJSON() }),
    };
    return {
      ...(this.labels && { labels: [...this.labels] }),
      ...(Object.keys(input).length > 0 && { input }),
      ...(this.metadata !== undefined && { metadata: structuredCopy(this.metadata) }),
    };
  }

  /**
   * Fills what the model does not know yet from the data it trains on (already checked to fit it): whether inputs
   * are pixels, the image shape, the class names.
   */
  learnFrom(data: { fromPixels: boolean; imageShape?: readonly [number, number] | undefined; classNames?: readonly string[] | undefined }): void {
    const { features, imageShape, normalizer } = this.input;
    const shape = imageShape ?? (data.imageShape && data.imageShape[0] * data.imageShape[1] === features ? data.imageShape : undefined);
    this.input = Object.freeze({
      features, pixels: this.input.pixels ?? data.fromPixels, ...(shape && { imageShape: shape }), ...(normalizer && { normalizer }),
    });
    this.labels ??= data.classNames && Object.freeze([...data.classNames]);
  }
}

/**
 * @internal The labels, input description and metadata of `options`, checked against the model's widths, a
 * normalizer's plain form made an instance of `normalizers` (the predict-only entry reads a file's with this alone,
 * without the class that learns from training data, and with Normalization, without Normalizer's `fit`).
 */
export function checkMeaning(options: MeaningOptions, features: number, classes: number, normalizers: typeof Normalization = Normalization):
  { labels: readonly string[] | undefined; input: InputDescription; metadata: JSONValue | undefined } {
  const given = checkOr("labels", options.labels, labelsRule(classes), undefined,
    `Give one name per class (${classes}), in class order.`);
  const labels = given && Object.freeze([...given]);
  const input = checkFewKeys("input", options.input, ["pixels", "imageShape", "normalizer"]);
  const pixels = checkOr("input.pixels", input.pixels, BOOLEAN, undefined);
  const imageShape = checkOr("input.imageShape", input.imageShape, imageShapeRule(features), undefined);
  const normalizer = input.normalizer === undefined ? undefined
    : input.normalizer instanceof normalizers ? input.normalizer : normalizers.from(input.normalizer);
  if (normalizer && normalizer.features !== features) {
    throw new OptionError("input.normalizer", `a Normalizer of ${features} features (the model's inputs)`,
      `one of ${normalizer.features}`, "Fit it on the data the model trains on.");
  }
  return {
    labels,
    input: Object.freeze({
      features, ...(pixels !== undefined && { pixels }), ...(imageShape && { imageShape: Object.freeze([...imageShape]) as [number, number] }),
      ...(normalizer && { normalizer }),
    }),
    metadata: options.metadata === undefined ? undefined : checkMetadata(options.metadata),
  };
}

/** @internal Uint8 pixels (`given`) for a model whose inputs are floats (`pixels` false), refused with what to do. */
export function checkPixels(pixels: boolean | undefined, given: boolean): void {
  if (given && pixels === false) {
    throw new OptionError("inputs", "floats (this model's inputs are features, input.pixels false)", "Uint8 pixels",
      "Pass the Float32Array features it was trained on, or train a model with input: { pixels: true }.");
  }
}

function labelsRule(classes: number) {
  return rule<readonly string[]>(`an array of ${classes} strings, one per class`,
    (v) => Array.isArray(v) && v.length === classes && v.every((s) => typeof s === "string"));
}

function imageShapeRule(features: number) {
  return rule<readonly [number, number]>(`[height, width], two positive integers with height × width = ${features}`,
    (v) => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n) && n > 0) && v[0] * v[1] === features);
}

/** A deep, frozen copy of `value` after checking it is plain JSON of at most MAX_METADATA_BYTES. */
function checkMetadata(value: unknown): JSONValue {
  checkJSON(value, "metadata", 0);
  const text = JSON.stringify(value), bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_METADATA_BYTES) {
    throw new OptionError("metadata size in bytes", `at most ${MAX_METADATA_BYTES} (MAX_METADATA_BYTES, as UTF-8 JSON text)`, bytes,
      "Keep large data beside the model file and a reference to it in metadata.");
  }
  // Each value is revived after its members, so every object and array comes back frozen.
  return JSON.parse(text, (_, v: unknown) => Object.freeze(v)) as JSONValue;
}

// Refuses the first value that is not plain JSON, naming its path; depth-capped so a cycle is refused rather than overflowing.
function checkJSON(value: unknown, path: string, depth: number): void {
  const list = Array.isArray(value), object = isPlainObject(value);
  if (depth > 64 || !(list || object || value === null || typeof value === "string" || typeof value === "boolean" || Number.isFinite(value))) {
    throw new OptionError(path, "JSON (objects, arrays, strings, finite numbers, true, false, null)", value,
      "Convert dates and typed arrays to strings or arrays.");
  }
  if (list) for (const i of value.keys()) checkJSON(value[i], `${path}[${i}]`, depth + 1);
  else if (object) for (const key of Object.keys(value)) checkJSON(value[key], `${path}.${key}`, depth + 1);
}

function structuredCopy(value: JSONValue): JSONValue {
  return JSON.parse(JSON.stringify(value)) as JSONValue;
}
