import { ShapeError } from "../errors.js";
import type { Kernels, Ptr } from "../kernels/contract.js";
import { HUBER_DELTA, LABEL_SMOOTHING, RULES, check, checkKeys, checkOr, integerIn, rule } from "../validate.js";
import { Scope } from "./memory.js";
import { runtimeOf } from "./runtime.js";
import type { Runtime } from "./runtime.js";

/** Where a kernel call runs: the default runtime (see `init`) unless one is given. */
export interface KernelCallOptions {
  runtime?: Runtime;
}

const F32 = rule<Float32Array>("a Float32Array", (v) => v instanceof Float32Array);

function dim(name: string, value: unknown): number {
  return check(name, value, RULES.countOrZero);
}

function array(name: string, value: unknown, length: number): Float32Array {
  const a = check(name, value, F32);
  if (a.length !== length) throw new ShapeError(name, `${length} values`, `${a.length}`);
  return a;
}

function labelsOf(labels: ArrayLike<number>, rows: number, cols: number): Int32Array {
  if (labels == null || labels.length !== rows) throw new ShapeError("labels", `${rows} labels`, String(labels?.length));
  const label = integerIn(0, cols - 1, `an integer in [0, ${cols})`);
  for (let r = 0; r < rows; r++) check(`labels[${r}]`, labels[r], label);
  return Int32Array.from(labels);
}

function runtimeIn(options: KernelCallOptions | undefined, extra: readonly string[] = []): Runtime {
  return runtimeOf(checkKeys("kernel call", options, ["runtime", ...extra]).runtime);
}

/**
 * Copies `inputs` into the runtime's memory, runs `body` on their pointers with room for `out.length` f32
 * results, and copies those into `out`. Returns what `body` returns.
 */
function run<T>(rt: Runtime, inputs: (Float32Array | Int32Array)[], out: Float32Array, body: (k: Kernels, ptrs: Ptr[], outPtr: Ptr) => T): T {
  const scope = new Scope(rt.arena);
  try {
    const ptrs = inputs.map((v) => (v instanceof Int32Array ? scope.i32(v.length, v) : scope.f32(v.length, v)));
    const outPtr = scope.f32(out.length);
    const result = body(rt.kernels, ptrs, outPtr);
    out.set(new Float32Array(rt.arena.memory.buffer, outPtr, out.length));
    return result;
  } finally {
    scope.close();
  }
}

/** A regression loss against target rows: checks the shapes, runs the kernel, returns the loss and gradient. */
function targetLoss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, options: KernelCallOptions | undefined,
                    kernel: (k: Kernels, grad: Ptr, out: Ptr, targets: Ptr) => number): { loss: number; grad: Float32Array } {
  const rt = runtimeIn(options);
  dim("rows", rows); dim("cols", cols);
  array("outputs", outputs, rows * cols); array("targets", targets, rows * cols);
  const grad = new Float32Array(rows * cols);
  const loss = run(rt, [outputs, targets], grad, (k, [po, pt], pg) => kernel(k, pg, po!, pt!));
  return { loss, grad };
}

/**
 * The package's kernels on plain Float32Arrays, for other apps: each call copies its inputs into kernel memory,
 * runs on the default runtime (see `init`) or the `{ runtime }` given last, and copies the result out. Losses return the mean over rows and the
 * gradient of that mean with respect to their first argument.
 */
export const kernels = {
  /**
   * (m×k) · (k×n) → m×n, row-major.
   * @throws {OptionError} for negative or non-integer dims; {ShapeError} when an array's length does not match.
   * @example
   * kernels.matmul(new Float32Array([1, 2]), new Float32Array([3, 4]), 1, 2, 1); // Float32Array [11]
   */
  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out?: Float32Array, options?: KernelCallOptions): Float32Array {
    const rt = runtimeIn(options);
    dim("m", m); dim("k", k); dim("n", n);
    array("a", a, m * k); array("b", b, k * n);
    const result = out === undefined ? new Float32Array(m * n) : array("out", out, m * n);
    run(rt, [a, b], result, (kern, [pa, pb], po) => kern.matmul(po, pa!, pb!, m, k, n));
    return result;
  },

  /**
   * Softmax of each row of a rows×cols matrix (max subtracted first, so large logits do not overflow).
   * @throws {OptionError}, {ShapeError} as `matmul`.
   * @example
   * kernels.softmax(new Float32Array([2, 1, 3]), 1, 3); // ≈ [0.2447, 0.0900, 0.6652]
   */
  softmax(x: Float32Array, rows: number, cols: number, out?: Float32Array, options?: KernelCallOptions): Float32Array {
    const rt = runtimeIn(options);
    dim("rows", rows); dim("cols", cols);
    array("x", x, rows * cols);
    const result = out === undefined ? new Float32Array(rows * cols) : array("out", out, rows * cols);
    run(rt, [x], result, (k, [px], po) => k.softmaxRows(po, px!, rows, cols));
    return result;
  },

  /**
   * Mean cross-entropy of softmax(logits) against integer labels (smoothed by `labelSmoothing`), and its gradient.
   * @throws {OptionError}, {ShapeError} as `matmul`, and for a label outside [0, cols) or smoothing outside [0, 1).
   * @example
   * const { loss, grad } = kernels.softmaxCrossEntropy(new Float32Array([2, 1, 3]), new Int32Array([2]), 1, 3);
   */
  softmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, rows: number, cols: number,
                      options?: KernelCallOptions & { labelSmoothing?: number }): { loss: number; grad: Float32Array } {
    const rt = runtimeIn(options, ["labelSmoothing"]);
    dim("rows", rows); dim("cols", cols);
    array("logits", logits, rows * cols);
    const smoothing = checkOr("labelSmoothing", options?.labelSmoothing, LABEL_SMOOTHING, 0);
    const grad = new Float32Array(rows * cols);
    const loss = run(rt, [logits, labelsOf(labels, rows, cols)], grad,
      (k, [pz, py], pg) => k.softmaxCrossEntropyForwardBackward(pg, pz!, py!, rows, cols, smoothing));
    return { loss, grad };
  },

  /**
   * Mean cross-entropy of softmax(logits) against soft target rows (each a distribution), and its gradient.
   * @throws {OptionError}, {ShapeError} as `matmul`.
   * @example
   * kernels.softmaxCrossEntropySoft(new Float32Array([2, 1, 3]), new Float32Array([0.05, 0.05, 0.9]), 1, 3);
   */
  softmaxCrossEntropySoft(logits: Float32Array, targets: Float32Array, rows: number, cols: number, options?: KernelCallOptions): { loss: number; grad: Float32Array } {
    return targetLoss(logits, targets, rows, cols, options, (k, g, z, t) => k.softmaxCrossEntropySoftForwardBackward(g, z, t, rows, cols));
  },

  /**
   * Mean over rows of ½ Σ (output − target)², d2l's squared loss, and its gradient.
   * @throws {OptionError}, {ShapeError} as `matmul`.
   * @example
   * kernels.l2Loss(new Float32Array([1, 2]), new Float32Array([0, 0]), 1, 2); // { loss: 2.5, grad: [1, 2] }
   */
  l2Loss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, options?: KernelCallOptions): { loss: number; grad: Float32Array } {
    return targetLoss(outputs, targets, rows, cols, options, (k, g, o, t) => k.l2LossForwardBackward(g, o, t, rows, cols));
  },

  /**
   * Mean over rows of Σ |output − target|, and its gradient (0 where they are equal).
   * @throws {OptionError}, {ShapeError} as `matmul`.
   * @example
   * kernels.l1Loss(new Float32Array([1, -2]), new Float32Array([0, 0]), 1, 2); // { loss: 3, grad: [1, -1] }
   */
  l1Loss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, options?: KernelCallOptions): { loss: number; grad: Float32Array } {
    return targetLoss(outputs, targets, rows, cols, options, (k, g, o, t) => k.l1LossForwardBackward(g, o, t, rows, cols));
  },

  /**
   * Mean over rows of Σ huber_δ(output − target) (½r² within δ, δ(|r| − ½δ) beyond), and its gradient.
   * @throws {OptionError}, {ShapeError} as `matmul`, and for δ not a finite number > 0.
   * @example
   * kernels.huberLoss(new Float32Array([0.5, 3]), new Float32Array([0, 0]), 1, 2, 1); // { loss: 2.625, grad: [0.5, 1] }
   */
  huberLoss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, delta = 1, options?: KernelCallOptions): { loss: number; grad: Float32Array } {
    check("delta", delta, HUBER_DELTA);
    return targetLoss(outputs, targets, rows, cols, options, (k, g, o, t) => k.huberLossForwardBackward(g, o, t, rows, cols, delta));
  },
};
