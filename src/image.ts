// wasm-softmax/image: images a user has (PNG, PGM) decoded without a dependency, and turned into a model's
// input. Works wherever the root entry works.
export { decodeImage, decodePNG, decodePGM, imageToPixels, IMAGE_MAX_PIXELS } from "./data/image.js";
export type { DecodedImage, DecodeOptions, ToPixelsOptions } from "./data/image.js";
