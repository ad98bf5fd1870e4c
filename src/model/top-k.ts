// The k most probable classes of rows of probabilities, named by the model's labels: one ranking for the full
// package's models and the predict-only entry's, so both answer alike.

/** One of a row's most probable classes, from `topK`. */
export interface Prediction {
  /** The class name (from the model's `labels`), or the class index as a string when the model has none. */
  label: string;
  /** The class index. */
  index: number;
  probability: number;
}

/** Each row's `k` most probable of `classes` classes, most probable first (ties: lower index first). */
export function topKOf(p: Float32Array, classes: number, k: number, labels: readonly string[] | undefined): Prediction[][] {
  const out: Prediction[][] = [];
  for (let at = 0; at < p.length; at += classes) {
    const order = Array.from({ length: classes }, (_, c) => c).sort((a, b) => p[at + b]! - p[at + a]! || a - b);
    out.push(order.slice(0, k).map((index) => ({ label: labels?.[index] ?? String(index), index, probability: p[at + index]! })));
  }
  return out;
}
