// A model's summary as Keras prints it (`model.summary()`): one row per layer, then the totals.
import type { LayerLayout } from "./layout.js";

/** What a summary reads of a model (structural, so network.ts can call this without an import cycle). */
interface Summarised {
  readonly config: { readonly type: string };
  readonly layers: readonly number[];
  readonly layout: readonly LayerLayout[];
  readonly size: number;
}

/**
 * The model's layers (input, then each dense layer with its output shape, weight shapes, activation and parameter
 * count) and its total parameters and bytes, as a Keras-like table of plain text.
 * @example
 * console.log(new MLP({ layers: [784, 256, 10] }).summary()); // … Total params: 203,530 (795.04 KB)
 */
export function summary(model: Summarised): string {
  const layout = model.layout, last = layout.length - 1;
  const rows: string[][] = [["input (Input)", `(None, ${model.layers[0]})`, "-", "-", "0"]];
  layout.forEach(({ inputs, outputs }, l) => {
    rows.push([
      `${l === 0 ? "dense" : `dense_${l}`} (Dense)`,
      `(None, ${outputs})`,
      `(${outputs}, ${inputs}) + (${outputs},)`,
      l < last ? "relu" : "softmax",
      thousands(inputs * outputs + outputs),
    ]);
  });
  const header = ["Layer (type)", "Output shape", "Weights + bias", "Activation", "Param #"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("   ");
  const width = widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1);
  return [
    `Model: "${model.config.type}"`,
    "_".repeat(width),
    line(header),
    "=".repeat(width),
    ...rows.map(line),
    "=".repeat(width),
    `Total params: ${thousands(model.size)} (${formatBytes(model.size * 4)})`,
    // Keras would show the softmax as the last layer's activation; here it is applied only when predicting.
    "Trained on the logits; predict and predictProba apply the softmax.",
  ].join("\n") + "\n";
}

function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// As Keras writes sizes: 1024-based units, two decimals.
function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = n, u = 0;
  while (value >= 1024 && u < units.length - 1) { value /= 1024; u++; }
  return `${value.toFixed(2)} ${units[u]}`;
}
