// Models in and out of safetensors: the tensors PyTorch's nn.Sequential names for d2l's models (see layers.ts),
// checked against the widths before a model is built. The byte layout is src/codecs/safetensors.ts.
import type { DenseNetwork, ModelConfig } from "../model/network.js";
import { createModel } from "../model/models.js";
import type { MLP, SoftmaxRegression } from "../model/models.js";
import { OptionError } from "../errors.js";
import { checkKeys } from "../validate.js";
import { denseLayers, linearName } from "./layers.js";
import { METADATA, fail, readSafetensors, readTensor, writeSafetensors } from "../codecs/safetensors.js";
import type { TensorInfo } from "../codecs/safetensors.js";

/** What `decodeSafetensors` builds: the widths from input to output, or a whole model config. */
export type SafetensorsModel = { layers: readonly number[] } | { config: ModelConfig };

const CONFIG_KEY = "wasm-softmax.config";

/**
 * The model's weights as safetensors bytes, named as PyTorch's `nn.Sequential(nn.Flatten(), nn.Linear(784, 256),
 * nn.ReLU(), nn.Linear(256, 10))` names them (`1.weight`, `1.bias`, `3.weight`, `3.bias`), in float32.
 * @throws {OptionError} for a model with parts the format cannot describe (named in the message).
 * @example
 * await writeFile("mlp.safetensors", encodeSafetensors(model)); // torch: model.load_state_dict(…)
 */
export function encodeSafetensors(model: DenseNetwork): Uint8Array {
  const layout = denseLayers(model, "safetensors export");
  const params = model.getParameters();
  // Layer by layer, weight then bias: the order of the parameter block itself.
  const tensors = layout.flatMap(({ inputs, outputs, weight, bias }, l) => [
    { name: linearName(l, "weight"), shape: [outputs, inputs], data: params.subarray(weight, weight + outputs * inputs) },
    { name: linearName(l, "bias"), shape: [outputs], data: params.subarray(bias, bias + outputs) },
  ]);
  return writeSafetensors(tensors, { format: "pt", [CONFIG_KEY]: JSON.stringify(model.config) });
}

/**
 * A model from safetensors bytes: the architecture given (`{ layers }` or `{ config }`), else the config
 * `encodeSafetensors` stored, else the layers the tensors' shapes chain into. Everything is checked before
 * anything is allocated, so a bad file never loads partially.
 * @throws {FormatError} for a truncated or oversize header, malformed JSON, an unsupported dtype, offsets out
 *   of range, overlapping or leaving gaps, a length mismatch, and missing, extra or wrongly shaped tensors.
 * @throws {OptionError} for both `layers` and `config`, or widths or a config that are not a valid model.
 * @example
 * const model = decodeSafetensors(bytes, { layers: [784, 256, 10] }); // a d2l MLP trained in PyTorch
 */
export function decodeSafetensors(bytes: Uint8Array, options?: SafetensorsModel): SoftmaxRegression | MLP {
  if (!(bytes instanceof Uint8Array)) throw new OptionError("bytes", "a Uint8Array", bytes);
  const given = checkKeys("decodeSafetensors", options as { layers?: unknown; config?: unknown } | undefined, ["layers", "config"]);
  if (options !== undefined && (given.layers === undefined) === (given.config === undefined)) {
    throw new OptionError("options", "{ layers } or { config }, one of them", given,
      "Leave them out to read the architecture from the file.");
  }
  const { tensors, metadata, start } = readSafetensors(bytes);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  let config: ModelConfig, fromFile = false;
  if (given?.config !== undefined) config = given.config as ModelConfig;
  else if (given?.layers !== undefined) config = configOf(given.layers as readonly number[]);
  else {
    const stored = storedConfig(metadata);
    fromFile = stored !== undefined;
    config = stored ?? configOf(chainedLayers(byName) ?? fail("tensors 1.weight, 1.bias, … of dense layers that chain",
      tensors.length === 0 ? "no tensors" : tensors.map((t) => `${t.name} [${t.shape.join(", ")}]`).join(", "),
      "Name them as nn.Sequential(nn.Flatten(), nn.Linear(…), nn.ReLU(), …) does, or pass { layers }."));
  }
  let model: SoftmaxRegression | MLP;
  try {
    // The tensors are checked against the widths before the model exists: a config may promise any size, the
    // tensors' shapes are bounded by the bytes that are there. Without widths, createModel says what is wrong.
    const layers = widthsOf(config);
    if (layers) checkTensors(byName, layers);
    model = createModel(config);
  } catch (error) {
    if (!fromFile || !(error instanceof OptionError)) throw error;
    return fail(`${METADATA}["${CONFIG_KEY}"] as a valid model config`, error.message,
      "The file is damaged; pass { layers } to load it anyway.");
  }
  const layout = denseLayers(model, "safetensors");
  const params = new Float32Array(model.size);
  layout.forEach(({ weight, bias }, l) => {
    readTensor(bytes, start, byName.get(linearName(l, "weight"))!, params, weight);
    readTensor(bytes, start, byName.get(linearName(l, "bias"))!, params, bias);
  });
  model.setParameters(params);
  return model;
}

// The layer widths a config names, when they are widths at all: exactly when createModel would not refuse them.
function widthsOf(config: ModelConfig): readonly number[] | undefined {
  const c = config as { type?: unknown; inputs?: unknown; classes?: unknown; layers?: unknown } | null;
  const widths = c?.type === "softmax-regression" ? [c.inputs, c.classes] : c?.type === "mlp" ? c.layers : undefined;
  const ok = Array.isArray(widths) && widths.length >= 2 && widths.every((w) => Number.isInteger(w) && (w as number) >= 1);
  return ok ? (widths as number[]) : undefined;
}

function configOf(layers: readonly number[]): ModelConfig {
  if (!Array.isArray(layers)) throw new OptionError("layers", "an array of widths, e.g. [784, 256, 10]", layers);
  return layers.length === 2
    ? { type: "softmax-regression", inputs: layers[0]!, classes: layers[1]!, seed: 0, weightStd: 0.01 }
    : { type: "mlp", layers: [...layers], activation: "relu", seed: 0, weightStd: 0.01 };
}

function storedConfig(metadata: Record<string, string> | undefined): ModelConfig | undefined {
  const text = metadata?.[CONFIG_KEY];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as ModelConfig;
  } catch {
    return fail(`${METADATA}["${CONFIG_KEY}"] as a JSON model config`, JSON.stringify(text),
      "The file is damaged; pass { layers } to load it anyway.");
  }
}

// The widths the tensors describe when 1.weight, 3.weight, … chain (each one's inputs the previous one's outputs).
function chainedLayers(byName: ReadonlyMap<string, TensorInfo>): number[] | undefined {
  const layers: number[] = [];
  for (let l = 0; byName.has(linearName(l, "weight")); l++) {
    const shape = byName.get(linearName(l, "weight"))!.shape;
    if (shape.length !== 2 || (l > 0 && shape[1] !== layers[l])) return undefined;
    if (l === 0) layers.push(shape[1]!);
    layers.push(shape[0]!);
  }
  return layers.length >= 2 ? layers : undefined;
}

function checkTensors(byName: ReadonlyMap<string, TensorInfo>, layers: readonly number[]): void {
  const count = layers.length - 1;
  const expected = Array.from({ length: count }, (_, l) => [linearName(l, "weight"), linearName(l, "bias")]).flat();
  const found = chainedLayers(byName);
  const suggestion = found && found.join("-") !== layers.join("-") ? ` The file's tensors chain as layers [${found.join(", ")}]: pass those.` : "";
  const missing = expected.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    fail(`the tensors ${expected.join(", ")} (layers ${layers.join("-")})`, `none named ${missing.join(", ")}`,
      `Name them as nn.Sequential(nn.Flatten(), nn.Linear(…), nn.ReLU(), …) does.${suggestion}`);
  }
  const extra = [...byName.keys()].filter((name) => !expected.includes(name));
  if (extra.length > 0) {
    fail(`only the tensors ${expected.join(", ")} (layers ${layers.join("-")})`, `also ${extra.join(", ")}`,
      `Save only the Linear layers' weights and biases.${suggestion}`);
  }
  layers.slice(1).forEach((outputs, l) => {
    const inputs = layers[l]!;
    for (const [kind, want] of [["weight", [outputs, inputs]], ["bias", [outputs]]] as const) {
      const t = byName.get(linearName(l, kind))!;
      if (t.shape.join(",") !== want.join(",")) {
        fail(`tensor ${t.name} of shape [${want.join(", ")}] (layers ${layers.join("-")})`, `[${t.shape.join(", ")}]`,
          `Weights are (outputs, inputs), as nn.Linear stores them.${suggestion}`);
      }
    }
  });
}

