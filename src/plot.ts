// wasm-softmax/plot: pictures of a run as SVG text (learning curves, a grid of images with their labels, drawn
// from PNGs the package writes itself). Works wherever the root entry works.
export { learningCurvesSVG, imageGridSVG } from "./plot/svg.js";
export type { ImageGridOptions } from "./plot/svg.js";
