// Kernels on every core: the same wasm module instantiated in each worker over one shared WebAssembly.Memory.
// Workers start once per runtime and park on Atomics.wait; a kernel call writes each worker's arguments into a
// small shared control block and wakes them: no postMessage per kernel. Which kernels are split, and how, is
// split.ts's table; how a worker starts on this platform is platform.ts's.
import type { Kernels } from "../kernels/contract.js";
import { WasmError } from "../errors.js";
import { workerStarter } from "./platform.js";
import type { StartedWorker, StartFailure } from "./platform.js";

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

/** One thread's share of a kernel call: the kernel's index in the pool's list, then its arguments. */
export type Job = [kernel: number, ...args: number[]];

interface WorkerStart { module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; index: number; names: readonly string[] }
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

const WORKER_MAIN = `(port,onStart)=>(${String(workerMain)})(port,onStart,${HEADER_BYTES},${SLOT},${SEQ},${DONE},${STOP},${SPIN})`;

/**
 * @internal A pool of `count − 1` workers plus the calling thread, each able to run the kernels `names`. `run`
 * hands each thread its job and returns when all are done.
 */
export class ThreadPool {
  readonly size: number;
  #names: readonly (keyof Kernels)[];
  #ctrl: Int32Array;
  #slots: Float64Array;
  #workers: StartedWorker[];
  #seq = 0;
  #failure: string | undefined;
  #canWait: boolean;

  private constructor(size: number, names: readonly (keyof Kernels)[], control: SharedArrayBuffer, workers: StartedWorker[]) {
    this.size = size;
    this.#names = names;
    this.#ctrl = new Int32Array(control, 0, HEADER_BYTES / 4);
    this.#slots = new Float64Array(control, HEADER_BYTES);
    this.#workers = workers;
    // Browsers refuse Atomics.wait on their main thread: there the caller spins.
    this.#canWait = typeof (globalThis as { document?: unknown }).document === "undefined";
  }

  /**
   * Starts `count − 1` workers on `module` over `memory` and waits until each has instantiated it.
   * @throws {WasmError} naming why a worker did not start and what to change.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number,
                     names: readonly (keyof Kernels)[]): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(HEADER_BYTES + count * SLOT * 8);
    const spawn = await workerStarter(WORKER_MAIN);
    const workers: StartedWorker[] = [];
    let pool: ThreadPool | undefined;
    const refuse = (w: number, { why, hint }: StartFailure) => new WasmError(`Could not start worker ${w + 1} of ${count - 1}: ${why}.`, hint);
    const started = Array.from({ length: count - 1 }, (_, w) => new Promise<void>((resolve, reject) => {
      const worker = spawn((message) => {
        if (message?.ready) resolve();
        else reject(refuse(w, { why: `it could not instantiate the kernels (${message?.error})`, hint: "Use threads: 1." }));
      }, (failure) => {
        if (pool) pool.#failure = `worker ${w + 1} stopped: ${failure.why}`;
        reject(refuse(w, failure));
      });
      workers.push(worker);
      worker.post({ module, memory, control, index: w + 1, names } satisfies WorkerStart);
    }));
    try {
      await Promise.all(started);
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    pool = new ThreadPool(count, names, control, workers);
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
      for (let i = 0; i < job.length; i++) slot[i] = job[i]!;
    }
    this.#seq = this.#seq === 0x7fffffff ? 1 : this.#seq + 1;
    Atomics.store(ctrl, SEQ, this.#seq);
    Atomics.notify(ctrl, SEQ);
    if (jobs[0]) {
      const [kernel, ...args] = jobs[0];
      (base[this.#names[kernel]!] as (...a: number[]) => unknown)(...args);
    }
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
