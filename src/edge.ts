// wasm-softmax for workerd (Cloudflare Workers) and Vercel Edge, chosen by the "workerd" and "edge-light"
// export conditions. These runtimes refuse to compile wasm from bytes during a request, but turn a `.wasm`
// import into a compiled WebAssembly.Module, so this entry imports both builds and hands them to init().
import simd from "../build/simd.wasm";
import scalar from "../build/scalar.wasm";
import { init as initWith, runtime, simdSupported } from "./wasm/init.js";
import type { InitOptions } from "./wasm/init.js";
import type { Backend } from "./kernels/contract.js";

export * from "./index.js";

/**
 * Loads the kernels once, from the `.wasm` modules bundled with this entry unless `wasm` is given: SIMD where
 * the runtime supports it, else the scalar build, else plain TypeScript.
 * @throws {WasmError} when a forced backend or the given wasm cannot be instantiated here.
 * @throws {OptionError} for an unknown backend.
 * @example
 * const { backend } = await init(); // "wasm-simd" on Cloudflare Workers
 */
export async function init(options: InitOptions = {}): Promise<{ backend: Backend }> {
  const { backend } = options;
  if (options.wasm !== undefined || backend === "js") return initWith(options);
  const loaded = loadedBackend();
  if (loaded !== undefined && (backend === undefined || backend === loaded)) return { backend: loaded };
  if (backend === "wasm-simd") return initWith({ backend, wasm: simd });
  if (backend === "wasm") return initWith({ backend, wasm: scalar });
  if (backend !== undefined) return initWith(options); // unknown: let init() throw its OptionError
  const order = simdSupported() ? [simd, scalar] : [scalar];
  for (const wasm of order) {
    try {
      return await initWith({ wasm });
    } catch {
      // try the next build, then the TypeScript kernels
    }
  }
  return initWith({ backend: "js" });
}

function loadedBackend(): Backend | undefined {
  try {
    return runtime().kernels.backend;
  } catch {
    return undefined;
  }
}
