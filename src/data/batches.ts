import { Rng, permutation } from "../util/random.js";

/** Random streams, so the weight initialiser and the shuffles never share numbers. */
export const STREAM_SHUFFLE = 1;
/** Streams of the stratified split, one per class, far above the shuffles' 1 + epoch. */
export const STREAM_SPLIT = 2 ** 31;
/** Streams of a sampler's draws, one per epoch, above the split's. */
export const STREAM_SAMPLE = 3 * 2 ** 30;

/**
 * The order in which one epoch visits `length` examples: shuffled from (seed, epoch) alone, so epoch k of a
 * resumed run sees the same order as epoch k of an uninterrupted one.
 */
export function epochOrder(length: number, shuffle: boolean, seed: number, epoch: number): Int32Array {
  if (shuffle) return permutation(length, new Rng(seed, STREAM_SHUFFLE + epoch));
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  return order;
}

/** [start, end) of each batch; the last batch is short when batchSize does not divide length (as in PyTorch). */
export function* batchRanges(length: number, batchSize: number): Generator<[number, number]> {
  for (let start = 0; start < length; start += batchSize) yield [start, Math.min(start + batchSize, length)];
}

export function batchCount(length: number, batchSize: number): number {
  return Math.ceil(length / batchSize);
}
