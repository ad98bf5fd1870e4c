// Seeded randomness that gives the same bits in every JavaScript engine: integer arithmetic (Math.imul) and
// basic float operations only (see math.ts).
import { ln } from "./math.js";

/** sfc32, seeded through splitmix32. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next() | 0; this.b = next() | 0; this.c = next() | 0; this.d = next() | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    // State kept as int32 (`| 0`), which engines hold unboxed; only the result is made unsigned.
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n ≤ 2^21 (exact: a 32-bit fraction times n stays within 53 bits). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal, Marsaglia's polar method. */
  normal(): number {
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return u * Math.sqrt((-2 * ln(s)) / s);
    }
  }
}

/** A permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!; order[i] = order[j]!; order[j] = t;
  }
  return order;
}
