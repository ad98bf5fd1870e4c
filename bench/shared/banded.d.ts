// Types for banded.js (plain JavaScript, so the benchmark page loads it without a build).

export const BANDED_ROWS: 28;
export const BANDED_COLS: 28;
export const BANDED_CLASSES: 10;
/** The label of example `i`. */
export function bandedLabel(i: number): number;
/** The pixel at (row, col) of example `i` whose label is `label`: bright in rows 2·label+4 and 2·label+5. */
export function bandedPixel(label: number, i: number, row: number, col: number): number;
/** Examples `first` … `first + count − 1`: their 28 × 28 pixels one image after another, and their labels. */
export function bandedImages(count: number, first?: number): { images: Uint8Array; labels: Uint8Array };
