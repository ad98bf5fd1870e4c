import { OptionError } from "../errors.js";
import { RULES, check, checkFewKeys, checkOr, numberWhere } from "../validate.js";
import { cos } from "../util/math.js";

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

/** The schedule, checked: unknown keys refused, each field against its rule. */
export function checkSchedule(schedule: unknown, lr: number): Schedule | undefined {
  if (schedule === undefined) return undefined;
  if (schedule === null || typeof schedule !== "object") throw new OptionError("schedule", '{ type: "step" | "cosine", … }', schedule);
  const type = (schedule as { type?: unknown }).type;
  if (type === "step") {
    const s = checkFewKeys("step schedule", schedule as Record<string, unknown>, ["type", "stepSize", "gamma"]);
    return {
      type,
      stepSize: check("schedule.stepSize", s.stepSize, RULES.count),
      gamma: check("schedule.gamma", s.gamma, numberWhere("a number in (0, 1]", (v) => v > 0 && v <= 1)),
    };
  }
  if (type === "cosine") {
    const s = checkFewKeys("cosine schedule", schedule as Record<string, unknown>, ["type", "epochs", "minLr"]);
    return {
      type,
      epochs: check("schedule.epochs", s.epochs, RULES.count),
      minLr: checkOr("schedule.minLr", s.minLr, numberWhere(`a number in [0, lr = ${lr}]`, (v) => v >= 0 && v <= lr), 0),
    };
  }
  throw new OptionError("schedule.type", '"step" or "cosine"', type);
}
