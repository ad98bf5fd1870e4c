// Finding, compiling and instantiating the wasm builds, with errors that say which source failed and why.
import type { KernelFunctions, Kernels } from "../kernels/contract.js";
import { WasmError } from "../errors.js";
import { importNodeBuiltin } from "./platform.js";

/** @internal The kernel ABI this package's TypeScript expects; the wasm exports the same number. */
export const ABI_VERSION = 7;

/** Where a wasm build comes from: a compiled module, a URL (string or URL), a fetch Response, or its bytes. */
export type WasmSource = WebAssembly.Module | URL | string | Response | BufferSource;

/**
 * @internal Compiles (unless it is one already) and instantiates one of the package's wasm builds, taking the
 * kernels `names` (every kernel for training; the forward ones for the predict-only entry, whose bundle then holds
 * no other kernel's name).
 */
export async function loadKernels(source: WasmSource, what: string, names: readonly (keyof KernelFunctions)[], memory?: WebAssembly.Memory):
  Promise<{ kernels: Kernels; module: WebAssembly.Module }> {
  const module = await compile(source, what);
  return { kernels: await instantiate(module, names, memory), module };
}

/** @internal "the wasm passed to createRuntime()", with its address when it has one, for error messages. */
export function describeSource(source: WasmSource): string {
  const what = "the wasm passed to createRuntime()";
  if (source instanceof URL || typeof source === "string") return `${what} (${new URL(source, import.meta.url).href})`;
  if (typeof Response === "function" && source instanceof Response && source.url) return `${what} (${source.url})`;
  return what;
}

// A 1-function module using i8x16.popcnt: valid only where fixed-width SIMD is supported.
const SIMD_PROBE = /* @__PURE__ */ new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** Whether this runtime's WebAssembly supports fixed-width SIMD. */
export function simdSupported(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
}

// A 1-function module returning f32x4.relaxed_madd of its three v128 parameters: valid only where relaxed SIMD is.
const RELAXED_SIMD_PROBE = /* @__PURE__ */ new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1,
  11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);

/** Whether this runtime's WebAssembly supports relaxed SIMD (the opt-in "relaxed-simd" build). */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(RELAXED_SIMD_PROBE);
}

// What to do when the wasm was not found where it was looked for, and when what was found is not this version's.
const SERVE_HINT = "Check the URL: serve wasm-softmax's build/simd.wasm and build/scalar.wasm there, or pass init({ wasm }).";
const OWN_HINT = "Pass the simd.wasm or scalar.wasm of this wasm-softmax version (reinstall it, or `npm run build:wasm` in a checkout).";

async function compile(source: WasmSource, what: string): Promise<WebAssembly.Module> {
  if (typeof WebAssembly !== "object") {
    throw new WasmError("This runtime has no WebAssembly.", 'init({ backend: "js" }) from "wasm-softmax" trains and predicts without it.');
  }
  if (source instanceof WebAssembly.Module) return source;
  const bytes = await readBytes(source, what);
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    const message = (error as Error).message;
    if (/disallowed|not allowed|embedder|CSP|Content Security/i.test(message)) {
      throw new WasmError(`This runtime refuses to compile WebAssembly from bytes (${what}): ${message}`,
        'Import the .wasm as a module (import wasm from "wasm-softmax/simd.wasm") and pass init({ wasm }).');
    }
    // A server that answers every path with its index page (status 200) sends HTML where the wasm should be.
    const html = /^\s*</.test(new TextDecoder().decode(bytes.subarray(0, 64)));
    throw new WasmError(`Could not compile ${what}: expected a wasm-softmax .wasm file, got ${html ? "an HTML page" : "bytes that do not compile"} (${message}).`,
      html ? SERVE_HINT : OWN_HINT);
  }
}

async function readBytes(source: URL | string | Response | BufferSource, what: string): Promise<Uint8Array<ArrayBuffer>> {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  let response = source as Response | Uint8Array<ArrayBuffer>;
  if (source instanceof URL || typeof source === "string") {
    const url = new URL(source, import.meta.url);
    what = url.href;
    try {
      // Only file: URLs read files, and only server runtimes have them.
      response = url.protocol === "file:"
        ? await (await importNodeBuiltin<typeof import("node:fs/promises")>("fs/promises")).readFile(url) : await fetch(url);
    } catch (error) {
      throw new WasmError(`Could not read ${what}: ${(error as Error).message}.`, SERVE_HINT);
    }
  }
  if (response instanceof Uint8Array) return response;
  if (!response.ok) {
    throw new WasmError(`Could not fetch ${what}: expected HTTP 200, got ${response.status} ${response.statusText}.`, SERVE_HINT);
  }
  return new Uint8Array(await response.arrayBuffer());
}

interface WasmExports extends Record<keyof KernelFunctions, (...args: number[]) => number> {
  memory: WebAssembly.Memory;
  heapBase(): number;
  ABI_VERSION: WebAssembly.Global;
  SIMD: WebAssembly.Global;
  RELAXED_SIMD: WebAssembly.Global;
}

// The threads build imports its (shared) memory as env.memory; the others define their own.
async function instantiate(module: WebAssembly.Module, names: readonly (keyof KernelFunctions)[],
                           memory: WebAssembly.Memory | undefined): Promise<Kernels> {
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, memory ? { env: { memory } } : {});
  } catch (error) {
    throw new WasmError(`Could not instantiate the wasm module: ${(error as Error).message}.`, OWN_HINT);
  }
  const exports = instance.exports as unknown as WasmExports;
  const version = exports.ABI_VERSION instanceof WebAssembly.Global ? exports.ABI_VERSION.value : undefined;
  const missing = [...names.filter((name) => typeof exports[name] !== "function"),
    ...(["SIMD", "RELAXED_SIMD"] as const).filter((name) => !(exports[name] instanceof WebAssembly.Global))];
  if (version !== ABI_VERSION || missing.length > 0 || !(exports.memory instanceof WebAssembly.Memory)) {
    throw new WasmError(
      `The wasm module is not this version's kernels: expected ABI ${ABI_VERSION}, got ${version ?? "none"}` +
        (missing.length ? ` (missing ${missing.join(", ")})` : "") + ".", OWN_HINT);
  }
  const kernels = {
    backend: exports.SIMD.value === 1 ? "wasm-simd" : "wasm",
    build: exports.RELAXED_SIMD.value === 1 ? "relaxed-simd" : "default",
    memory: exports.memory,
    heapBase: exports.heapBase(),
  } as Record<string, unknown>;
  for (const name of names) kernels[name] = exports[name];
  return kernels as unknown as Kernels;
}
