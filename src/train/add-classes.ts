// Adding classes to a trained model, as Teachable Machine does when a user adds one: the output layer grows by new
// rows, everything already learnt is kept bit for bit, and the optimizer's state grows with it.
import { MODEL } from "../model/network.js";
import type { DenseNetwork } from "../model/network.js";
import type { ModelConfig } from "../model/network.js";
import { createModel } from "../model/models.js";
import type { LayerLayout } from "../model/layout.js";
import { Optimizer, createOptimizer } from "../optim/optimizer.js";
import { OptionError } from "../errors.js";
import { check, checkFewKeys, integerIn } from "../validate.js";

/** A model and the optimizer it was trained with, as `decodeCheckpoint` gives them. */
export interface TrainedModel {
  model: DenseNetwork;
  optimizer?: Optimizer;
}

const OPTIMIZER_HINT = "Save runs with encodeCheckpoint({ model, optimizer }) to keep its state, or pass " +
  "{ model, optimizer: new Adam() } (say) to go on with a fresh optimizer.";

/**
 * A copy of a trained model with `count` more classes, and its optimizer extended to match. The new output rows
 * (weights and bias) start as a model of the wider shape and the same seed would start them (the initialiser draws
 * the output rows last, so they are the draws that follow the old rows'); every other parameter is the trained
 * one, bit for bit. The optimizer keeps its config, step count and state, with zeros for the new rows (Adam's bias
 * correction then follows the step count, so the new rows' first steps are larger than a fresh Adam's). Train it
 * on data with the new labels (class indices `model.classes` and up). A model with class names needs the new
 * classes' names too (`{ labels }`, one per new class); the rest of what it knows (input, metadata) carries over.
 * @throws {OptionError} for a `count` that is not an integer ≥ 1, something that is not a model, a missing
 *   optimizer (a checkpoint saved without one; the hint says how to keep it or start afresh), or new `labels`
 *   missing, of the wrong count, or given for a model without class names.
 * @example
 * const { model, optimizer } = addClasses(decodeCheckpoint(bytes), 1);
 * await fit(model, withFourthClass, { optimizer, epochs: 20, batchSize: 16 });
 */
export function addClasses(trained: TrainedModel, count = 1, options?: { labels?: readonly string[] }): { model: DenseNetwork; optimizer: Optimizer } {
  const { model, optimizer } = checkFewKeys("addClasses", trained, ["model", "optimizer", "training"]) as TrainedModel;
  check("model", model, MODEL);
  check("count", count, integerIn(1));
  const { labels } = checkFewKeys("addClasses options", options, ["labels"]);
  if (model.labels && labels?.length !== count) {
    throw new OptionError("labels", `the names of the ${count} new class(es), as { labels: [...] }`, labels,
      `The model names its classes (${model.labels.join(", ")}), so the new ones need names too.`);
  }
  if (!model.labels && labels !== undefined) {
    throw new OptionError("labels", "no labels (the model has no class names)", labels,
      "Give the model its class names first (new MLP({ …, labels })), or leave labels out.");
  }
  if (!(optimizer instanceof Optimizer)) {
    throw new OptionError("optimizer", "the optimizer the model was trained with (its state grows with the model)", optimizer, OPTIMIZER_HINT);
  }
  const grown = createModel(widened(model.config, count, labels));
  const params = grown.getParameters();
  keep(model.getParameters(), model.layout, params, grown.layout);
  grown.setParameters(params);

  const next = createOptimizer(optimizer.config), state = optimizer.state;
  if (state) {
    const blocks = state.length / model.size, wider = new Float32Array(blocks * grown.size);
    for (let b = 0; b < blocks; b++) {
      keep(state.subarray(b * model.size, (b + 1) * model.size), model.layout, wider.subarray(b * grown.size, (b + 1) * grown.size), grown.layout);
    }
    next.restore(wider, optimizer.steps, grown.size);
  } else {
    next.steps = optimizer.steps;
  }
  return { model: grown, optimizer: next };
}

function widened(config: ModelConfig, count: number, labels: readonly string[] | undefined): ModelConfig {
  const named = config.labels && labels ? { ...config, labels: [...config.labels, ...labels] } : config;
  return named.type === "mlp"
    ? { ...named, layers: [...named.layers.slice(0, -1), named.layers.at(-1)! + count] }
    : { ...named, classes: named.classes + count };
}

/** Copies every parameter of `from` to where it sits in the wider `to`: all layers, and the first rows of the last. */
function keep(from: Float32Array, fromLayout: readonly LayerLayout[], to: Float32Array, toLayout: readonly LayerLayout[]): void {
  fromLayout.forEach((layer, l) => {
    const wider = toLayout[l]!;
    to.set(from.subarray(layer.weight, layer.bias), wider.weight);
    to.set(from.subarray(layer.bias, layer.bias + layer.outputs), wider.bias);
  });
}
