// Internals for the benchmark (bench/), bundled as dist/internal.js but not exported by package.json: the raw
// kernels of each backend and the plain-TS twin, without the public wrappers.
export * from "./node.js";
export { Scope } from "./runtime/memory.js";
export { JsKernels } from "./kernels/js.js";
export type { Kernels, Backend } from "./kernels/contract.js";
export { Rng, permutation } from "./random.js";
