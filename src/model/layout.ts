import { check, numberWhere } from "../validate.js";
import { MAX_PARAMETERS } from "../util/limits.js";

/** Where one dense layer's weight (outputs × inputs, row-major) and bias live in the parameter block. */
export interface LayerLayout {
  readonly inputs: number;
  readonly outputs: number;
  /** Offsets in f32 values from the start of the block. */
  readonly weight: number;
  readonly bias: number;
}

export { MAX_PARAMETERS };

/** @internal The parameter count of dense layers of these widths, by arithmetic only (nothing is allocated). */
export function parameterCount(layers: readonly number[]): number {
  let size = 0;
  for (let l = 0; l + 1 < layers.length; l++) size += layers[l]! * layers[l + 1]! + layers[l + 1]!;
  return size;
}


/**
 * @internal The parameter count of layers of these (already checked) widths, refused with an OptionError naming
 * `option` and the cap when it is over MAX_PARAMETERS.
 */
export function checkParameterCount(option: string, layers: readonly number[]): number {
  const size = parameterCount(layers);
  // The rule is made here, not once per module: its text interpolates the cap, so a bundler could not drop an unused one.
  const rule = numberWhere(`at most ${MAX_PARAMETERS} parameters (2^28, the cap that keeps a model within wasm32)`, (v) => v <= MAX_PARAMETERS);
  return check(option, size, rule, "Use fewer or narrower layers: the cap is 2^28 = 268435456 parameters.");
}

/** @internal The layout of a stack of dense layers of these widths: layer by layer, weight then bias. */
export function layoutOf(layers: readonly number[]): { layout: readonly LayerLayout[]; size: number } {
  const layout: LayerLayout[] = [];
  let at = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const inputs = layers[l]!, outputs = layers[l + 1]!;
    layout.push({ inputs, outputs, weight: at, bias: at + inputs * outputs });
    at += inputs * outputs + outputs;
  }
  return { layout: Object.freeze(layout), size: at };
}
