// A runtime is a value: one backend's kernels and the kernel memory they compute in. Any number live side by
// side (a UI predicting on one while a worker trains on another); `init()` only sets the default one that
// calls without `{ runtime }` use.
import type { Backend, Build, Kernels } from "../kernels/contract.js";
import { BACKENDS, BUILDS, KERNEL_NAMES } from "../kernels/contract.js";
import { JsKernels } from "../kernels/js.js";
import { ClosedError, OptionError, WasmError } from "../errors.js";
import { check, checkKeys, oneOf, rule } from "../validate.js";
import { relaxedSimdThreadsWasmUrl, relaxedSimdWasmUrl, scalarWasmUrl, simdThreadsWasmUrl, simdWasmUrl } from "../assets.js";
import { describeSource, loadKernels, relaxedSimdSupported, simdSupported } from "./load.js";
import type { WasmSource } from "./load.js";
import { Arena } from "./memory.js";
import { availableCores, threadsUnavailable } from "./platform.js";
import { MAX_THREADS, ThreadPool } from "./pool.js";
import { THREADED_KERNELS, threadedKernels } from "./split.js";
import { INSPECT, inspectAs } from "../util/inspect.js";

// `Symbol.dispose` (for `using`), declared as @types/node does, so consumers without lib "esnext.disposable" compile.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** The package's wasm builds, each given as a module, URL, Response or bytes. */
export interface WasmBuilds {
  /** The SIMD build (`wasm-softmax/simd.wasm`). */
  simd?: WasmSource;
  /** The scalar build (`wasm-softmax/scalar.wasm`), for runtimes without SIMD. */
  scalar?: WasmSource;
  /** The SIMD build over shared memory (`wasm-softmax/simd-threads.wasm`), for `threads` > 1. */
  threads?: WasmSource;
  /** The opt-in relaxed-SIMD build (`wasm-softmax/simd-relaxed.wasm`), for `build: "relaxed-simd"` or "auto". */
  relaxedSimd?: WasmSource;
  /** The relaxed-SIMD build over shared memory (`wasm-softmax/simd-relaxed-threads.wasm`), with `threads` > 1. */
  relaxedSimdThreads?: WasmSource;
}

/** Options of `createRuntime` and `init`. */
export interface RuntimeOptions {
  /**
   * The kernels to run. Default "auto": WebAssembly SIMD where the runtime validates it, else the scalar wasm
   * build, else plain TypeScript ("js").
   */
  backend?: Backend | "auto";
  /**
   * The wasm to use: a compiled `WebAssembly.Module` (Cloudflare Workers, Vercel Edge, bundlers), a URL, a
   * `Response` or bytes of one build, or `{ simd, scalar }` to let "auto" pick between two. Default: the
   * package's own `build/simd.wasm` and `build/scalar.wasm`.
   */
  wasm?: WasmSource | WasmBuilds;
  /**
   * Kernel threads: the calling thread plus `threads − 1` workers over one shared memory. Default "auto": the
   * cores available to the process, at most MAX_THREADS (8). Results are the same bits for any count. Where
   * threads cannot run (no SharedArrayBuffer, a page without cross-origin isolation, workerd, the js or scalar
   * backend) the runtime runs one thread and `threadsReason` says why.
   */
  threads?: number | "auto";
  /**
   * Which build of the wasm-simd kernels to run. Default "default": fixed-width SIMD, the same bits in every
   * runtime and on every machine. "relaxed-simd" opts in to fused multiply-adds in the matrix products
   * (`f32x4.relaxed_madd`): faster where the CPU fuses them, but its results may differ in the last bits between
   * machines; refused with a WasmError where the runtime lacks relaxed SIMD (Node 20 does). "auto": relaxed-simd
   * where the runtime has it, else the default build, with `buildReason` saying why.
   */
  build?: Build | "auto";
}

/** What `init()` takes: the same as `createRuntime`. */
export type InitOptions = RuntimeOptions;

export const RUNTIME_OPTIONS = ["backend", "wasm", "threads", "build"] as const;
const THREADS_RULE = rule<number | "auto">(`"auto" or an integer in [1, ${MAX_THREADS}]`,
  (v) => v === "auto" || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_THREADS));
const BACKEND_RULE = oneOf<Backend | "auto">(["auto", ...BACKENDS]);
const BUILD_RULE = oneOf<Build | "auto">([...BUILDS, "auto"]);

/**
 * One backend's kernels and their memory. Made by `createRuntime` (or `init`, which makes the default one);
 * `close()` releases it, after which anything that uses it throws a `ClosedError` (a running `fit` stops at its next batch).
 */
export class Runtime {
  /** @internal */
  readonly kernels: Kernels;
  /** @internal */
  readonly arena: Arena;
  /** @internal The module it was instantiated from, so `init({ wasm: module })` again is a no-op. */
  readonly module: WebAssembly.Module | undefined;
  #threads: number;
  #threadsReason: string | undefined;
  readonly #buildReason: string | undefined;
  #pool: ThreadPool | undefined;
  #closed = false;

  /**
   * @internal `pool`: the workers, started (an explicit count) or starting ("auto": the runtime is usable at
   * once, its kernels run on the calling thread until the workers are up, which changes no bit of any result).
   * `buildReason`: why "auto" did not get the relaxed-SIMD build.
   */
  constructor(kernels: Kernels, module?: WebAssembly.Module,
              threads: { pool?: ThreadPool | Promise<ThreadPool>; count?: number; reason?: string; buildReason?: string } = {}) {
    const { pool, count = 1, reason, buildReason } = threads;
    this.#buildReason = buildReason;
    this.kernels = pool ? threadedKernels(kernels, () => this.#pool) : kernels;
    this.arena = new Arena(kernels.memory, kernels.heapBase);
    this.module = module;
    this.#threads = pool instanceof Promise ? 1 : count;
    this.#threadsReason = pool instanceof Promise ? `its ${count - 1} worker${count === 2 ? " is" : "s are"} starting` : reason;
    if (pool instanceof Promise) {
      // Until the workers are up, `threads` says 1: it never counts threads that may yet fail to start.
      this.ready = pool.then((started) => {
        if (this.#closed) started.close();
        else {
          this.#pool = started;
          this.#threads = count;
          this.#threadsReason = undefined;
        }
        return this;
      }, (error: unknown) => {
        this.#threadsReason = `the workers could not start (${error instanceof Error ? error.message : String(error)})`;
        return this;
      });
    } else {
      this.#pool = pool;
      this.ready = Promise.resolve(this);
    }
  }

  /**
   * Resolves to this runtime once its thread count is settled: at once, except with threads: "auto", whose
   * workers start in the background (kernels run on the calling thread meanwhile). It never rejects: workers that
   * cannot start leave `threads` at 1 and `threadsReason` saying why.
   */
  readonly ready: Promise<this>;

  /**
   * Threads the kernels run on now (the calling one included). With threads: "auto" it is 1 until the workers
   * are up (threadsReason says they are starting; `await runtime.ready` waits for them), then their count; if
   * they cannot start it stays 1 and threadsReason says why.
   */
  get threads(): number {
    return this.#threads;
  }

  /** Why there are fewer threads than asked for (or than "auto" would use), when there are: the user can act on it. */
  get threadsReason(): string | undefined {
    return this.#threadsReason;
  }

  /** Which implementation runs the kernels. */
  get backend(): Backend {
    return this.kernels.backend;
  }

  /** Which build of them: "default" (the same bits everywhere) or the opt-in "relaxed-simd". */
  get build(): Build {
    return this.kernels.build;
  }

  /** Why `build: "auto"` runs the default build here, when it does. */
  get buildReason(): string | undefined {
    return this.#buildReason;
  }

  /** Bytes of kernel memory reserved so far (it grows as trainers and predictions need it, never shrinks). */
  get memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  /** Bytes of kernel memory held by live trainers and calls. */
  get bytesInUse(): number {
    return this.arena.bytesInUse;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Releases the runtime: its workers end, its memory goes once nothing refers to it. Closing twice is harmless. */
  close(): void {
    this.#closed = true;
    this.#pool?.close();
    this.#pool = undefined;
    if (current === this) current = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal This runtime, or a ClosedError when it was closed. */
  open(): this {
    if (this.#closed) {
      throw new ClosedError(`${this.backend} runtime`, "Create a new one with createRuntime(), or use init()'s default.");
    }
    return this;
  }

  toJSON(): { backend: Backend; build: Build; buildReason?: string; threads: number; threadsReason?: string; memoryBytes: number; closed: boolean } {
    return {
      backend: this.backend, build: this.build, ...(this.buildReason !== undefined && { buildReason: this.buildReason }),
      threads: this.threads, ...(this.threadsReason !== undefined && { threadsReason: this.threadsReason }),
      memoryBytes: this.memoryBytes, closed: this.closed,
    };
  }

  /** @internal console.log(runtime) in Node: `Runtime { backend: 'wasm-simd', memoryBytes: …, closed: false }`. */
  [INSPECT](depth: number, options: { depth?: number | null }, inspect?: (value: unknown, options: object) => string): string {
    return inspectAs("Runtime", this.toJSON(), depth, options, inspect);
  }
}

/**
 * Creates a runtime: loads and instantiates the kernels for `backend` ("auto" by default: WebAssembly SIMD where
 * supported, else the scalar build, else plain TypeScript) and `build`. Each call gives a new, independent runtime.
 * @throws {OptionError} for an unknown backend, build or option, or a relaxed-SIMD build asked of the js or
 *   scalar wasm backend.
 * @throws {WasmError} when the wasm cannot be fetched, compiled or instantiated here, is another build than the
 *   backend or build asked for, or `build: "relaxed-simd"` was asked where the runtime lacks relaxed SIMD.
 * @example
 * const simd = await createRuntime();                  // "wasm-simd" on Node 20
 * const js = await createRuntime({ backend: "js" });    // side by side, each with its own memory
 * const fast = await createRuntime({ build: "auto" });  // fast.build: "relaxed-simd" on Node 22, else fast.buildReason
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const { backend: asked = "auto", wasm, threads: askedThreads = "auto", build: askedBuild = "default" } =
    checkKeys("createRuntime", options, RUNTIME_OPTIONS);
  check("backend", asked, BACKEND_RULE);
  check("threads", askedThreads, THREADS_RULE);
  check("build", askedBuild, BUILD_RULE);
  if (askedBuild === "relaxed-simd" && (asked === "js" || asked === "wasm")) {
    throw new OptionError("build", `"default" or "auto" with backend "${asked}"`, askedBuild, 'Leave out `backend`, or use backend: "wasm-simd".');
  }
  const builds = isBuilds(wasm) ? wasm : undefined;
  const single = builds ? undefined : (wasm as WasmSource | undefined);
  const backend = asked !== "auto" ? asked : single !== undefined ? undefined : autoBackend();
  const noRelaxed = askedBuild === "default" ? undefined : relaxedUnavailable(asked, builds);
  if (askedBuild === "relaxed-simd" && noRelaxed !== undefined) {
    throw new WasmError(`The relaxed-SIMD build cannot run here: ${noRelaxed}.`,
      'Use build: "auto" to fall back to the default build where it is missing (Node 22 and later have it), or leave out `build`.');
  }
  const relaxed = askedBuild !== "default" && noRelaxed === undefined;
  const buildReason = askedBuild === "auto" ? noRelaxed : undefined;
  if (backend === "js") return new Runtime(new JsKernels(), undefined, { reason: "the js backend runs on one thread", buildReason });
  if (typeof WebAssembly !== "object") {
    throw new WasmError("This runtime has no WebAssembly.", 'Use createRuntime({ backend: "js" }) for the plain TypeScript kernels.');
  }
  const wanted = askedThreads === "auto" ? Math.min(MAX_THREADS, await availableCores()) : askedThreads;
  const threadsBuild = relaxed ? builds?.relaxedSimdThreads : builds?.threads;
  const why = wanted === 1 ? (askedThreads === 1 ? undefined : "one core is available") :
    threadsUnavailable() ??
    (single !== undefined || (builds && threadsBuild === undefined)
      ? `no threads build was given (wasm: { ${relaxed ? "relaxedSimd, relaxedSimdThreads" : "simd, threads"} })` :
      backend !== "wasm-simd" ? "threads need the wasm-simd backend" : undefined);
  if (wanted > 1 && why === undefined) {
    const source = threadsBuild ?? (relaxed ? relaxedSimdThreadsWasmUrl() : simdThreadsWasmUrl());
    return threadedRuntime(source, threadsBuild ? describeSource(source) : (source as URL).href, wanted, askedThreads === "auto", buildReason);
  }
  const reason = why;
  const source = single ?? (backend !== "wasm-simd" ? builds?.scalar ?? scalarWasmUrl() :
    relaxed ? builds?.relaxedSimd ?? relaxedSimdWasmUrl() : builds?.simd ?? simdWasmUrl());
  const what = single !== undefined || builds ? describeSource(source) : (source as URL).href;
  const { kernels, module } = await loadKernels(source, what, KERNEL_NAMES);
  if (backend !== undefined && kernels.backend !== backend) {
    throw new WasmError(`The wasm passed to createRuntime() is the "${kernels.backend}" build, but backend "${backend}" was asked for.`,
      `Pass ${backend === "wasm-simd" ? "simd.wasm" : "scalar.wasm"} from wasm-softmax, or leave out \`backend\`.`);
  }
  // A module passed alone runs as the build it is; only an explicit "relaxed-simd" insists.
  if (askedBuild === "relaxed-simd" && kernels.build !== askedBuild) {
    throw new WasmError("The wasm passed to createRuntime() is not the relaxed-SIMD build.", 'Pass simd-relaxed.wasm from wasm-softmax, or use build: "auto".');
  }
  return new Runtime(kernels, module, {
    reason, buildReason: buildReason ?? (askedBuild === "auto" && kernels.build === "default" ? "the wasm passed is the default build" : undefined),
  });
}

/** Why the relaxed-SIMD build cannot run for the backend asked for, from `builds`; undefined when it can. */
function relaxedUnavailable(backend: Backend | "auto", builds: WasmBuilds | undefined): string | undefined {
  if (backend === "js") return "the js backend runs plain TypeScript";
  if (backend === "wasm") return "the wasm backend is the scalar build";
  if (typeof WebAssembly !== "object") return "this runtime has no WebAssembly";
  if (!relaxedSimdSupported()) return "this runtime's WebAssembly has no relaxed SIMD";
  if (builds && builds.relaxedSimd === undefined) return "no relaxed-SIMD build was given (wasm: { relaxedSimd })";
  return undefined;
}

/**
 * The wasm-simd kernels over one shared memory with `count − 1` workers. With "auto", workers that fail to
 * start leave the runtime on one thread, saying so; with an explicit count they throw.
 */
async function threadedRuntime(source: WasmSource, what: string, count: number, auto: boolean, buildReason: string | undefined): Promise<Runtime> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const { kernels, module } = await loadKernels(source, what, KERNEL_NAMES, memory);
  const starting = ThreadPool.start(module, memory, count, THREADED_KERNELS);
  // "auto" does not wait for the workers (a cold start stays fast); an explicit count does, and fails with them.
  return new Runtime(kernels, module, { pool: auto ? starting : await starting, count, buildReason });
}

/**
 * The backend "auto" picks here: WebAssembly SIMD where the runtime validates it, else the scalar wasm build,
 * else plain TypeScript. The one place "auto" is decided; it falls back only where the runtime lacks a
 * feature (a wasm file that cannot be fetched or compiled is an error, never a silent switch to "js").
 * @example
 * autoBackend(); // "wasm-simd" in Node 20 and current browsers
 */
export function autoBackend(): Backend {
  return typeof WebAssembly !== "object" ? "js" : simdSupported() ? "wasm-simd" : "wasm";
}

function isBuilds(wasm: unknown): wasm is WasmBuilds {
  if (wasm === null || typeof wasm !== "object" || wasm instanceof URL || ArrayBuffer.isView(wasm) || wasm instanceof ArrayBuffer) return false;
  if (typeof WebAssembly === "object" && wasm instanceof WebAssembly.Module) return false;
  if (typeof Response === "function" && wasm instanceof Response) return false;
  checkKeys("wasm", wasm, ["simd", "scalar", "threads", "relaxedSimd", "relaxedSimdThreads"]);
  return true;
}

let current: Runtime | undefined;
let pending: Promise<Runtime> | undefined;

/**
 * Sets up the default runtime, which every call without `{ runtime }` uses, and returns it (its `backend`,
 * `threads` and `threadsReason` say what this runtime got). Without options it is idempotent (the first call
 * loads, later ones return the same runtime); with options it replaces the default by a new runtime, leaving the
 * old one usable by whoever holds it.
 * @throws {OptionError} for an unknown backend or option.
 * @throws {WasmError} when a forced backend or the given wasm cannot be compiled or instantiated here.
 * @example
 * const { backend, threads } = await init(); // "wasm-simd", 2 on a two-core machine
 */
export async function init(options?: InitOptions): Promise<Runtime> {
  const o = checkKeys("init", options, RUNTIME_OPTIONS);
  const wanted = o.backend === "auto" ? autoBackend() : o.backend;
  const sameWasm = o.wasm === undefined || o.wasm === current?.module ||
    (isBuilds(o.wasm) && current?.module !== undefined && Object.values(o.wasm).includes(current.module));
  // A count is the same only when it is what runs, settled (not an "auto" runtime whose workers are starting).
  const sameThreads = o.threads === undefined || o.threads === "auto" || (o.threads === current?.threads && current.threadsReason === undefined);
  // "auto" is met by a relaxed-SIMD runtime, or by a default one that already tried and said why not.
  const sameBuild = o.build === undefined || o.build === current?.build ||
    (o.build === "auto" && (current?.build === "relaxed-simd" || current?.buildReason !== undefined));
  if (current && !current.closed && sameWasm && sameThreads && sameBuild && (wanted === undefined || wanted === current.backend)) {
    return current;
  }
  const loading = (async () => {
    if (pending) await pending.catch(() => undefined);
    return createRuntime(o);
  })();
  pending = loading;
  try {
    current = await loading;
  } finally {
    if (pending === loading) pending = undefined;
  }
  return current;
}

/** @internal The runtime a call runs on: the one passed, else the default one `init()` set up. */
export function runtimeOf(runtime?: Runtime): Runtime {
  if (runtime !== undefined) return check("runtime", runtime, RUNTIME_RULE).open();
  if (!current) {
    throw new WasmError("wasm-softmax is not initialized.",
      "Call `await init()` once before training, predicting or calling kernels, or pass `{ runtime }` from createRuntime().");
  }
  return current;
}

const RUNTIME_RULE = rule<Runtime>("a Runtime from createRuntime()", (v) => v instanceof Runtime);
