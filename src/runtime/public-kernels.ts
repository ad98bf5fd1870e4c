import { ShapeError } from "../errors.js";
import type { Kernels, Ptr } from "../kernels/contract.js";
import { HUBER_DELTA, LABEL_SMOOTHING, RULES, check, checkKeys, checkOr, checkWeights, integerIn, rule } from "../validate.js";
import { Scope } from "./memory.js";
import { runtimeOf } from "./runtime.js";
import type { Runtime } from "./runtime.js";

/** Where a kernel call runs: the default runtime (see `init`) unless one is given. */
export interface KernelCallOptions {
  runtime?: Runtime;
}

/** Options of the loss kernels. */
export interface LossCallOptions extends KernelCallOptions {
  /**
   * One weight per row (finite, ≥ 0): the loss becomes Σ w·loss / Σ w and each row's gradient is scaled by
   * w / Σ w (PyTorch's weighted mean; a batch whose weights sum to 0 gives loss 0 and gradient 0).
   */
  weights?: ArrayLike<number>;
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

/** A loss against target rows: checks the shapes and weights, runs the kernel, returns the loss and gradient. */
function targetLoss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, options: LossCallOptions | undefined,
                    kernel: (k: Kernels, grad: Ptr, out: Ptr, targets: Ptr, weights: Ptr) => number): { loss: number; grad: Float32Array } {
  const rt = runtimeIn(options, ["weights"]);
  dim("rows", rows); dim("cols", cols);
  array("outputs", outputs, rows * cols); array("targets", targets, rows * cols);
  const weights = weightsOf(options, rows), grad = new Float32Array(rows * cols);
  const loss = run(rt, [outputs, targets, ...weights], grad, (k, [po, pt, pw], pg) => kernel(k, pg, po!, pt!, pw ?? 0));
  return { loss, grad };
}

// The weights as the one extra kernel input they are, or none.
function weightsOf(options: LossCallOptions | undefined, rows: number): Float32Array[] {
  return options?.weights === undefined ? [] : [checkWeights("weights", options.weights, rows)];
}

/**
 * The package's kernels on plain Float32Arrays, for other apps: each call copies its inputs into kernel memory,
 * runs on the default runtime (see `init`) or the `{ runtime }` given last, and copies the result out. Losses return the mean over rows and the
 * gradient of that mean with respect to their first argument; `{ weights }` makes it a weighted mean (Σ w·loss / Σ w).
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
   * @throws {OptionError}, {ShapeError} as `matmul`, and for a label outside [0, cols) or smoothing outside [0, 1), and as
   *   `softmaxCrossEntropySoft` for `weights`.
   * @example
   * const { loss, grad } = kernels.softmaxCrossEntropy(new Float32Array([2, 1, 3]), new Int32Array([2]), 1, 3);
   */
  softmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, rows: number, cols: number,
                      options?: LossCallOptions & { labelSmoothing?: number }): { loss: number; grad: Float32Array } {
    const rt = runtimeIn(options, ["labelSmoothing", "weights"]);
    dim("rows", rows); dim("cols", cols);
    array("logits", logits, rows * cols);
    const smoothing = checkOr("labelSmoothing", options?.labelSmoothing, LABEL_SMOOTHING, 0);
    const grad = new Float32Array(rows * cols), weights = weightsOf(options, rows);
    const loss = run(rt, [logits, labelsOf(labels, rows, cols), ...weights], grad,
      (k, [pz, py, pw], pg) => k.softmaxCrossEntropyForwardBackward(pg, pz!, py!, pw ?? 0, rows, cols, smoothing));
    return { loss, grad };
  },

  /**
   * Mean cross-entropy of softmax(logits) against soft target rows (each a distribution), and its gradient.
   * @throws {OptionError}, {ShapeError} as `matmul`, and for `weights` that are not one finite number ≥ 0 per row.
   * @example
   * kernels.softmaxCrossEntropySoft(new Float32Array([2, 1, 3]), new Float32Array([0.05, 0.05, 0.9]), 1, 3);
   */
  softmaxCrossEntropySoft(logits: Float32Array, targets: Float32Array, rows: number, cols: number, options?: LossCallOptions): { loss: number; grad: Float32Array } {
    return targetLoss(logits, targets, rows, cols, options, (k, g, z, t, w) => k.softmaxCrossEntropySoftForwardBackward(g, z, t, w, rows, cols));
  },

  /**
   * Mean over rows of ½ Σ (output − target)², d2l's squared loss, and its gradient.
   * @throws {OptionError}, {ShapeError} as `matmul`, and for `weights` that are not one finite number ≥ 0 per row.
   * @example
   * kernels.l2Loss(new Float32Array([1, 2]), new Float32Array([0, 0]), 1, 2); // { loss: 2.5, grad: [1, 2] }
   */
  l2Loss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, options?: LossCallOptions): { loss: number; grad: Float32Array } {
    return targetLoss(outputs, targets, rows, cols, options, (k, g, o, t, w) => k.l2LossForwardBackward(g, o, t, w, rows, cols));
  },

  /**
   * Mean over rows of Σ |output − target|, and its gradient (0 where they are equal).
   * @throws {OptionError}, {ShapeError} as `matmul`, and for `weights` that are not one finite number ≥ 0 per row.
   * @example
   * kernels.l1Loss(new Float32Array([1, -2]), new Float32Array([0, 0]), 1, 2); // { loss: 3, grad: [1, -1] }
   */
  l1Loss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, options?: LossCallOptions): { loss: number; grad: Float32Array } {
    return targetLoss(outputs, targets, rows, cols, options, (k, g, o, t, w) => k.l1LossForwardBackward(g, o, t, w, rows, cols));
  },

  /**
   * Mean over rows of Σ huber_δ(output − target) (½r² within δ, δ(|r| − ½δ) beyond), and its gradient.
   * @throws {OptionError}, {ShapeError} as `matmul`, and for δ not a finite number > 0, and as `l2Loss` for `weights`.
   * @example
   * kernels.huberLoss(new Float32Array([0.5, 3]), new Float32Array([0, 0]), 1, 2, 1); // { loss: 2.625, grad: [0.5, 1] }
   */
  huberLoss(outputs: Float32Array, targets: Float32Array, rows: number, cols: number, delta = 1, options?: LossCallOptions): { loss: number; grad: Float32Array } {
    check("delta", delta, HUBER_DELTA);
    return targetLoss(outputs, targets, rows, cols, options, (k, g, o, t, w) => k.huberLossForwardBackward(g, o, t, w, rows, cols, delta));
  },
};
