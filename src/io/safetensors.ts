// Models in and out of safetensors: the tensors PyTorch's nn.Sequential names for d2l's models (see layers.ts),
// checked against the widths before a model is built. The byte layout is src/codecs/safetensors.ts.
import type { DenseNetwork, ModelConfig } from "../model/network.js";
import { createModel } from "../model/models.js";
import type { MLP, SoftmaxRegression } from "../model/models.js";
import type { NormalizerConfig, NormalizerKind } from "../data/normalizer.js";
import { Normalizer } from "../data/normalizer.js";
import { OptionError } from "../errors.js";
import { checkFewKeys } from "../validate.js";
import { denseLayers, linearName } from "./layers.js";
import { METADATA, fail, readSafetensors, readTensor, writeSafetensors } from "../codecs/safetensors.js";
import type { TensorInfo } from "../codecs/safetensors.js";

/** What `decodeSafetensors` builds: the widths from input to output, or a whole model config. */
export type SafetensorsModel = { layers: readonly number[] } | { config: ModelConfig };

const CONFIG_KEY = "wasm-softmax.config";

// A normaliser's offsets and spreads, named for what they are: features become (x − mean) / std, or
// (x − min) / range, where a spread of 0 (a feature constant in the training data) divides by 1.
const NORMALIZER_TENSORS: Record<NormalizerKind, readonly [offset: string, spread: string]> = {
  standard: ["normalizer.mean", "normalizer.std"],
  minmax: ["normalizer.min", "normalizer.range"],
};

/**
 * The model's weights as safetensors bytes, named as PyTorch's `nn.Sequential(nn.Flatten(), nn.Linear(784, 256),
 * nn.ReLU(), nn.Linear(256, 10))` names them (`1.weight`, `1.bias`, `3.weight`, `3.bias`), in float32. A fitted
 * normaliser comes as two more tensors of one value per input, `normalizer.mean` and `normalizer.std` (or
 * `normalizer.min` and `normalizer.range`), and the model config (labels, input description, metadata) as JSON in
 * `__metadata__["wasm-softmax.config"]`.
 * @throws {OptionError} for a model with parts the format cannot describe (named in the message).
 * @example
 * await writeFile("mlp.safetensors", encodeSafetensors(model)); // torch: model.load_state_dict(…)
 */
export function encodeSafetensors(model: DenseNetwork): Uint8Array {
  const layout = denseLayers(model, "safetensors export");
  const params = model.getParameters();
  const normalizer = model.input.normalizer;
  // The normaliser first (it is applied first), then layer by layer, weight then bias: the parameter block's order.
  const tensors = [
    ...(normalizer ? NORMALIZER_TENSORS[normalizer.kind].map((name, i) =>
      ({ name, shape: [normalizer.features], data: i === 0 ? normalizer.offset : normalizer.spread })) : []),
    ...layout.flatMap(({ inputs, outputs, weight, bias }, l) => [
      { name: linearName(l, "weight"), shape: [outputs, inputs], data: params.subarray(weight, weight + outputs * inputs) },
      { name: linearName(l, "bias"), shape: [outputs], data: params.subarray(bias, bias + outputs) },
    ]),
  ];
  // The tensors hold the normaliser; the config keeps the rest of what the model means.
  const { input, ...config } = model.config;
  const { normalizer: _, ...rest } = input ?? {};
  const described = Object.keys(rest).length > 0 ? { ...config, input: rest } : config;
  return writeSafetensors(tensors, { format: "pt", [CONFIG_KEY]: JSON.stringify(described) });
}

/**
 * A model from safetensors bytes: the architecture given (`{ layers }` or `{ config }`), else the config
 * `encodeSafetensors` stored, else the layers the tensors' shapes chain into; with the normaliser its tensors hold,
 * if any. Everything is checked before anything is allocated, so a bad file never loads partially.
 * @throws {FormatError} for a truncated or oversize header, malformed JSON, an unsupported dtype, offsets out
 *   of range, overlapping or leaving gaps, a length mismatch, missing, extra or wrongly shaped tensors, and
 *   normaliser tensors that come without their pair or hold a non-finite value or a negative spread.
 * @throws {OptionError} for both `layers` and `config`, widths or a config that are not a valid model, or a
 *   `config` with a normaliser of its own for a file that holds one.
 * @example
 * const model = decodeSafetensors(bytes, { layers: [784, 256, 10] }); // a d2l MLP trained in PyTorch
 */
export function decodeSafetensors(bytes: Uint8Array, options?: SafetensorsModel): SoftmaxRegression | MLP {
  if (!(bytes instanceof Uint8Array)) throw new OptionError("bytes", "a Uint8Array", bytes);
  const given = checkFewKeys("decodeSafetensors", options as { layers?: unknown; config?: unknown } | undefined, ["layers", "config"]);
  if (options !== undefined && (given.layers === undefined) === (given.config === undefined)) {
    throw new OptionError("options", "{ layers } or { config }, one of them", given,
      "Leave them out to read the architecture from the file.");
  }
  const { tensors, metadata, start } = readSafetensors(bytes);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const normalizerTensors = takeNormalizer(byName);
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
    // Without widths the config is no model: createModel says what is wrong with it.
    if (layers && normalizerTensors) config = withNormalizer(config, readNormalizer(bytes, start, normalizerTensors, layers[0]!), fromFile);
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

/** A normaliser's two tensors, taken out of `byName` (so the layers' check does not see them). */
interface NormalizerTensors { kind: NormalizerKind; offset: TensorInfo; spread: TensorInfo }

function takeNormalizer(byName: Map<string, TensorInfo>): NormalizerTensors | undefined {
  const present = (Object.entries(NORMALIZER_TENSORS) as [NormalizerKind, readonly [string, string]][])
    .filter(([, names]) => names.some((name) => byName.has(name)));
  if (present.length === 0) return undefined;
  const pairs = present.map(([, names]) => names.join(" and ")).join(", ");
  const [[kind, [offset, spread]]] = present as [[NormalizerKind, readonly [string, string]]];
  if (present.length > 1 || !byName.has(offset) || !byName.has(spread)) {
    fail("one normaliser: normalizer.mean with normalizer.std, or normalizer.min with normalizer.range",
      `tensors named ${[...byName.keys()].filter((name) => name.startsWith("normalizer.")).join(", ")}`,
      `A normaliser needs both tensors of one pair (${pairs}); remove the others.`);
  }
  const found = { kind, offset: byName.get(offset)!, spread: byName.get(spread)! };
  byName.delete(offset);
  byName.delete(spread);
  return found;
}

// The normaliser's values, checked: one per input, finite, spreads ≥ 0.
function readNormalizer(bytes: Uint8Array, start: number, t: NormalizerTensors, inputs: number): NormalizerConfig {
  for (const info of [t.offset, t.spread]) {
    if (info.shape.join(",") !== String(inputs)) {
      fail(`tensor ${info.name} of shape [${inputs}] (one value per input)`, `[${info.shape.join(", ")}]`);
    }
  }
  const read = (info: TensorInfo) => {
    const values = new Float32Array(info.shape[0]!);
    readTensor(bytes, start, info, values, 0);
    return Array.from(values);
  };
  const config: NormalizerConfig = { kind: t.kind, offset: read(t.offset), spread: read(t.spread) };
  try {
    return Normalizer.from(config).toJSON();
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    return fail(`tensors ${t.offset.name} and ${t.spread.name} as a normaliser`, error.message,
      "The file is damaged, or its normaliser was not fitted on finite data.");
  }
}

function withNormalizer(config: ModelConfig, normalizer: NormalizerConfig, fromFile: boolean): ModelConfig {
  const input: unknown = config.input;
  // An input that is not an object stays as it is, for createModel to refuse.
  if (input !== undefined && (input === null || typeof input !== "object")) return config;
  if ((input as ModelConfig["input"])?.normalizer !== undefined) {
    const expected = "no normaliser (the file's tensors hold the model's normaliser)";
    if (fromFile) fail(`${METADATA}["${CONFIG_KEY}"] with input.normalizer ${expected}`, "one", "The file is damaged.");
    throw new OptionError("config.input.normalizer", expected, "one", "Leave it out of config: the file's normaliser is used.");
  }
  return { ...config, input: { ...(input as ModelConfig["input"]), normalizer } };
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
      `Save only the Linear layers' weights and biases (and a normaliser's two tensors).${suggestion}`);
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

