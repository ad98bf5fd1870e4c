// What the exchange formats (ONNX, safetensors) need of a model: its dense layers, checked to be a kind they
// can describe, and the names PyTorch gives them.
import type { DenseNetwork, LayerLayout, ModelConfig } from "../model/network.js";
import { OptionError } from "../errors.js";

/**
 * The name of dense layer `l`'s tensor as `nn.Sequential(nn.Flatten(), nn.Linear, nn.ReLU(), nn.Linear, …)` gives
 * it in its state dict: the Linear layers sit at indices 1, 3, 5, …
 */
export function linearName(l: number, kind: "weight" | "bias"): string {
  return `${2 * l + 1}.${kind}`;
}

/** The model's layers, after checking that they are dense layers with ReLU between them, laid out as they chain. */
export function denseLayers(model: DenseNetwork, what: string): readonly LayerLayout[] {
  const config = model?.config as ModelConfig | undefined;
  const type = (config as { type?: unknown } | undefined)?.type;
  if (type !== "softmax-regression" && type !== "mlp") {
    throw new OptionError("model", `a softmax-regression or mlp model (what ${what} supports)`,
      `a model of type ${JSON.stringify(type)}`);
  }
  const activation = (config as { activation?: unknown }).activation;
  if (type === "mlp" && activation !== "relu") {
    throw new OptionError("model activation", `"relu" (what ${what} supports)`, activation);
  }
  const { layers, layout, size } = model;
  let at = 0;
  const chains = layout.length === layers.length - 1 && layout.every((layer, l) => {
    const ok = layer.inputs === layers[l] && layer.outputs === layers[l + 1] && layer.weight === at &&
      layer.bias === at + layer.inputs * layer.outputs;
    at = layer.bias + layer.outputs;
    return ok;
  });
  if (!chains || at !== size) {
    throw new OptionError("model layout", `dense layers ${layers.join("-")} stored weight then bias, layer by layer (what ${what} supports)`,
      "another layout", "Export a SoftmaxRegression or MLP built by this package.");
  }
  return layout;
}
