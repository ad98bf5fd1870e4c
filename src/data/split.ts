import { OptionError } from "../errors.js";
import { Rng, permutation } from "../util/random.js";
import { RULES, check, checkFewKeys, checkOr } from "../validate.js";
import { STREAM_SPLIT } from "./batches.js";
import type { Dataset } from "./dataset.js";

/** Options of `stratifiedSplit`. */
export interface StratifiedSplitOptions {
  /** Fraction of the examples to hold out, in (0, 1): ⌊length × validation⌋ examples, shared out per class. */
  validation: number;
  /** Seed of the choice of examples within each class. Default 0. */
  seed?: number;
}

/**
 * Splits `data` into training and validation sets that keep each class's share: ⌊length × validation⌋ examples
 * are held out, each class giving its share rounded down and the rest going to the classes with the largest
 * remainders (then the lowest class index), in integer arithmetic; which examples of a class are held out is
 * drawn from `seed`. Both sets keep the data's order.
 * @throws {OptionError} for an unknown option, a `validation` outside (0, 1), a bad seed, or a fraction that would
 *   leave either set empty.
 * @example
 * const { train, validation } = stratifiedSplit(data, { validation: 0.2, seed: 0 });
 */
export function stratifiedSplit(data: Dataset, options: StratifiedSplitOptions): { train: Dataset; validation: Dataset } {
  const o = checkFewKeys("stratifiedSplit", options, ["validation", "seed"]);
  const fraction = check("validation", o.validation, RULES.openFraction);
  const seed = checkOr("seed", o.seed, RULES.seed, 0);
  const held = heldOut(data.y, data.classes, fraction, seed);
  const train: number[] = [], validation: number[] = [];
  for (let i = 0; i < data.length; i++) (held[i] ? validation : train).push(i);
  if (train.length === 0 || validation.length === 0) {
    throw new OptionError("validation", `a fraction leaving at least one example on each side of ${data.length}`, fraction,
      "Give a fraction between 1 / length and 1 − 1 / length.");
  }
  return { train: data.subset(train), validation: data.subset(validation) };
}

/** @internal 1 for each example held out, 0 for the others (see stratifiedSplit). */
export function heldOut(labels: Int32Array, classes: number, fraction: number, seed: number): Uint8Array {
  const n = labels.length, total = Math.floor(n * fraction);
  const members: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((label, i) => members[label]!.push(i));
  // In BigInt, so count × total (up to 2^64) is exact: no float rounding decides a share.
  const big = members.map((m) => BigInt(m.length) * BigInt(total));
  const share = big.map((v) => Number(v / BigInt(n)));
  const remainder = big.map((v) => v % BigInt(n));
  let left = total - share.reduce((a, b) => a + b, 0);
  const byRemainder = members.map((_, c) => c).sort((a, b) => (remainder[b]! > remainder[a]! ? 1 : remainder[b]! < remainder[a]! ? -1 : a - b));
  for (const c of byRemainder) {
    if (left === 0) break;
    if (share[c]! < members[c]!.length) { share[c]!++; left--; }
  }
  const held = new Uint8Array(n);
  members.forEach((m, c) => {
    const order = permutation(m.length, new Rng(seed, STREAM_SPLIT + c));
    for (let k = 0; k < share[c]!; k++) held[m[order[k]!]!] = 1;
  });
  return held;
}
