// Which kernels run on every thread, and how each is split. Outputs are split, never reductions: every output
// element is computed by exactly one thread with the same instructions as on one thread (rows of a batch, input
// columns of a weight gradient, ranges of parameters), so results are the same bits for any thread count.
// The kernels not in the table run on the calling thread: they are small or reduce. A call in the table splits
// only when its work gives every thread a piece worth the hand-over (MIN_PIECE); smaller calls run on the calling
// thread, which gives the same bits by construction.
import type { KernelFunctions, Kernels } from "../kernels/contract.js";
import type { Job, ThreadPool } from "./pool.js";

type Name = keyof KernelFunctions;
type Args<K extends Name> = Parameters<KernelFunctions[K]>;

/** How one kernel is split over the threads. */
interface Policy<K extends Name> {
  /** How many units the call has (rows, input columns or parameters). */
  units(...a: Args<K>): number;
  /** The work of one unit, in multiply-adds of a matrix product (what a unit costs on one thread, measured). */
  cost(...a: Args<K>): number;
  /** Every boundary is a multiple of this, so SIMD loops and their scalar tails cover the same elements as in one call. */
  align: number;
  /** The kernel each thread runs (default: the one called). */
  runs?: Name;
  /** Its arguments for units [start, end). */
  part(a: Args<K>, start: number, end: number): number[];
  /** Runs on the calling thread before the split. */
  before?(base: Kernels, ...a: Args<K>): void;
}

// What one unit of work costs on one thread, in multiply-adds of a matrix product (about 0.08 ns each with
// 128-bit SIMD on Zen 3), from timing each kernel alone: a ReLU element reads and writes 4-8 bytes (≈ 3), a pixel
// gathered and scaled ≈ 2, an SGD parameter ≈ 6 (momentum, weight decay), an Adam parameter ≈ 20 (its three
// divisions and square root queue on one divider).
const PIXEL = 2, RELU = 3, SGD = 6, ADAM = 20;

// The least work worth handing to another thread, in those units. A split call costs the calling thread 0.7 to
// 1.5 µs beyond its own piece (writing the pieces' slots, waking the workers, waiting for the last piece), measured
// as the fastest of 200 bursts of a tiny kernel split and whole, interleaved, on this 2-core VM; a worker that
// the system schedules late costs more, up to its whole piece when it claims one and is then preempted. With
// pieces of 24 576 multiply-adds (softmax regression 512→3 at batch 32, a 32 768 threshold) training ran 1.30×
// slower on two threads than on one. A piece of at least MIN_PIECE is about 10 µs of work (0.08 ns a multiply-add),
// so the hand-over stays under a seventh of it: a call split in two takes at most about 0.6 of its one-thread time.
// Below 2 × MIN_PIECE a call runs whole: softmax regression 784→10 up to batch 32 and its Adam update, the MLP
// 784-256-10's second layer up to batch 64, Adam on fewer than 13 000 parameters.
export const MIN_PIECE = 1 << 17;

const POLICIES: { [K in Name]?: Policy<K> } = {
  linearForward: {
    units: (out, inp, w, b, B) => B, cost: (out, inp, w, b, B, I, O) => I * O, align: 4,
    part: ([out, inp, w, b, , I, O], r0, r1) => [out + r0 * O * 4, inp + r0 * I * 4, w, b, r1 - r0, I, O],
  },
  // Split by input columns, not outputs: each thread then reads only its columns of x, and a layer with few
  // outputs (softmax regression's 10) still splits evenly. Every thread reads all of dOut's panels, so they are
  // packed on the calling thread first.
  linearBackward: {
    units: (dW, db, g, x, panels, B, I) => I, cost: (dW, db, g, x, panels, B, I, O) => B * O, align: 16, runs: "linearBackwardRange",
    part: (a, i0, i1) => [...a, i0, i1],
    before: (base, dW, db, g, x, panels, B, I, O) => base.packOutputPairs(panels, g, B, O),
  },
  matmul: {
    units: (out, a, b, M) => M, cost: (out, a, b, M, K, N) => K * N, align: 4,
    part: ([out, a, b, , K, N], m0, m1) => [out + m0 * N * 4, a + m0 * K * 4, b, m1 - m0, K, N],
  },
  gatherScaleU8: {
    units: (out, src, idx, B) => B, cost: (out, src, idx, B, I) => I * PIXEL, align: 4,
    part: ([out, src, idx, , I, scale], r0, r1) => [out + r0 * I * 4, src, idx + r0 * 4, r1 - r0, I, scale],
  },
  reluForward: {
    units: (out, inp, n) => n, cost: () => RELU, align: 64,
    part: ([out, inp], s, e) => [out + s * 4, inp + s * 4, e - s],
  },
  reluBackward: {
    units: (dInp, dOut, out, n) => n, cost: () => RELU, align: 64,
    part: ([dInp, dOut, out], s, e) => [dInp + s * 4, dOut + s * 4, out + s * 4, e - s],
  },
  sgdUpdate: {
    units: (p, g, v, n) => n, cost: () => SGD, align: 64,
    part: ([p, g, v, , ...hyper], s, e) => [p + s * 4, g + s * 4, v + s * 4, e - s, ...hyper],
  },
  adamUpdate: {
    units: (p, g, m, v, n) => n, cost: () => ADAM, align: 64,
    part: ([p, g, m, v, , ...hyper], s, e) => [p + s * 4, g + s * 4, m + s * 4, v + s * 4, e - s, ...hyper],
  },
};

const SPLIT = Object.keys(POLICIES) as Name[];

/** The kernels the workers run, derived from the table: the pool is started with this list. */
export const THREADED_KERNELS: readonly Name[] = SPLIT.map((name) => POLICIES[name]!.runs ?? name);

/**
 * [start, end) ranges splitting n into at most `parts`, each boundary a multiple of `align` (so SIMD loops and
 * their scalar tails cover the same elements as in one call), none empty.
 */
export function split(n: number, parts: number, align: number): [number, number][] {
  const units = Math.ceil(n / align), per = Math.ceil(units / parts), ranges: [number, number][] = [];
  for (let start = 0; start < n; start += per * align) ranges.push([start, Math.min(n, start + per * align)]);
  return ranges;
}

/**
 * How a call of `units` units of `cost` work each is split over `threads` threads: into as many pieces as there
 * are threads, or fewer, so that no piece has less than MIN_PIECE of work. One range: the calling thread runs it.
 */
export function pieces(units: number, cost: number, threads: number, align: number): [number, number][] {
  for (let parts = Math.min(threads, Math.floor((units * cost) / MIN_PIECE)); parts >= 2; parts--) {
    const ranges = split(units, parts, align);
    if (ranges.every(([start, end]) => (end - start) * cost >= MIN_PIECE)) return ranges;
  }
  return [[0, units]];
}

/**
 * @internal `base`'s kernels with those in the table split over the pool's threads once there is one (a pool
 * started on THREADED_KERNELS) and the call's work is worth it; the same bits as `base` alone.
 */
export function threadedKernels(base: Kernels, poolOf: () => ThreadPool | undefined): Kernels {
  const k: Record<string, unknown> = { ...base };
  SPLIT.forEach((name, index) => {
    const policy = POLICIES[name] as unknown as Policy<Name>;
    const whole = base[name] as (...a: number[]) => number | void;
    const units = policy.units as (...a: number[]) => number, cost = policy.cost as (...a: number[]) => number;
    // Twelve parameters, the most a kernel in the table takes (a wasm export ignores the extra ones): no rest
    // array or spread on the path of every call, which small calls take hundreds of thousands of times.
    k[name] = (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number, a8: number, a9: number,
               a10: number, a11: number) => {
      const pool = poolOf();
      if (pool) {
        const n = units(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11), c = cost(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
        const ranges = n * c < 2 * MIN_PIECE ? undefined : pieces(n, c, pool.size, policy.align);
        if (ranges && ranges.length > 1) {
          const a = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11].slice(0, whole.length) as Args<Name>;
          policy.before?.(base, ...a);
          pool.run(base, ranges.map(([start, end]): Job => [index, ...policy.part(a, start, end)]));
          return undefined;
        }
      }
      return whole(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
    };
  });
  return { ...k, backend: base.backend, build: base.build, memory: base.memory, heapBase: base.heapBase } as unknown as Kernels;
}
