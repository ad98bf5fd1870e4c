// Which kernels run on every thread, and how each is split. Outputs are split, never reductions: every output
// element is computed by exactly one thread with the same instructions as on one thread (rows of a batch, input
// columns of a weight gradient, ranges of parameters), so results are the same bits for any thread count.
// The kernels not in the table run on the calling thread: they are small or reduce.
import type { KernelFunctions, Kernels } from "../kernels/contract.js";
import type { Job, ThreadPool } from "./pool.js";

type Name = keyof KernelFunctions;
type Args<K extends Name> = Parameters<KernelFunctions[K]>;

/** How one kernel is split over the threads. */
interface Policy<K extends Name> {
  /** How many units the call has (rows, input columns or parameters), and its multiply-adds. */
  units(...a: Args<K>): [units: number, work: number];
  /** Every boundary is a multiple of this, so SIMD loops and their scalar tails cover the same elements as in one call. */
  align: number;
  /** The kernel each thread runs (default: the one called). */
  runs?: Name;
  /** Its arguments for units [start, end). */
  part(a: Args<K>, start: number, end: number): number[];
  /** Runs on the calling thread before the split. */
  before?(base: Kernels, ...a: Args<K>): void;
}

const POLICIES: { [K in Name]?: Policy<K> } = {
  linearForward: {
    units: (out, inp, w, b, chunks, B, I, O) => [B, B * I * O], align: 4,
    // Each block of 4 rows has its own 2 lists of ⌊I/4⌋ chunks (assembly/matmul.ts).
    part: ([out, inp, w, b, chunks, , I, O], r0, r1) =>
      [out + r0 * O * 4, inp + r0 * I * 4, w, b, chunks + (r0 >> 1) * (I >> 2) * 4, r1 - r0, I, O],
  },
  // Split by input columns, not outputs: each thread then reads only its columns of x, and a layer with few
  // outputs (softmax regression's 10) still splits evenly. Every thread reads all of dOut's panels, so they are
  // packed on the calling thread first.
  linearBackward: {
    units: (dW, db, g, x, panels, rows, B, I, O) => [I, B * I * O], align: 16, runs: "linearBackwardRange",
    part: (a, i0, i1) => [...a, i0, i1],
    before: (base, dW, db, g, x, panels, rows, B, I, O) => base.packOutputPairs(panels, g, B, O),
  },
  matmul: {
    units: (out, a, b, M, K, N) => [M, M * K * N], align: 4,
    part: ([out, a, b, , K, N], m0, m1) => [out + m0 * N * 4, a + m0 * K * 4, b, m1 - m0, K, N],
  },
  gatherScaleU8: {
    units: (out, src, idx, B, I) => [B, B * I], align: 4,
    part: ([out, src, idx, , I, scale], r0, r1) => [out + r0 * I * 4, src, idx + r0 * 4, r1 - r0, I, scale],
  },
  reluForward: {
    units: (out, inp, n) => [n, n], align: 64,
    part: ([out, inp], s, e) => [out + s * 4, inp + s * 4, e - s],
  },
  reluBackward: {
    units: (dInp, dOut, out, n) => [n, n], align: 64,
    part: ([dInp, dOut, out], s, e) => [dInp + s * 4, dOut + s * 4, out + s * 4, e - s],
  },
  sgdUpdate: {
    units: (p, g, v, n) => [n, n], align: 64,
    part: ([p, g, v, , ...hyper], s, e) => [p + s * 4, g + s * 4, v + s * 4, e - s, ...hyper],
  },
  adamUpdate: {
    units: (p, g, m, v, n) => [n, n], align: 64,
    part: ([p, g, m, v, , ...hyper], s, e) => [p + s * 4, g + s * 4, m + s * 4, v + s * 4, e - s, ...hyper],
  },
};

const SPLIT = Object.keys(POLICIES) as Name[];

/** The kernels the workers run, derived from the table: the pool is started with this list. */
export const THREADED_KERNELS: readonly Name[] = SPLIT.map((name) => POLICIES[name]!.runs ?? name);

// Below this many multiply-adds a kernel runs on the calling thread: waking the workers would cost more.
const MIN_WORK = 1 << 15;

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
 * @internal `base`'s kernels with those in the table split over the pool's threads once there is one (a pool
 * started on THREADED_KERNELS); the same bits as `base` alone.
 */
export function threadedKernels(base: Kernels, poolOf: () => ThreadPool | undefined): Kernels {
  const k: Record<string, unknown> = { ...base };
  SPLIT.forEach((name, index) => {
    const policy = POLICIES[name] as unknown as Policy<Name>;
    const whole = base[name] as (...a: number[]) => number | void;
    k[name] = (...a: Args<Name>) => {
      const pool = poolOf();
      const [units, work] = policy.units(...a);
      if (!pool || work < MIN_WORK || units < 2) return whole(...a);
      policy.before?.(base, ...a);
      pool.run(base, split(units, pool.size, policy.align).map(([start, end]): Job => [index, ...policy.part(a, start, end)]));
      return undefined;
    };
  });
  return { ...k, backend: base.backend, build: base.build, memory: base.memory, heapBase: base.heapBase } as unknown as Kernels;
}
