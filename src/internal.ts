// Internals for the benchmark (bench/), bundled as dist/internal.js but not exported by package.json: the raw
// kernels of each backend and the plain-TS twin, without the public wrappers. It re-exports the modules node.ts
// re-exports, not node.ts itself: an entry shared by two entries becomes an empty chunk of its own.
export * from "./index.js";
export { loadFashionMNIST, fashionMNISTCacheDir, FASHION_MNIST_SYSTEM_DIR } from "./data/fashion-mnist-node.js";
export { saveModel, loadModel, saveCheckpoint, loadCheckpoint } from "./io/files-node.js";
export { Scope } from "./runtime/memory.js";
export { JsKernels } from "./kernels/js.js";
export type { Kernels, Backend } from "./kernels/contract.js";
