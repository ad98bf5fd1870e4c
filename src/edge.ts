// wasm-softmax for workerd (Cloudflare Workers) and Vercel Edge, chosen by the "workerd" and "edge-light"
// export conditions. These runtimes refuse to compile wasm from bytes during a request, but turn a `.wasm`
// import into a compiled WebAssembly.Module, so this entry imports both builds and makes them the default
// `wasm` of createRuntime() and init(); "auto" still picks between them in one place.
import simd from "../build/simd.wasm";
import scalar from "../build/scalar.wasm";
import { RUNTIME_OPTIONS, createRuntime as create, init as initWith } from "./runtime/runtime.js";
import { checkKeys } from "./validate.js";
import type { InitOptions, Runtime, RuntimeOptions } from "./runtime/runtime.js";

export * from "./index.js";

// Checked before the modules are added, so a misspelt key is named as createRuntime() and init() name it.
const withModules = <T extends RuntimeOptions>(what: string, options: T | undefined): T => {
  const o = checkKeys(what, options, RUNTIME_OPTIONS);
  return { ...o, wasm: o.wasm ?? { simd, scalar } } as T;
};

/**
 * Creates a runtime from the `.wasm` modules bundled with this entry unless `wasm` is given.
 * @throws {OptionError} for an unknown backend or option.
 * @throws {WasmError} when a forced backend or the given wasm cannot be instantiated here.
 * @example
 * const runtime = await createRuntime(); // runtime.backend: "wasm-simd" on Cloudflare Workers
 */
export function createRuntime(options?: RuntimeOptions): Promise<Runtime> {
  return create(withModules("createRuntime", options));
}

/**
 * Sets up and returns the default runtime, from the `.wasm` modules bundled with this entry unless `wasm` is given.
 * @throws {OptionError} for an unknown backend or option.
 * @throws {WasmError} when a forced backend or the given wasm cannot be instantiated here.
 * @example
 * const { backend } = await init(); // "wasm-simd" on Cloudflare Workers
 */
export function init(options?: InitOptions): Promise<Runtime> {
  return initWith(withModules("init", options));
}
