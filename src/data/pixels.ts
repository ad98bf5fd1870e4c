// What every module that touches pixels or data sets agrees on, small enough for the predict-only entry to import
// without the Dataset class.

/** Pixels are scaled by this f32 constant (not divided by 255) so every backend produces the same bits. */
export const U8_SCALE = Math.fround(1 / 255);

/** Marks a Dataset, so a check that a value is one needs no import of the class (see isDataset). */
export const DATASET_MARK: unique symbol = Symbol("wasm-softmax Dataset");

/** Whether `v` is a Dataset (or one of its subclasses), as `instanceof Dataset` would say. */
export function isDataset(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as { [DATASET_MARK]?: unknown })[DATASET_MARK] === true;
}
