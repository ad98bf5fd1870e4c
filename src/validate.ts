// The one owner of every option rule and its wording. Constructors, the Trainer, fit, the loaders and the CLI's
// flag parsers all check through here, so a rule reads the same wherever it is broken:
//   Invalid <option>: expected <rule>, got <value>.
import { OptionError, ShapeError } from "./errors.js";

/** A rule: the words every error uses for it, and the test. */
export interface Rule<T = unknown> {
  readonly text: string;
  test(value: unknown): value is T;
}

// The rule makers are marked free of side effects: dist/ ships the library in a few chunks, so an app's bundler
// cannot drop a whole unused module there, only the unused values whose initialisers it knows to be pure
// (scripts/bundle.js carries the mark to calls in other chunks).
/* @__NO_SIDE_EFFECTS__ */
export function rule<T>(text: string, test: (value: unknown) => boolean): Rule<T> {
  return { text, test: test as (value: unknown) => value is T };
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Integers in [min, max] (max omitted: no upper bound). */
/* @__NO_SIDE_EFFECTS__ */
export function integerIn(min: number, max?: number, text?: string): Rule<number> {
  return rule(text ?? (max === undefined ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`),
    (v) => Number.isSafeInteger(v) && (v as number) >= min && (max === undefined || (v as number) <= max));
}

/** Finite numbers passing `ok`, described by `text`. */
/* @__NO_SIDE_EFFECTS__ */
export function numberWhere(text: string, ok: (v: number) => boolean): Rule<number> {
  return rule(text, (v) => isNumber(v) && ok(v));
}

/* @__NO_SIDE_EFFECTS__ */
export function oneOf<T extends string>(choices: readonly T[]): Rule<T> {
  return rule(choices.length === 2 ? `"${choices[0]}" or "${choices[1]}"` : `one of ${choices.map((c) => `"${c}"`).join(", ")}`,
    (v) => (choices as readonly unknown[]).includes(v));
}

/** true or false; its own export (and in RULES) so the predict-only entry's bundle takes it without the other rules. */
export const BOOLEAN = rule<boolean>("true or false", (v) => typeof v === "boolean");
const POSITIVE = numberWhere("a finite number > 0", (v) => v > 0);
const FRACTION = numberWhere("a number in [0, 1)", (v) => v >= 0 && v < 1);

/**
 * The rules more than one option shares. Each is made from literals only, so an app's bundler drops the object (and
 * every rule in it) when nothing reads it.
 */
export const RULES = {
  seed: integerIn(0, 0xffffffff, "an integer in [0, 2^32)"),
  count: integerIn(1),
  countOrZero: integerIn(0),
  // The kernels count a batch's rows in i32; a batchSize above the data's length trains it as one batch.
  batchSize: integerIn(1, 0x7fffffff, "an integer in [1, 2^31 − 1]"),
  positive: POSITIVE,
  nonNegative: numberWhere("a finite number ≥ 0", (v) => v >= 0),
  fraction: FRACTION,
  openFraction: numberWhere("a number in (0, 1)", (v) => v > 0 && v < 1),
  boolean: BOOLEAN,
  function: rule<(...args: never[]) => unknown>("a function", (v) => typeof v === "function"),
  functions: rule<((...args: never[]) => unknown)[]>("an array of functions",
    (v) => Array.isArray(v) && v.every((f) => typeof f === "function")),
  signal: rule<AbortSignal>("an AbortSignal", (v) => typeof v === "object" && v !== null && typeof (v as AbortSignal).aborted === "boolean"),
  bytes: rule<Uint8Array>("a Uint8Array", (v) => v instanceof Uint8Array),
} as const;

/** Rules of one concept, named so the kernels API, the losses and the CLI cannot drift apart. */
export const LABEL_SMOOTHING = FRACTION;
export const HUBER_DELTA = POSITIVE;

/**
 * Per-example weights: `count` numbers, each finite and ≥ 0 once rounded to f32 (the kernels' precision), as a
 * Float32Array (a new one unless `value` is one already).
 * @throws {ShapeError} when `value` is not an array of `count` numbers.
 * @throws {OptionError} naming the first weight that is negative, NaN or infinite.
 */
export function checkWeights(option: string, value: unknown, count: number): Float32Array {
  const source = value as ArrayLike<unknown>;
  if (typeof value !== "object" || value === null || source.length !== count) {
    throw new ShapeError(option, `${count} weights, one per example`,
      typeof source?.length === "number" ? `${source.length}` : describeType(value), "Give one weight per example.");
  }
  for (let i = 0; i < count; i++) {
    const w = source[i];
    if (typeof w !== "number" || !(w >= 0) || !Number.isFinite(Math.fround(w))) {
      throw new OptionError(`${option}[${i}]`, "a finite number ≥ 0", w, "Weigh an example 0 to leave it out; no weight is negative or infinite.");
    }
  }
  return value instanceof Float32Array ? value : Float32Array.from(source as ArrayLike<number>);
}

function describeType(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/** An object literal (or `Object.create(null)`), not an array or an instance of another class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value));
}

/** `value` when it passes `r`, else an OptionError naming `option`. */
export function check<T>(option: string, value: unknown, r: Rule<T>, hint?: string): T {
  if (!r.test(value)) throw new OptionError(option, r.text, value, hint);
  return value;
}

/** As `check`, with `fallback` for undefined. */
export function checkOr<T>(option: string, value: unknown, r: Rule<T>, fallback: T, hint?: string): T {
  return value === undefined ? fallback : check(option, value, r, hint);
}

/**
 * `options` as an object whose keys are all in `known` (undefined gives {}); an unknown key is refused with the
 * nearest known name, so `fit(m, d, { epoch: 1 })` fails instead of training 10 epochs.
 */
export function checkKeys<T extends object>(what: string, options: T | undefined, known: readonly string[],
                                             hintFor?: (key: string) => string | undefined): T {
  return keysIn(what, options, known, (key) => hintFor?.(key) ?? didYouMean(key, known));
}

/**
 * As `checkKeys`, for an object of at most three keys: an unknown key is refused with all of them listed, which
 * names the nearest without searching for it. The predict-only entry checks its options (and a model file's nested
 * objects) with this alone, so its bundle holds no edit distance.
 */
export function checkFewKeys<T extends object>(what: string, options: T | undefined, known: readonly string[]): T {
  return keysIn(what, options, known, () => listed(known));
}

const listed = (known: readonly string[]) => `Known options: ${known.join(", ")}.`;

function didYouMean(key: string, known: readonly string[]): string {
  const near = nearest(key, known);
  return near === undefined ? listed(known) : `Did you mean "${near}"?`;
}

function keysIn<T extends object>(what: string, options: T | undefined, known: readonly string[], hint: (key: string) => string): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new OptionError(`${what} options`, "an object", options);
  }
  const key = Object.keys(options).find((k) => !known.includes(k));
  if (key !== undefined) throw OptionError.unknown(what, key, known, hint(key));
  return options;
}

/** The candidate closest to `word` (a prefix, or at most two edits away), if any is close. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return bestDistance <= Math.min(2, Math.max(1, word.length / 2)) ? best : undefined;
}

// Optimal string alignment distance, row by row: an adjacent swap ("dri" for "dir") counts as one edit, as typos go.
function editDistance(a: string, b: string): number {
  let before: number[] = [], row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
        a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? before[j - 2]! + 1 : Infinity);
    }
    [before, row] = [row, next];
  }
  return row[b.length]!;
}

/**
 * Refuses the first NaN or ±Infinity in `values`, rows of `columns` values, naming its row and column: a
 * non-finite feature makes every loss and prediction that reads it NaN, which no learning rate can mend.
 */
export function checkFinite(what: string, values: Float32Array, columns: number, hint: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v − v is 0 for every finite v, NaN for NaN and ±Infinity.
    if (v - v !== 0) {
      throw new ShapeError(`${what} at row ${Math.floor(i / columns)}, column ${i % columns}`, "a finite number", String(v), hint);
    }
  }
}
