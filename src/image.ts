// wasm-softmax/image: images a user has (PNG, PGM) decoded without a dependency, and turned into a model's
// input. Works wherever the root entry works.
export { decodeImage, imageToPixels } from "./data/image.js";
export type { ToPixelsOptions } from "./data/image.js";
export { decodePNG } from "./codecs/png.js";
export { decodePGM } from "./codecs/pgm.js";
export { IMAGE_MAX_PIXELS } from "./codecs/image.js";
export type { DecodedImage, DecodeOptions } from "./codecs/image.js";
