// What this runtime offers the kernels: Node built-ins (Node, Deno, Bun), kernel threads or why not, the cores to
// use, and how a worker starts (node:worker_threads or a web Worker).

/** Node, Deno and Bun: they have `process` and the node: modules (workerd has neither threads nor these). */
export function hasNodeApis(): boolean {
  return typeof process === "object" && typeof process.versions?.node === "string" && typeof (globalThis as { document?: unknown }).document === "undefined";
}

/**
 * The Node built-in `node:<name>`. Its specifier is joined at run time, so no bundler follows it into a browser
 * bundle and no minifier folds it into a literal import; only server runtimes call this.
 */
export function importNodeBuiltin<T>(name: string): Promise<T> {
  return import(/* @vite-ignore */ nodeSpecifier(name)) as Promise<T>;
}

function nodeSpecifier(name: string): string {
  return ["node", name].join(":");
}

/**
 * Whether this runtime can run kernel threads, and if not why: shared memory needs SharedArrayBuffer (browsers
 * give it only to cross-origin-isolated pages) and a way to start workers.
 */
export function threadsUnavailable(): string | undefined {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  const notIsolated = "the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)";
  if (typeof SharedArrayBuffer !== "function") {
    return typeof (globalThis as { document?: unknown }).document === "object" || typeof isolated === "boolean"
      ? `no SharedArrayBuffer: ${notIsolated}`
      : "no SharedArrayBuffer in this runtime";
  }
  if (isolated === false) return notIsolated;
  if (!hasNodeApis() && typeof globalThis.Worker !== "function") return "no Worker in this runtime";
  return undefined;
}

/** The cores this process may use, for threads: "auto". */
export async function availableCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof nav?.hardwareConcurrency === "number" && nav.hardwareConcurrency > 0) return nav.hardwareConcurrency;
  if (hasNodeApis()) {
    const os = await importNodeBuiltin<typeof import("node:os")>("os");
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  }
  return 1;
}

/** A started worker, whatever the platform. */
export interface StartedWorker {
  post(message: unknown): void;
  terminate(): void;
}

/** What a worker says first: that it is ready, or why it could not set up. */
export type WorkerHello = { ready?: boolean; error?: string };

/** Starts one worker; a worker that cannot start calls `onError` (at once when the platform refuses it outright). */
export type Spawn = (onMessage: (message: WorkerHello) => void, onError: (failure: StartFailure) => void) => StartedWorker;

/** Why a worker did not start, and what the user can change about it. */
export interface StartFailure {
  why: string;
  hint: string;
}

/**
 * How this runtime starts a worker running `main`, the source of a function `(port, onStart) => void` that uses
 * only globals: `port.postMessage` answers the parent and `onStart(f)` calls `f` with the first message.
 * node:worker_threads in Node, Deno and Bun (whose workers can be unreferenced, so a parked one never keeps the
 * process alive), a web Worker in browsers.
 */
export async function workerStarter(main: string): Promise<Spawn> {
  if (hasNodeApis()) {
    const { Worker: NodeWorker } = await importNodeBuiltin<typeof import("node:worker_threads")>("worker_threads");
    // A dynamic import() parses the same as a script and as a module, and `execArgv: []` keeps the parent's flags
    // (--input-type=module, --import, --require, --conditions, test runners' loaders) out of the worker, which
    // needs none of them: the worker starts the same whatever started the parent.
    const source = `"use strict";import(${JSON.stringify(nodeSpecifier("worker_threads"))}).then(({parentPort:port})=>` +
      `(${main})(port,(f)=>port.once("message",f)));`;
    return (onMessage, onError) => {
      let worker: InstanceType<typeof NodeWorker>;
      try {
        worker = new NodeWorker(source, { eval: true, execArgv: [] });
      } catch (error) {
        onError(nodeFailure(error));
        return NO_WORKER;
      }
      // Referenced until it has said it is ready (so startup is awaited), then unreferenced: a parked worker
      // never keeps the process alive.
      worker.once("message", (message: WorkerHello) => { worker.unref(); onMessage(message); });
      worker.on("error", (error) => onError(nodeFailure(error)));
      worker.on("exit", (code) => { if (code !== 0) onError(nodeFailure(new Error(`it exited with code ${code}`))); });
      return { post: (m) => worker.postMessage(m), terminate: () => { void worker.terminate(); } };
    };
  }
  const source = `"use strict";(${main})(self,(f)=>{self.onmessage=(e)=>{self.onmessage=null;f(e.data)}});`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  return (onMessage, onError) => {
    let worker: Worker;
    try {
      // Module workers: Deno has no classic ones; the program has no imports, so it runs as either.
      worker = new globalThis.Worker(url, { type: "module" });
    } catch (error) {
      onError(webFailure(error));
      return NO_WORKER;
    }
    worker.onmessage = (e: MessageEvent) => onMessage(e.data);
    worker.onerror = (e: ErrorEvent) => { e.preventDefault?.(); onError(webFailure(new Error(e.message || "the worker script failed to load"))); };
    return { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() };
  };
}

const NO_WORKER: StartedWorker = { post() {}, terminate() {} };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function nodeFailure(error: unknown): StartFailure {
  const code = (error as { code?: unknown })?.code;
  if (code === "ERR_ACCESS_DENIED") {
    return {
      why: "Node's permission model does not allow worker threads (the process runs with --permission or --experimental-permission)",
      hint: "Start node with --allow-worker as well, or use threads: 1.",
    };
  }
  if (code === "ERR_WORKER_OUT_OF_MEMORY" || code === "ERR_WORKER_INIT_FAILED" || /memory/i.test(message(error))) {
    return { why: `out of memory (${message(error)})`, hint: "Free memory or raise node's --max-old-space-size, or use fewer threads." };
  }
  return { why: message(error), hint: "Use threads: 1." };
}

function webFailure(error: unknown): StartFailure {
  if ((error as { name?: unknown })?.name === "SecurityError") {
    return {
      why: `the page may not start workers from blob: URLs (${message(error)})`,
      hint: "Allow them in the page's Content-Security-Policy (worker-src blob:), or use threads: 1.",
    };
  }
  return { why: message(error), hint: "Use threads: 1." };
}
