// wasm-softmax for Node, Deno and Bun: everything in the browser-safe entry, with a Fashion-MNIST loader that
// also reads directories, $FASHION_MNIST_DIR, the user cache and the Debian package, and caches downloads; and
// models and checkpoints in files.
export * from "./index.js";
export { loadFashionMNIST, FASHION_MNIST_SYSTEM_DIR } from "./data/fashion-mnist/node/load.js";
export { fashionMNISTCacheDir } from "./data/fashion-mnist/node/cache.js";
export type { NodeLoadFashionMNISTOptions } from "./data/fashion-mnist/node/options.js";
export type { LoadedFashionMNIST, FashionMNISTSourceKind } from "./data/fashion-mnist/node/load.js";
export { saveModel, loadModel, listModels, removeModel, saveCheckpoint, loadCheckpoint } from "./io/files-node.js";
