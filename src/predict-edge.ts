// wasm-softmax/predict for workerd (Cloudflare Workers) and Vercel Edge, chosen by the "workerd" and "edge-light"
// export conditions: these runtimes compile no wasm from bytes during a request but turn a `.wasm` import into a
// compiled WebAssembly.Module, so this entry imports both builds and makes them init()'s default `wasm`.
import simd from "../build/simd.wasm";
import scalar from "../build/scalar.wasm";
import { init as initWith } from "./predict.js";
import type { PredictInitOptions } from "./predict.js";
import type { Backend } from "./kernels/contract.js";

export * from "./predict.js";

/**
 * Loads the prediction kernels from the `.wasm` modules bundled with this entry unless `wasm` is given.
 * @throws {OptionError} for an unknown option.
 * @throws {WasmError} when the given wasm cannot be instantiated here.
 * @example
 * const { backend } = await init(); // "wasm-simd" on Cloudflare Workers
 */
export function init(options?: PredictInitOptions): Promise<{ backend: Backend }> {
  return initWith({ ...options, wasm: options?.wasm ?? { simd, scalar } });
}
