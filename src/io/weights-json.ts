// A model's layers as plain JSON arrays, for tools that read neither ONNX nor safetensors.
import type { DenseNetwork, ModelConfig } from "../model/network.js";

/**
 * Each layer's weight (rows of outputs) and bias as plain arrays, with the model config (labels, input description
 * with its normaliser, metadata), for use elsewhere.
 * @example
 * const json = JSON.stringify(encodeWeightsJSON(model));
 */
export function encodeWeightsJSON(model: DenseNetwork): { config: ModelConfig; layers: { weight: number[][]; bias: number[] }[] } {
  return {
    config: model.config,
    layers: model.getWeights().map(({ inputs, outputs, weight, bias }) => ({
      weight: Array.from({ length: outputs }, (_, o) => Array.from(weight.subarray(o * inputs, (o + 1) * inputs))),
      bias: Array.from(bias),
    })),
  };
}
