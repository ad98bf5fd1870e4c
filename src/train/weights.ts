// How much each example counts: its own weight (Dataset weights, trainOnBatch weights) times its class's weight
// (classWeight). The losses then weigh each example's loss and gradient (Σ w·loss / Σ w, see assembly/softmax.ts).
import { OptionError } from "../errors.js";
import { checkWeights } from "../validate.js";

/**
 * Class weights: one per class (an array), some classes by index (a map; the others weigh 1), or `"balanced"`:
 * n / (k × count of the class) over the data set trained on (scikit-learn's and Keras's rule; k counts the classes
 * present in it), so every class weighs the same in total.
 */
export type ClassWeight = readonly number[] | Readonly<Record<number, number>> | "balanced";

/** @internal A checked classWeight: fixed weights per class, or balanced per data set. */
export type ClassWeighting = Float32Array | "balanced";

const HINT = 'Give one finite weight ≥ 0 per class, not all 0, as an array, a map { class: weight }, or "balanced".';

/**
 * @internal Checks a classWeight option for `classes` classes.
 * @throws {OptionError} for an array of another length, a class index outside [0, classes), a weight that is
 *   negative, NaN or infinite, or weights that are all 0.
 */
export function resolveClassWeight(spec: unknown, classes: number): ClassWeighting | undefined {
  if (spec === undefined || spec === "balanced") return spec;
  if (Array.isArray(spec)) {
    if (spec.length !== classes) throw new OptionError("classWeight", `an array of ${classes} weights, one per class`, spec, HINT);
    return notAllZero(checkWeights("classWeight", spec, classes));
  }
  if (typeof spec !== "object" || spec === null || ArrayBuffer.isView(spec)) {
    throw new OptionError("classWeight", 'an array of weights, a map { class: weight }, or "balanced"', spec, HINT);
  }
  const weights = new Float32Array(classes).fill(1);
  for (const [key, value] of Object.entries(spec)) {
    const c = Number(key);
    if (!(Number.isSafeInteger(c) && c >= 0 && c < classes && String(c) === key)) {
      throw new OptionError("classWeight", `class indices in [0, ${classes})`, key, HINT);
    }
    weights[c] = checkWeights(`classWeight[${c}]`, [value], 1)[0]!;
  }
  return notAllZero(weights);
}

function notAllZero(weights: Float32Array): Float32Array {
  if (weights.every((w) => w === 0)) throw new OptionError("classWeight", "at least one weight above 0", Array.from(weights), HINT);
  return weights;
}

/**
 * @internal Each example's weight, its own (`sample`) times its class's; undefined when neither is given (every
 * example weighs 1, and the losses keep their unweighted bits).
 */
export function exampleWeights(labels: Int32Array, classes: number, sample: Float32Array | undefined,
                               classWeight: ClassWeighting | undefined): Float32Array | undefined {
  if (!classWeight) return sample;
  const perClass = classWeight === "balanced" ? balanced(labels, classes) : classWeight;
  // f32 × f32 is exact in a double, so one rounding gives the f32 product every engine gives.
  return Float32Array.from(labels, (y, i) => (sample ? sample[i]! : 1) * perClass[y]!);
}

/** n / (k × count) for each class present (k of them); 0 for the absent ones, which weigh nothing. */
function balanced(labels: Int32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (const y of labels) counts[y]!++;
  const present = counts.reduce((k, n) => k + (n > 0 ? 1 : 0), 0);
  return Float32Array.from(counts, (n) => (n > 0 ? labels.length / (present * n) : 0));
}
