// wasm-softmax for Node, Deno and Bun: everything in the browser-safe entry, with a Fashion-MNIST loader that
// also reads directories, $FASHION_MNIST_DIR, the user cache and the Debian package, and caches downloads; and
// models and checkpoints in files.
export * from "./index.js";
export { loadFashionMNIST, fashionMNISTCacheDir, FASHION_MNIST_SYSTEM_DIR } from "./data/fashion-mnist-node.js";
export type { NodeLoadFashionMNISTOptions, LoadedFashionMNIST, FashionMNISTSourceKind } from "./data/fashion-mnist-node.js";
export { saveModel, loadModel, listModels, removeModel, saveCheckpoint, loadCheckpoint } from "./io/files-node.js";
