// Fashion-MNIST in Node: the public names of ./fashion-mnist-node/ (search order, local directories, cache).
export { FASHION_MNIST_SYSTEM_DIR, loadFashionMNIST } from "./fashion-mnist-node/load.js";
export type { FashionMNISTSourceKind, LoadedFashionMNIST } from "./fashion-mnist-node/load.js";
export { fashionMNISTCacheDir } from "./fashion-mnist-node/cache.js";
export type { NodeLoadFashionMNISTOptions } from "./fashion-mnist/options.js";
