import { OptionError } from "../errors.js";
import { cos } from "../math.js";

/** Learning-rate schedules, as plain data so checkpoints can carry them. `epoch` is 1-based. */
export type Schedule =
  /** lr · gamma^⌊(epoch − 1) / stepSize⌋, PyTorch's StepLR. */
  | { type: "step"; stepSize: number; gamma: number }
  /** minLr + (lr − minLr) · (1 + cos(π · (epoch − 1) / epochs)) / 2, PyTorch's CosineAnnealingLR. */
  | { type: "cosine"; epochs: number; minLr?: number };

/** The learning rate of `epoch` (1-based) under `schedule`, from the base rate `lr`. */
export function scheduledLr(lr: number, schedule: Schedule | undefined, epoch: number): number {
  if (!schedule) return lr;
  if (schedule.type === "step") {
    let rate = lr;
    for (let k = Math.floor((epoch - 1) / schedule.stepSize); k > 0; k--) rate *= schedule.gamma;
    return rate;
  }
  const minLr = schedule.minLr ?? 0;
  const t = Math.min(epoch - 1, schedule.epochs);
  return minLr + ((lr - minLr) * (1 + cos((Math.PI * t) / schedule.epochs))) / 2;
}

export function checkSchedule(schedule: unknown, lr: number): Schedule | undefined {
  if (schedule === undefined) return undefined;
  const s = schedule as Record<string, unknown>;
  if (s === null || typeof s !== "object") throw new OptionError("schedule", '{ type: "step" | "cosine", … }', schedule);
  if (s.type === "step") {
    if (!Number.isInteger(s.stepSize) || (s.stepSize as number) < 1) throw new OptionError("schedule.stepSize", "an integer ≥ 1", s.stepSize);
    if (typeof s.gamma !== "number" || !(s.gamma > 0 && s.gamma <= 1)) throw new OptionError("schedule.gamma", "a number in (0, 1]", s.gamma);
    return { type: "step", stepSize: s.stepSize as number, gamma: s.gamma };
  }
  if (s.type === "cosine") {
    if (!Number.isInteger(s.epochs) || (s.epochs as number) < 1) throw new OptionError("schedule.epochs", "an integer ≥ 1", s.epochs);
    const minLr = s.minLr ?? 0;
    if (typeof minLr !== "number" || !(minLr >= 0 && minLr <= lr)) throw new OptionError("schedule.minLr", `a number in [0, lr = ${lr}]`, minLr);
    return { type: "cosine", epochs: s.epochs as number, minLr };
  }
  throw new OptionError("schedule.type", '"step" or "cosine"', s.type);
}
