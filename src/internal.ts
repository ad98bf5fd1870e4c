// Internals for the benchmark (bench/), bundled as dist/internal.js but not exported by package.json: the raw
// kernels of each backend, the plain-TS twin and the training pieces, without the public wrappers.
export * from "./node.js";
export { runtime } from "./wasm/init.js";
export type { Runtime } from "./wasm/init.js";
export type { Scope } from "./wasm/memory.js";
export { JsKernels } from "./kernels/js.js";
export type { Kernels, Backend } from "./kernels/contract.js";
export { Rng, permutation } from "./random.js";
