import { runtime } from "../wasm/init.js";
import { OptionError, ShapeError } from "../errors.js";
import type { Ptr } from "./contract.js";

function dim(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0) throw new OptionError(name, "an integer ≥ 0", value);
  return value as number;
}

function array(name: string, value: unknown, length: number): Float32Array {
  if (!(value instanceof Float32Array)) throw new OptionError(name, "a Float32Array", value);
  if (value.length !== length) throw new ShapeError(name, `${length} values`, `${value.length}`);
  return value;
}

function output(out: Float32Array | undefined, length: number): Float32Array {
  return out === undefined ? new Float32Array(length) : array("out", out, length);
}

/** Runs `body` in a scope of the current backend's memory with `inputs` copied in; returns its pointers' result. */
function scoped<T>(inputs: Float32Array[], body: (ptrs: Ptr[], read: (ptr: Ptr, into: Float32Array) => void) => T): T {
  const rt = runtime(), scope = rt.arena.open();
  try {
    const ptrs = inputs.map((values) => scope.f32(values.length, values));
    return body(ptrs, (ptr, into) => into.set(new Float32Array(rt.arena.memory.buffer, ptr, into.length)));
  } finally {
    scope.close();
  }
}

/**
 * The package's kernels on plain Float32Arrays, for other apps: each call copies its inputs into kernel memory,
 * runs the active backend (see `init`), and copies the result out.
 */
export const kernels = {
  /**
   * (m×k) · (k×n) → m×n, row-major.
   * @throws {OptionError} for negative or non-integer dims; {ShapeError} when an array's length does not match.
   * @example
   * kernels.matmul(new Float32Array([1, 2]), new Float32Array([3, 4]), 1, 2, 1); // Float32Array [11]
   */
  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out?: Float32Array): Float32Array {
    dim("m", m); dim("k", k); dim("n", n);
    array("a", a, m * k); array("b", b, k * n);
    const result = output(out, m * n);
    return scoped([a, b, result], ([pa, pb, po], read) => {
      runtime().kernels.matmul(po!, pa!, pb!, m, k, n);
      read(po!, result);
      return result;
    });
  },

  /**
   * Softmax of each row of a rows×cols matrix (max subtracted first, so large logits do not overflow).
   * @throws {OptionError}, {ShapeError} as `matmul`.
   * @example
   * kernels.softmax(new Float32Array([2, 1, 3]), 1, 3); // ≈ [0.2447, 0.0900, 0.6652]
   */
  softmax(x: Float32Array, rows: number, cols: number, out?: Float32Array): Float32Array {
    dim("rows", rows); dim("cols", cols);
    array("x", x, rows * cols);
    const result = output(out, rows * cols);
    return scoped([x], ([px], read) => {
      runtime().kernels.softmaxRows(px!, px!, rows, cols);
      read(px!, result);
      return result;
    });
  },

  /**
   * Mean cross-entropy of softmax(logits) against integer labels, and its gradient w.r.t. the logits.
   * @throws {OptionError}, {ShapeError} as `matmul`, and for a label outside [0, cols).
   * @example
   * const { loss, grad } = kernels.softmaxCrossEntropy(new Float32Array([2, 1, 3]), new Int32Array([2]), 1, 3);
   */
  softmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, rows: number, cols: number): { loss: number; grad: Float32Array } {
    dim("rows", rows); dim("cols", cols);
    array("logits", logits, rows * cols);
    if (labels == null || labels.length !== rows) throw new ShapeError("labels", `${rows} labels`, String(labels?.length));
    for (let r = 0; r < rows; r++) {
      const label = labels[r]!;
      if (!Number.isInteger(label) || label < 0 || label >= cols) throw new OptionError(`labels[${r}]`, `an integer in [0, ${cols})`, label);
    }
    const grad = new Float32Array(rows * cols);
    const rt = runtime(), scope = rt.arena.open();
    try {
      const pz = scope.f32(rows * cols, logits), py = scope.i32(rows, Int32Array.from(labels)), pg = scope.f32(rows * cols);
      const loss = rt.kernels.softmaxCrossEntropyForwardBackward(pg, pz, py, rows, cols, 0);
      grad.set(new Float32Array(rt.arena.memory.buffer, pg, rows * cols));
      return { loss, grad };
    } finally {
      scope.close();
    }
  },
};
