// Kernels on every core: the same wasm module instantiated in each worker over one shared WebAssembly.Memory.
// Workers start once per runtime and park on Atomics.wait; a kernel call writes the arguments of its pieces into a
// small shared control block and wakes them: no postMessage per kernel. Each piece is claimed by whichever thread
// is free first, the calling one included, so a worker the system has not scheduled yet delays nothing: the
// caller runs its piece too. Which thread runs a piece changes no bit (each piece is a fixed range of outputs).
// Which kernels are split, and how, is split.ts's table; how a worker starts on this platform is platform.ts's.
import type { Kernels } from "../kernels/contract.js";
import { WasmError } from "../errors.js";
import { workerStarter } from "./platform.js";
import type { StartedWorker, StartFailure } from "./platform.js";

/** Threads a runtime starts at most: beyond this, the batch-256 kernels gain nothing. */
export const MAX_THREADS = 8;

// Control block (Int32 indices): the generation workers wait on, how many pieces of it are done, and its next
// piece to claim as a ticket: generation × 256 + piece × 16 + pieces, so a thread that wakes late cannot claim a
// piece of a later call. Then one slot of SLOT f64 values per piece: the kernel's index and its arguments.
const SEQ = 0, DONE = 1, NEXT = 2, HEADER_BYTES = 64, SLOT = 16;
const STOP = -1, LAST_SEQ = (1 << 22) - 1;
// Turns of spinning before parking on Atomics.wait (about 11 ns a turn, so about 220 µs): a worker spins through
// the caller's serial steps between kernels (the loss, the accuracy count, the next batch's indices), the caller
// through the time by which its own share ends before the workers'. Waking a parked thread costs tens of
// microseconds on a VM: more than a small kernel.
const SPIN = 20000;
/** A worker that does not finish a kernel in this long has died or hung. */
const DEADLINE_MS = 30_000;

/** One piece of a kernel call: the kernel's index in the pool's list, then its arguments. */
export type Job = [kernel: number, ...args: number[]];

interface WorkerStart { module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; names: readonly string[] }
interface Port { postMessage(message: unknown): void }

/**
 * The worker's whole program, sent as source text (`String(workerMain)`, so it is minified with the package),
 * with only globals and its arguments in scope. It only calls kernels and never allocates. Extra arguments to a
 * wasm export are ignored.
 */
function workerMain(port: Port, onStart: (start: (message: WorkerStart) => void) => void,
                    header: number, slot: number, seqAt: number, doneAt: number, nextAt: number, stop: number, spin: number): void {
  onStart(({ module, memory, control, names }) => {
    let fns: ((...args: number[]) => void)[], ctrl: Int32Array, a: Float64Array;
    try {
      const k = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
      fns = names.map((n) => k[n]!);
      ctrl = new Int32Array(control);
      a = new Float64Array(control, header);
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
      // Claim this generation's pieces until none is left (or the ticket is another generation's).
      for (let t = Atomics.load(ctrl, nextAt); t >> 8 === seq && ((t >> 4) & 15) < (t & 15); t = Atomics.load(ctrl, nextAt)) {
        if (Atomics.compareExchange(ctrl, nextAt, t, t + 16) !== t) continue;
        const o = ((t >> 4) & 15) * slot;
        fns[a[o]!]!(a[o + 1]!, a[o + 2]!, a[o + 3]!, a[o + 4]!, a[o + 5]!, a[o + 6]!, a[o + 7]!, a[o + 8]!, a[o + 9]!, a[o + 10]!, a[o + 11]!,
          a[o + 12]!, a[o + 13]!, a[o + 14]!);
        Atomics.add(ctrl, doneAt, 1);
        Atomics.notify(ctrl, doneAt);
      }
    }
  });
}

const WORKER_MAIN = `(port,onStart)=>(${String(workerMain)})(port,onStart,${HEADER_BYTES},${SLOT},${SEQ},${DONE},${NEXT},${STOP},${SPIN})`;

/**
 * @internal A pool of `count − 1` workers plus the calling thread, each able to run the kernels `names`. `run`
 * hands out the pieces of a call and returns when all are done.
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
      worker.post({ module, memory, control, names } satisfies WorkerStart);
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

  /** Runs the pieces `jobs` (at most one per thread), each on whichever thread claims it first, this one included. */
  run(base: Kernels, jobs: Job[]): void {
    if (this.#failure) throw new WasmError(`A kernel thread failed: ${this.#failure}.`, "Create the runtime again, or use threads: 1.");
    const ctrl = this.#ctrl, slots = this.#slots, pieces = jobs.length;
    for (let p = 0; p < pieces; p++) {
      const job = jobs[p]!, at = p * SLOT;
      for (let i = 0; i < job.length; i++) slots[at + i] = job[i]!;
    }
    const seq = this.#seq = this.#seq === LAST_SEQ ? 1 : this.#seq + 1;
    Atomics.store(ctrl, DONE, 0);
    // The ticket before the generation: a worker that sees the new generation finds its pieces ready.
    Atomics.store(ctrl, NEXT, seq * 256 + pieces);
    Atomics.store(ctrl, SEQ, seq);
    Atomics.notify(ctrl, SEQ);
    for (let t = Atomics.load(ctrl, NEXT); ((t >> 4) & 15) < pieces; t = Atomics.load(ctrl, NEXT)) {
      if (Atomics.compareExchange(ctrl, NEXT, t, t + 16) !== t) continue;
      // Called as the workers call it, without copying the job (a wasm export ignores the extra arguments).
      const a = jobs[(t >> 4) & 15]!;
      (base[this.#names[a[0]]!] as (...args: number[]) => unknown)(a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!,
        a[11]!, a[12]!, a[13]!, a[14]!);
      Atomics.add(ctrl, DONE, 1);
    }
    const started = Date.now();
    for (let s = 0; s < SPIN && Atomics.load(ctrl, DONE) < pieces; s++);
    for (let done = Atomics.load(ctrl, DONE); done < pieces; done = Atomics.load(ctrl, DONE)) {
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
