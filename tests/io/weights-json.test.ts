import { describe, expect, it } from "vitest";
import { MLP, createModel } from "../../src/model/models.js";
import { init } from "../../src/runtime/runtime.js";
import { Normalizer } from "../../src/data/normalizer.js";
import { blobs } from "../helpers/data.js";
import { encodeWeightsJSON } from "../../src/io/weights-json.js";

describe("encodeWeightsJSON", () => {
  it("keeps labels, the input description with its normaliser, and metadata in the config: rebuilt, it predicts the same bits", async () => {
    await init();
    const data = blobs(50, 3, 2, 4);
    const model = new MLP({ layers: [3, 4, 2], seed: 1, weightStd: 1, labels: ["no", "yes"], metadata: { v: 1 },
      input: { pixels: false, normalizer: Normalizer.fit(data) } });
    const json = JSON.parse(JSON.stringify(encodeWeightsJSON(model))) as ReturnType<typeof encodeWeightsJSON>;
    expect(json.config.labels).toEqual(["no", "yes"]);
    expect(json.config.input).toEqual({ pixels: false, normalizer: model.input.normalizer!.toJSON() });
    const back = createModel(json.config);
    back.setParameters(Float32Array.from(json.layers.flatMap((l) => [...l.weight.flat(), ...l.bias])));
    const x = data.x as Float32Array;
    expect(Buffer.from(back.predictProba(x).buffer).equals(Buffer.from(model.predictProba(x).buffer))).toBe(true);
  });

  it("gives each layer's weight rows and bias as plain nested arrays, with the config, that survive JSON", () => {
    const model = new MLP({ layers: [3, 2, 2] });
    const json = encodeWeightsJSON(model);
    expect(json.config).toEqual(model.config);
    expect(json.layers.map((l) => [l.weight.length, l.weight[0]!.length, l.bias.length])).toEqual([[2, 3, 2], [2, 2, 2]]);
    expect(json.layers[0]!.weight[1]![2]).toBe(model.getWeights()[0]!.weight[1 * 3 + 2]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
