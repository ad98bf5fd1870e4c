// The published facts about Fashion-MNIST: class names, file names, checksums and the mirror. No logic.

/** The ten Fashion-MNIST class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]);

/**
 * MNIST's class names. Its IDX files have the same four names and format as Fashion-MNIST's, so
 * `loadFashionMNIST({ dir, classNames: MNIST_CLASSES })` loads them.
 */
export const MNIST_CLASSES: readonly string[] = Object.freeze(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

/** Number of classes in both data sets. */
export const FASHION_MNIST_CLASS_COUNT = 10;

export type FashionMNISTFileKey = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/** The canonical file names, as published by Zalando Research and mirrored by Keras. */
export const FASHION_MNIST_FILES: Readonly<Record<FashionMNISTFileKey, string>> = Object.freeze({
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
});

export const FASHION_MNIST_KEYS: readonly FashionMNISTFileKey[] = Object.freeze([
  "trainImages", "trainLabels", "testImages", "testLabels",
] as const);

/** The four files' bytes, each gzipped or raw IDX. */
export type FashionMNISTFiles = {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
};

/** SHA-256 of one file: `gz` of the canonical `.gz` download, `raw` of the IDX bytes inside it. */
export interface FileChecksum {
  readonly gz: string;
  readonly raw: string;
}

export type FashionMNISTChecksums = Readonly<Record<FashionMNISTFileKey, FileChecksum>>;

/**
 * SHA-256 of the Fashion-MNIST files. `gz` is the canonical download (as Keras lists it). `raw` is the
 * decompressed IDX data: repackaged copies (the Debian package recompressed the .gz files in 2020) have other
 * `gz` hashes but the same `raw` ones, so a file passes when either matches.
 */
export const FASHION_MNIST_SHA256: FashionMNISTChecksums = Object.freeze({
  trainImages: Object.freeze({
    gz: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    raw: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  }),
  trainLabels: Object.freeze({
    gz: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    raw: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  }),
  testImages: Object.freeze({
    gz: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    raw: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  }),
  testLabels: Object.freeze({
    gz: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    raw: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  }),
});

/** Keras's mirror of the canonical files (the ones with the `gz` hashes above). */
export const FASHION_MNIST_MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/";

/** The four file names, for messages. */
export function fashionMNISTFileList(): string {
  return Object.values(FASHION_MNIST_FILES).join(", ");
}
