// The one Fashion-MNIST look-alike of the tests, the benchmarks and the benchmark page: 28 × 28 images that one
// linear layer can learn, because class c lights up rows 2c+4 and 2c+5 on top of low noise. Plain ES module, no
// imports, so a browser loads it as it is. Everything is integer arithmetic of the example's index, so an example
// is the same wherever and in whatever order it is made.

export const BANDED_ROWS = 28, BANDED_COLS = 28, BANDED_CLASSES = 10;

/** The label of example `i`: every class, in an order that is not a cycle of 10. @param {number} i */
export const bandedLabel = (i) => (i * 7 + (i >> 3)) % BANDED_CLASSES;

/**
 * The pixel at (row, col) of example `i` whose label is `label`: 160-255 in the label's two rows, 0-63 elsewhere.
 * @param {number} label @param {number} i @param {number} row @param {number} col
 */
export function bandedPixel(label, i, row, col) {
  const noise = (Math.imul(i + 1, 2654435761) ^ Math.imul(row * BANDED_COLS + col + 1, 40503)) >>> 0;
  const band = row === 2 * label + 4 || row === 2 * label + 5;
  return band ? 160 + (noise % 96) : noise % 64;
}

/**
 * Examples `first` … `first + count − 1`: their pixels, row-major, one image after another, and their labels.
 * @param {number} count @param {number} [first]
 * @returns {{ images: Uint8Array, labels: Uint8Array }}
 */
export function bandedImages(count, first = 0) {
  const pixels = BANDED_ROWS * BANDED_COLS;
  const images = new Uint8Array(count * pixels), labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const i = first + k, label = bandedLabel(i);
    labels[k] = label;
    for (let r = 0; r < BANDED_ROWS; r++) {
      for (let c = 0; c < BANDED_COLS; c++) images[k * pixels + r * BANDED_COLS + c] = bandedPixel(label, i, r, c);
    }
  }
  return { images, labels };
}
