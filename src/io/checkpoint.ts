import type { DenseNetwork, ModelConfig } from "../model/network.js";
import { createModel } from "../model/models.js";
import type { Optimizer } from "../optim/optimizer.js";
import { createOptimizer } from "../optim/optimizer.js";
import { FormatError, WasmSoftmaxError } from "../errors.js";
import { decodeCheckpoint } from "./format.js";
import type { TrainingState } from "./format.js";

export interface Checkpoint {
  model: DenseNetwork;
  optimizer?: Optimizer;
  training?: TrainingState;
}

/**
 * Serialises a model, and optionally its optimizer and training position, into checkpoint bytes.
 * @example
 * const bytes = saveCheckpoint({ model, optimizer, training: { epoch: 3, seed: 0, batchSize: 256, shuffle: true } });
 */
export function saveCheckpoint({ model, optimizer, training }: Checkpoint): Uint8Array {
  return model.save({ ...(optimizer && { optimizer }), ...(training && { training }) });
}

/**
 * Reads checkpoint bytes back into a model, and the optimizer and training position when they were saved.
 * Everything is checked before anything is built, so a bad file never loads partially.
 * @throws {FormatError} for a wrong magic, unknown version, malformed header, wrong lengths, a CRC mismatch or
 *   a config that does not describe a valid model or optimizer.
 * @example
 * const { model, optimizer, training } = loadCheckpoint(bytes);
 */
export function loadCheckpoint(bytes: Uint8Array, source = "checkpoint"): Checkpoint {
  const { header, payload } = decodeCheckpoint(bytes, source);
  try {
    const model = createModel(header.model);
    if (model.size !== header.parameters) {
      throw new FormatError(source, `${model.size} parameters for this model`, `${header.parameters}`);
    }
    model.setParameters(payload.subarray(0, header.parameters));
    let optimizer: Optimizer | undefined;
    if (header.optimizer) {
      optimizer = createOptimizer(header.optimizer.config);
      optimizer.restore(payload.subarray(header.parameters), header.optimizer.steps, model.size);
    }
    return { model, ...(optimizer && { optimizer }), ...(header.training && { training: header.training }) };
  } catch (error) {
    if (error instanceof FormatError || !(error instanceof WasmSoftmaxError)) throw error;
    throw new FormatError(source, "a valid model and optimizer config", error.message,
      "The file is damaged or was written by another program; save it again.");
  }
}

/**
 * Reads a model saved with `model.save()` or `saveCheckpoint`.
 * @throws {FormatError} as `loadCheckpoint`.
 * @example
 * const model = loadModel(bytes);
 */
export function loadModel(bytes: Uint8Array): DenseNetwork {
  return loadCheckpoint(bytes).model;
}

/**
 * Each layer's weight (rows of outputs) and bias as plain arrays, with the model config, for use elsewhere.
 * @example
 * const json = JSON.stringify(exportWeightsJSON(model));
 */
export function exportWeightsJSON(model: DenseNetwork): { config: ModelConfig; layers: { weight: number[][]; bias: number[] }[] } {
  return {
    config: model.config,
    layers: model.getWeights().map(({ inputs, outputs, weight, bias }) => ({
      weight: Array.from({ length: outputs }, (_, o) => Array.from(weight.subarray(o * inputs, (o + 1) * inputs))),
      bias: Array.from(bias),
    })),
  };
}
