import type { Kernels, Ptr } from "../kernels/contract.js";
import { OptionError } from "../errors.js";
import { HUBER_DELTA, LABEL_SMOOTHING, checkKeys, checkOr } from "../validate.js";

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
    const eps = checkOr("loss.labelSmoothing", checkKeys("cross-entropy loss", s!, ["type", "labelSmoothing"]).labelSmoothing, LABEL_SMOOTHING, 0);
    return {
      config: { type, labelSmoothing: eps },
      needsTargets: (soft) => soft,
      forwardBackward: (k, dOut, out, labels, targets, B, C, weights = 0) => targets
        ? k.softmaxCrossEntropySoftForwardBackward(dOut, out, targets, weights, B, C)
        : k.softmaxCrossEntropyForwardBackward(dOut, out, labels, weights, B, C, eps),
    };
  }
  if (type === "l2" || type === "l1") {
    checkKeys(`${type} loss`, s!, ["type"]);
    const kernel = type === "l2" ? "l2LossForwardBackward" : "l1LossForwardBackward";
    return {
      config: { type },
      needsTargets: () => true,
      forwardBackward: (k, dOut, out, _labels, targets, B, C, weights = 0) => k[kernel](dOut, out, targets, weights, B, C),
    };
  }
  if (type === "huber") {
    const delta = checkOr("loss.delta", checkKeys("huber loss", s!, ["type", "delta"]).delta, HUBER_DELTA, 1);
    return {
      config: { type, delta },
      needsTargets: () => true,
      forwardBackward: (k, dOut, out, _labels, targets, B, C, weights = 0) => k.huberLossForwardBackward(dOut, out, targets, weights, B, C, delta),
    };
  }
  throw new OptionError("loss", '"cross-entropy", "l2", "l1", "huber" or { type, … }', spec);
}
