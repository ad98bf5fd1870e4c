// wasm-softmax for workerd (Cloudflare Workers) and Vercel Edge, chosen by the "workerd" and "edge-light"
// export conditions. These runtimes refuse to compile wasm from bytes during a request, but turn a `.wasm`
// import into a compiled WebAssembly.Module, so this entry imports both builds and hands them to init().
import simd from "../build/simd.wasm";
import scalar from "../build/scalar.wasm";
import { init as initWith, simdSupported } from "./wasm/init.js";
import type { InitOptions } from "./wasm/init.js";
import type { Backend } from "./kernels/contract.js";

export * from "./index.js";

/**
 * Loads the kernels once, from the `.wasm` modules bundled with this entry unless `wasm` is given: SIMD where
 * the runtime supports it, else the scalar build; `backend: "js"` for plain TypeScript.
 * @throws {WasmError} when a forced backend or the given wasm cannot be instantiated here.
 * @throws {OptionError} for an unknown backend.
 * @example
 * const { backend } = await init(); // "wasm-simd" on Cloudflare Workers
 */
export function init(options: InitOptions = {}): Promise<{ backend: Backend }> {
  if (options.wasm !== undefined || options.backend === "js") return initWith(options);
  const backend = options.backend ?? (simdSupported() ? "wasm-simd" : "wasm");
  return initWith({ backend, wasm: backend === "wasm-simd" ? simd : scalar });
}
