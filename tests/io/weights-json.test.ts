import { describe, expect, it } from "vitest";
import { MLP } from "../../src/model/models.js";
import { encodeWeightsJSON } from "../../src/io/weights-json.js";

describe("encodeWeightsJSON", () => {
  it("gives each layer's weight rows and bias as plain nested arrays, with the config, that survive JSON", () => {
    const model = new MLP({ layers: [3, 2, 2] });
    const json = encodeWeightsJSON(model);
    expect(json.config).toEqual(model.config);
    expect(json.layers.map((l) => [l.weight.length, l.weight[0]!.length, l.bias.length])).toEqual([[2, 3, 2], [2, 2, 2]]);
    expect(json.layers[0]!.weight[1]![2]).toBe(model.getWeights()[0]!.weight[1 * 3 + 2]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
