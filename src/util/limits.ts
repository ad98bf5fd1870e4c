// The limits on bytes from outside (files, downloads), their defaults and their rules. A cap is a guard against
// damaged or hostile input, far above the real data: Fashion-MNIST's largest file is 47 MB decompressed.
import { integerIn, rule } from "../validate.js";

/**
 * The most parameters a model may have: 2^28 f32 values, a 1 GiB parameter block. wasm32 addresses 4 GiB, and
 * training holds the block, its gradients and up to two optimizer buffers of the same size; the cap refuses
 * absurd sizes (a typo, a damaged checkpoint or IDX header) before anything is allocated.
 */
// (The limits are written as literals: a bundler drops an unused constant only when its value is one, and the
// predict-only entry takes MAX_PARAMETERS alone from here.)
export const MAX_PARAMETERS = 268_435_456; // 2^28
/**
 * The most values an example may have: what the smallest model over it (2 classes) can take within MAX_PARAMETERS,
 * (2^28 − 2) / 2.
 */
export const MAX_FEATURES = 134_217_727;

/** Largest file accepted, downloaded or decompressed: 1 GiB. */
export const DEFAULT_MAX_BYTES = 1_073_741_824; // 2^30
/** Longest a download of one file may take, from request to last byte: 10 minutes. */
export const DEFAULT_TIMEOUT_MS = 600_000;
/** Longest a download may go without receiving a byte (headers included): 30 seconds. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

// One typed array holds at most 2^32 bytes in Node 20, and wasm32 addresses no more. (Written out, as above: a
// bundler drops an unused rule only when every argument is a literal.)
export const MAX_BYTES_RULE = integerIn(1, 4_294_967_296, "a whole number of bytes in [1, 2^32]");
export const TIMEOUT_RULE = rule<number>("a number of milliseconds > 0 (Infinity for none)",
  (v) => typeof v === "number" && v > 0);

export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n >= size) return `${+(n / size).toFixed(1)} ${unit}`;
  }
  return `${n} bytes`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
