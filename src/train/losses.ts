import type { Kernels, Ptr } from "../kernels/contract.js";
import { OptionError, ShapeError } from "../errors.js";
import { HUBER_DELTA, LABEL_SMOOTHING, checkFewKeys, checkOr } from "../validate.js";

/** The loss `fit` minimises. Cross-entropy (the default) applies softmax to the model's outputs first. */
export type LossSpec =
  | "cross-entropy" | "l2" | "l1" | "huber"
  | { type: "cross-entropy"; labelSmoothing?: number }
  | { type: "l2" } | { type: "l1" }
  | { type: "huber"; delta?: number };

/** A loss with its defaults filled in, as `Trainer.loss` gives it and checkpoints store it. */
export type LossConfig =
  | { type: "cross-entropy"; labelSmoothing: number }
  | { type: "l2" } | { type: "l1" }
  | { type: "huber"; delta: number };

/** @internal A loss as the training loop uses it: which inputs it needs, and its fused forward + gradient kernel. */
export interface Loss {
  readonly config: LossConfig;
  /** Whether it compares outputs with target rows (B × classes) rather than integer labels. */
  needsTargets(dataHasTargets: boolean): boolean;
  /** Whether target rows must be probability distributions (cross-entropy's soft labels). */
  readonly distributions: boolean;
  /**
   * Mean loss over the B rows, weighted by `weights` (B per-example f32 weights; none when omitted or 0) as
   * Σ w·loss / Σ w; writes dOut, the gradient of that mean w.r.t. the model's outputs.
   */
  forwardBackward(k: Kernels, dOut: Ptr, out: Ptr, labels: Ptr, targets: Ptr, B: number, C: number, weights?: Ptr): number;
}

/**
 * @internal Validates a loss option and returns the loss.
 * @throws {OptionError} for an unknown loss, label smoothing outside [0, 1), or a Huber delta ≤ 0.
 */
export function resolveLoss(spec: LossSpec | undefined = "cross-entropy"): Loss {
  const s = (typeof spec === "string" ? { type: spec } : spec) as Record<string, unknown> | null;
  const type = s && typeof s === "object" ? s.type : undefined;
  if (type === "cross-entropy") {
    const eps = checkOr("loss.labelSmoothing", checkFewKeys("cross-entropy loss", s!, ["type", "labelSmoothing"]).labelSmoothing, LABEL_SMOOTHING, 0);
    return {
      config: { type, labelSmoothing: eps },
      needsTargets: (soft) => soft,
      distributions: true,
      forwardBackward: (k, dOut, out, labels, targets, B, C, weights = 0) => targets
        ? k.softmaxCrossEntropySoftForwardBackward(dOut, out, targets, weights, B, C)
        : k.softmaxCrossEntropyForwardBackward(dOut, out, labels, weights, B, C, eps),
    };
  }
  if (type === "l2" || type === "l1") {
    checkFewKeys(`${type} loss`, s!, ["type"]);
    const kernel = type === "l2" ? "l2LossForwardBackward" : "l1LossForwardBackward";
    return {
      config: { type },
      needsTargets: () => true,
      distributions: false,
      forwardBackward: (k, dOut, out, _labels, targets, B, C, weights = 0) => k[kernel](dOut, out, targets, weights, B, C),
    };
  }
  if (type === "huber") {
    const delta = checkOr("loss.delta", checkFewKeys("huber loss", s!, ["type", "delta"]).delta, HUBER_DELTA, 1);
    return {
      config: { type, delta },
      needsTargets: () => true,
      distributions: false,
      forwardBackward: (k, dOut, out, _labels, targets, B, C, weights = 0) => k.huberLossForwardBackward(dOut, out, targets, weights, B, C, delta),
    };
  }
  throw new OptionError("loss", '"cross-entropy", "l2", "l1", "huber" or { type, … }', spec);
}

/** How far a soft-label row's sum may be from 1: f32 rows normalised in f32 or f64 land well within it. */
export const TARGET_SUM_TOLERANCE = 1e-3;

/**
 * @internal Refuses target rows that are not probability distributions (a value below 0, or a row summing to
 * more than TARGET_SUM_TOLERANCE away from 1): cross-entropy against them is no loss (it can go below 0).
 * `what` names the rows ("target row", "trainOnBatch target row").
 * @throws {ShapeError} naming the first bad row, with how to pass labels or soft labels instead.
 */
export function checkDistributions(what: string, targets: Float32Array, rows: number, C: number): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const v = targets[r * C + c]!;
      if (!(v >= 0)) throw notDistribution(what, r, `${v} at class ${c}`);
      sum += v;
    }
    // Six significant digits say how far off a row is, without the f32 noise of its values.
    if (Math.abs(sum - 1) > TARGET_SUM_TOLERANCE) throw notDistribution(what, r, `values summing to ${Number(sum.toPrecision(6))}`);
  }
}

function notDistribution(what: string, row: number, got: string): ShapeError {
  return new ShapeError(`${what} ${row}`, `non-negative values summing to 1 (within ${TARGET_SUM_TOLERANCE}) for the cross-entropy loss`, got,
    'Pass integer labels, or soft labels: each row divided by its sum. Targets that are not probabilities need a regression loss ("l2", "l1" or "huber").');
}
