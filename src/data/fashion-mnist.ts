// Fashion-MNIST in any runtime: the public names of ./fashion-mnist/, one file per concern (constants, options,
// download, checksums, datasets, load). The Node loader is in ./fashion-mnist-node.ts.
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_FILES,
  FASHION_MNIST_KEYS,
  FASHION_MNIST_MIRROR,
  FASHION_MNIST_SHA256,
  MNIST_CLASSES,
} from "./fashion-mnist/constants.js";
export type {
  FashionMNISTChecksums,
  FashionMNISTFileKey,
  FashionMNISTFiles,
  FileChecksum,
} from "./fashion-mnist/constants.js";
export type {
  FashionMNISTDownloadOptions,
  FashionMNISTProgress,
  LoadFashionMNISTOptions,
} from "./fashion-mnist/options.js";
export { sha256Hex, verifyFashionMNISTFile } from "./fashion-mnist/checksums.js";
export { fetchFashionMNISTFiles } from "./fashion-mnist/download.js";
export { datasetsFromFiles } from "./fashion-mnist/datasets.js";
export type { FashionMNIST } from "./fashion-mnist/datasets.js";
export { loadFashionMNIST } from "./fashion-mnist/load.js";
