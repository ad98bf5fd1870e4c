// The one seeded maker of random test and benchmark data (tests, bench/, the benchmark page): plain ES module, no
// imports, so a browser loads it as it is. The generator is sfc32 seeded through splitmix32, the algorithm of the
// library's own Rng (src/util/random.ts; tests/bench/shared.test.ts holds them to the same numbers), integer
// arithmetic only, so the same seed gives the same data in every engine.

export class SeededRandom {
  /**
   * @param {number} seed
   * @param {number} [stream] an independent sequence per stream for the same seed
   */
  constructor(seed, stream = 0) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next() | 0; this.b = next() | 0; this.c = next() | 0; this.d = next() | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** @returns {number} a uniform 32-bit unsigned integer */
  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** @returns {number} uniform in [0, 1) */
  uniform() {
    return this.u32() / 4294967296;
  }

  /** @param {number} n at most 2^21 @returns {number} a uniform integer in [0, n) */
  int(n) {
    return Math.floor(this.uniform() * n);
  }

  /** @param {number} n @param {number} [lo] @param {number} [hi] @returns {Float32Array} */
  f32(n, lo = -1, hi = 1) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** @param {number} n @param {number} bound @returns {Int32Array} */
  i32(n, bound) {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(bound);
    return out;
  }

  /** @param {number} n @returns {Uint8Array} */
  u8(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** @param {number} n @returns {Int32Array} a permutation of 0..n-1 (Fisher–Yates) */
  permutation(n) {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = order[i]; order[i] = order[j]; order[j] = t;
    }
    return order;
  }
}

// One stream per kind of array, so randomF32(n, seed) and randomI32(n, k, seed) are not the same numbers.

/** `n` f32 values uniform in [lo, hi). @param {number} n @param {number} seed @param {number} [lo] @param {number} [hi] */
export const randomF32 = (n, seed, lo = -1, hi = 1) => new SeededRandom(seed, 1).f32(n, lo, hi);
/** `n` integers uniform in [0, bound). @param {number} n @param {number} bound @param {number} seed */
export const randomI32 = (n, bound, seed) => new SeededRandom(seed, 2).i32(n, bound);
/** `n` bytes uniform in [0, 256). @param {number} n @param {number} seed */
export const randomU8 = (n, seed) => new SeededRandom(seed, 3).u8(n);
/** A permutation of 0..n-1. @param {number} n @param {number} seed */
export const randomPermutation = (n, seed) => new SeededRandom(seed, 4).permutation(n);
