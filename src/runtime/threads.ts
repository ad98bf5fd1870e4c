// Kernels on every core: the same wasm module instantiated in each worker over one shared WebAssembly.Memory.
// Workers start once per runtime and park on Atomics.wait; a kernel call writes each worker's arguments into a
// small shared control block and wakes them: no postMessage per kernel. Work is split so that every output
// element is computed by exactly one thread with the same instructions as on one thread (rows of a batch,
// input columns of a weight gradient, ranges of parameters), so results are the same bits for any thread count.
import type { Kernels, KernelFunctions, Ptr } from "../kernels/contract.js";
import { WasmError } from "../errors.js";

/** Threads a runtime starts at most: beyond this, the batch-256 kernels gain nothing. */
export const MAX_THREADS = 8;

// Control block (Int32 indices): the generation workers wait on, and how many finished it. Then one slot of
// SLOT f64 values per thread: the kernel's index (or −1 for nothing to do) and its arguments.
const SEQ = 0, DONE = 1, HEADER_BYTES = 64, SLOT = 16;
const STOP = -1;
// Turns of spinning before parking on Atomics.wait (about 11 ns a turn, so about 220 µs): a worker spins through
// the caller's serial steps between kernels (the loss, the accuracy count, the next batch's indices), the caller
// through the time by which its own share ends before the workers'. Waking a parked thread costs tens of
// microseconds on a VM: more than a small kernel.
const SPIN = 20000;
/** A worker that does not finish a kernel in this long has died or hung. */
const DEADLINE_MS = 30_000;

interface WorkerStart { module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; index: number; names: string[] }
interface Port { postMessage(message: unknown): void }

/**
 * The worker's whole program, sent as source text (`String(workerMain)`, so it is minified with the package),
 * with only globals and its arguments in scope. It only calls kernels and never allocates. Extra arguments to a
 * wasm export are ignored.
 */
function workerMain(port: Port, onStart: (start: (message: WorkerStart) => void) => void,
                    header: number, slot: number, seqAt: number, doneAt: number, stop: number, spin: number): void {
  onStart(({ module, memory, control, index, names }) => {
    let fns: ((...args: number[]) => void)[], ctrl: Int32Array, a: Float64Array;
    try {
      const k = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
      fns = names.map((n) => k[n]!);
      ctrl = new Int32Array(control);
      a = new Float64Array(control, header + index * slot * 8, slot);
    } catch (error) {
      port.postMessage({ error: String((error as Error)?.stack ?? error) });
      return;
    }
    port.postMessage({ ready: true });
    let seen = 0;
    for (;;) {
      for (let s = 0; s < spin && Atomics.load(ctrl, seqAt) === seen; s++);
      // A finite wait, so a terminate() (process exit, runtime.close()) is seen even while parked.
      Atomics.wait(ctrl, seqAt, seen, 50);
      const seq = Atomics.load(ctrl, seqAt);
      if (seq === stop) return;
      if (seq === seen) continue;
      seen = seq;
      if (a[0]! >= 0) fns[a[0]!]!(a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!);
      Atomics.add(ctrl, doneAt, 1);
      Atomics.notify(ctrl, doneAt);
    }
  });
}

/** The worker's source: how it receives its one start message (worker_threads or a web Worker), then workerMain. */
function workerSource(node: boolean): string {
  const start = node
    // The module name is joined at run time, as in load.ts, so no scanner takes the browser bundle for Node code.
    ? 'const port=require(["node","worker_threads"].join(":")).parentPort;const onStart=(f)=>port.once("message",f);'
    : "const port=self;const onStart=(f)=>{self.onmessage=(e)=>{self.onmessage=null;f(e.data)}};";
  return `"use strict";${start}(${String(workerMain)})(port,onStart,${HEADER_BYTES},${SLOT},${SEQ},${DONE},${STOP},${SPIN});`;
}

/** The kernels that are split; the others run on the calling thread (they are small or reduce). */
const SPLIT = ["linearForward", "linearBackwardRange", "matmul", "gatherScaleU8", "reluForward", "reluBackward", "sgdUpdate",
  "adamUpdate"] as const;
type Split = (typeof SPLIT)[number];
type Job = [Split, ...number[]];

interface Worker {
  post(message: unknown): void;
  terminate(): void;
}

/**
 * @internal A pool of `count − 1` workers plus the calling thread. `run` hands each thread its job and returns
 * when all are done.
 */
export class ThreadPool {
  readonly size: number;
  #ctrl: Int32Array;
  #slots: Float64Array;
  #workers: Worker[];
  #seq = 0;
  #failure: string | undefined;
  #canWait: boolean;

  private constructor(size: number, control: SharedArrayBuffer, workers: Worker[]) {
    this.size = size;
    this.#ctrl = new Int32Array(control, 0, HEADER_BYTES / 4);
    this.#slots = new Float64Array(control, HEADER_BYTES);
    this.#workers = workers;
    // Browsers refuse Atomics.wait on their main thread: there the caller spins.
    this.#canWait = typeof (globalThis as { document?: unknown }).document === "undefined";
  }

  /** Starts `count − 1` workers on `module` over `memory` and waits until each has instantiated it. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(HEADER_BYTES + count * SLOT * 8);
    const spawn = await workerFactory();
    const workers: Worker[] = [];
    let pool: ThreadPool | undefined;
    const started = Array.from({ length: count - 1 }, (_, w) => new Promise<void>((resolve, reject) => {
      const worker = spawn((message: { ready?: boolean; error?: string }) => {
        if (message?.ready) resolve();
        else reject(new WasmError(`Worker ${w + 1} could not start: ${message?.error}.`, "Use threads: 1."));
      }, (error: unknown) => {
        const why = `worker ${w + 1} stopped: ${error instanceof Error ? error.message : String(error)}`;
        if (pool) pool.#failure = why;
        reject(new WasmError(`Could not start ${why}.`, "Use threads: 1, or check that this runtime allows workers."));
      });
      workers.push(worker);
      worker.post({ module, memory, control, index: w + 1, names: SPLIT });
    }));
    try {
      await Promise.all(started);
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    pool = new ThreadPool(count, control, workers);
    return pool;
  }

  /** Runs jobs[0] here and jobs[t] on worker t (a missing job: that worker idles), in parallel. */
  run(base: Kernels, jobs: Job[]): void {
    if (this.#failure) throw new WasmError(`A kernel thread failed: ${this.#failure}.`, "Create the runtime again, or use threads: 1.");
    const ctrl = this.#ctrl, workers = this.size - 1;
    Atomics.store(ctrl, DONE, 0);
    for (let t = 1; t < this.size; t++) {
      const slot = this.#slots.subarray(t * SLOT, (t + 1) * SLOT), job = jobs[t];
      if (job === undefined) { slot[0] = -1; continue; }
      slot[0] = SPLIT.indexOf(job[0]);
      for (let i = 1; i < job.length; i++) slot[i] = job[i] as number;
    }
    this.#seq = this.#seq === 0x7fffffff ? 1 : this.#seq + 1;
    Atomics.store(ctrl, SEQ, this.#seq);
    Atomics.notify(ctrl, SEQ);
    if (jobs[0]) call(base, jobs[0]);
    const started = Date.now();
    for (let s = 0; s < SPIN && Atomics.load(ctrl, DONE) < workers; s++);
    for (let done = Atomics.load(ctrl, DONE); done < workers; done = Atomics.load(ctrl, DONE)) {
      if (this.#canWait) Atomics.wait(ctrl, DONE, done, 100);
      if (this.#failure || Date.now() - started > DEADLINE_MS) {
        this.#failure ??= `no answer within ${DEADLINE_MS / 1000} s`;
        throw new WasmError(`A kernel thread failed: ${this.#failure}.`, "Create the runtime again, or use threads: 1.");
      }
    }
  }

  /** Wakes every worker to exit, and ends them. */
  close(): void {
    Atomics.store(this.#ctrl, SEQ, STOP);
    Atomics.notify(this.#ctrl, SEQ);
    for (const worker of this.#workers) worker.terminate();
    this.#workers = [];
    this.#failure ??= "the runtime was closed";
  }
}

function call(k: Kernels, [name, ...args]: Job): void {
  (k[name] as (...a: number[]) => unknown)(...args);
}

/**
 * [start, end) ranges splitting n into at most `parts`, each boundary a multiple of `align` (so SIMD loops and
 * their scalar tails cover the same elements as in one call), none empty.
 */
export function split(n: number, parts: number, align: number): [number, number][] {
  const units = Math.ceil(n / align), per = Math.ceil(units / parts), ranges: [number, number][] = [];
  for (let start = 0; start < n; start += per * align) ranges.push([start, Math.min(n, start + per * align)]);
  return ranges;
}

// Below this many multiply-adds a kernel runs on the calling thread: waking the workers would cost more.
const MIN_WORK = 1 << 15;

/**
 * @internal `base`'s kernels with the big ones split over the pool's threads once there is one; the same bits as
 * `base` alone.
 */
export function threadedKernels(base: Kernels, poolOf: () => ThreadPool | undefined): Kernels {
  // Runs job(start, end) on every thread over ranges splitting [0, n) (rows, columns or parameters); false when
  // there is no pool yet or too little work, and the caller runs the kernel whole.
  // `before` runs on this thread first, when the kernel is split.
  const inParts = (n: number, work: number, align: number, job: (start: number, end: number) => Job, before?: () => void): boolean => {
    const pool = poolOf();
    if (!pool || work < MIN_WORK || n < 2) return false;
    before?.();
    pool.run(base, split(n, pool.size, align).map(([start, end]) => job(start, end)));
    return true;
  };
  const k: KernelFunctions = {
    ...base,
    linearForward(out: Ptr, inp: Ptr, w: Ptr, b: Ptr, B: number, I: number, O: number) {
      if (!inParts(B, B * I * O, 4, (r0, r1) => ["linearForward", out + r0 * O * 4, inp + r0 * I * 4, w, b, r1 - r0, I, O])) {
        base.linearForward(out, inp, w, b, B, I, O);
      }
    },
    linearBackward(dW: Ptr, db: Ptr, g: Ptr, x: Ptr, panels: Ptr, B: number, I: number, O: number) {
      // Split by input columns, not outputs: each thread then reads only its columns of x, and a layer with few
      // outputs (softmax regression's 10) still splits evenly. Every thread reads all of dOut's panels, so they
      // are packed here first.
      if (!inParts(I, B * I * O, 16, (i0, i1) => ["linearBackwardRange", dW, db, g, x, panels, B, I, O, i0, i1], () => base.packOutputPairs(panels, g, B, O))) {
        base.linearBackward(dW, db, g, x, panels, B, I, O);
      }
    },
    matmul(out: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number) {
      if (!inParts(M, M * K * N, 4, (m0, m1) => ["matmul", out + m0 * N * 4, a + m0 * K * 4, b, m1 - m0, K, N])) {
        base.matmul(out, a, b, M, K, N);
      }
    },
    gatherScaleU8(out: Ptr, src: Ptr, idx: Ptr, B: number, I: number, scale: number) {
      if (!inParts(B, B * I, 4, (r0, r1) => ["gatherScaleU8", out + r0 * I * 4, src, idx + r0 * 4, r1 - r0, I, scale])) {
        base.gatherScaleU8(out, src, idx, B, I, scale);
      }
    },
    reluForward(out: Ptr, inp: Ptr, n: number) {
      if (!inParts(n, n, 64, (s, e) => ["reluForward", out + s * 4, inp + s * 4, e - s])) base.reluForward(out, inp, n);
    },
    reluBackward(dInp: Ptr, dOut: Ptr, out: Ptr, n: number) {
      if (!inParts(n, n, 64, (s, e) => ["reluBackward", dInp + s * 4, dOut + s * 4, out + s * 4, e - s])) base.reluBackward(dInp, dOut, out, n);
    },
    sgdUpdate(p: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number, wd: number) {
      if (!inParts(n, n, 64, (s, e) => ["sgdUpdate", p + s * 4, g + s * 4, v + s * 4, e - s, lr, momentum, wd])) {
        base.sgdUpdate(p, g, v, n, lr, momentum, wd);
      }
    },
    adamUpdate(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, b1: number, b2: number, eps: number, wd: number, c1: number, c2: number) {
      if (!inParts(n, n, 64, (s, e) => ["adamUpdate", p + s * 4, g + s * 4, m + s * 4, v + s * 4, e - s, lr, b1, b2, eps, wd, c1, c2])) {
        base.adamUpdate(p, g, m, v, n, lr, b1, b2, eps, wd, c1, c2);
      }
    },
  };
  return { ...k, backend: base.backend, build: base.build, memory: base.memory, heapBase: base.heapBase };
}

type Spawn = (onMessage: (message: { ready?: boolean; error?: string }) => void, onError: (error: unknown) => void) => Worker;

/**
 * How this runtime starts a worker on workerSource(): node:worker_threads in Node, Deno and Bun (whose workers can
 * be unreferenced, so a parked one never keeps the process alive), a web Worker in browsers.
 */
async function workerFactory(): Promise<Spawn> {
  if (hasNodeApis()) {
    // Hidden from bundlers, as in load.ts: only server runtimes reach this.
    const name = ["node", "worker_threads"].join(":");
    const { Worker: NodeWorker } = (await import(/* @vite-ignore */ name)) as typeof import("node:worker_threads");
    return (onMessage, onError) => {
      const worker = new NodeWorker(workerSource(true), { eval: true });
      // Referenced until it has said it is ready (so startup is awaited), then unreferenced: a parked worker
      // never keeps the process alive.
      worker.once("message", (message) => { worker.unref(); onMessage(message); });
      worker.on("error", onError);
      worker.on("exit", (code) => { if (code !== 0) onError(new Error(`exit code ${code}`)); });
      return { post: (m) => worker.postMessage(m), terminate: () => { void worker.terminate(); } };
    };
  }
  const url = URL.createObjectURL(new Blob([workerSource(false)], { type: "text/javascript" }));
  return (onMessage, onError) => {
    // Module workers: Deno has no classic ones; the program has no imports, so it runs as either.
    const worker = new globalThis.Worker(url, { type: "module" });
    worker.onmessage = (e: MessageEvent) => onMessage(e.data);
    worker.onerror = (e: ErrorEvent) => { e.preventDefault?.(); onError(new Error(e.message)); };
    return { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() };
  };
}

/**
 * Whether this runtime can run kernel threads, and if not why: shared memory needs SharedArrayBuffer (browsers
 * give it only to cross-origin-isolated pages) and a way to start workers.
 */
export function threadsUnavailable(): string | undefined {
  if (typeof SharedArrayBuffer !== "function") {
    return typeof (globalThis as { document?: unknown }).document === "object" || typeof (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === "boolean"
      ? "no SharedArrayBuffer: the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)"
      : "no SharedArrayBuffer in this runtime";
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return "the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)";
  }
  if (!hasNodeApis() && typeof globalThis.Worker !== "function") return "no Worker in this runtime";
  return undefined;
}

/** Node, Deno and Bun: they have `process` and the node: modules (workerd has neither threads nor these). */
function hasNodeApis(): boolean {
  return typeof process === "object" && typeof process.versions?.node === "string" && typeof (globalThis as { document?: unknown }).document === "undefined";
}

/** The cores this process may use, for threads: "auto". */
export async function availableCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof nav?.hardwareConcurrency === "number" && nav.hardwareConcurrency > 0) return nav.hardwareConcurrency;
  if (hasNodeApis()) {
    const name = ["node", "os"].join(":");
    const os = (await import(/* @vite-ignore */ name)) as typeof import("node:os");
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  }
  return 1;
}
