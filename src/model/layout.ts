/** Where one dense layer's weight (outputs × inputs, row-major) and bias live in the parameter block. */
export interface LayerLayout {
  readonly inputs: number;
  readonly outputs: number;
  /** Offsets in f32 values from the start of the block. */
  readonly weight: number;
  readonly bias: number;
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
