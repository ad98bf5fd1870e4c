import { describe, expect, it } from "vitest";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";

describe("model.summary()", () => {
  it("lists d2l's MLP as Keras would: input, dense layers with shapes, activations and counts, then the totals", () => {
    expect(new MLP({ layers: [784, 256, 10] }).summary()).toBe([
      'Model: "mlp"',
      "___________________________________________________________________________",
      "Layer (type)      Output shape   Weights + bias        Activation   Param #",
      "===========================================================================",
      "input (Input)     (None, 784)    -                     -                  0",
      "dense (Dense)     (None, 256)    (256, 784) + (256,)   relu         200,960",
      "dense_1 (Dense)   (None, 10)     (10, 256) + (10,)     softmax        2,570",
      "===========================================================================",
      "Total params: 203,530 (795.04 KB)",
      "Trained on the logits; predict and predictProba apply the softmax.",
      "",
    ].join("\n"));
  });

  it("shows softmax regression as one dense layer of 7,850 parameters", () => {
    const text = new SoftmaxRegression({ inputs: 784, classes: 10 }).summary();
    expect(text.split("\n")[0]).toBe('Model: "softmax-regression"');
    expect(text).toContain("dense (Dense)   (None, 10)     (10, 784) + (10,)   softmax        7,850\n");
    expect(text).not.toContain("dense_1");
    expect(text).toContain("Total params: 7,850 (30.66 KB)\n");
  });

  it("names deeper layers dense_1, dense_2, … with ReLU between them and keeps the columns aligned", () => {
    const lines = new MLP({ layers: [12, 8, 6, 3] }).summary().split("\n");
    const rows = lines.filter((l) => l.startsWith("dense"));
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual(["dense (Dense)", "dense_1 (Dense)", "dense_2 (Dense)"]);
    expect(rows.map((r) => r.split(/\s{2,}/)[3])).toEqual(["relu", "relu", "softmax"]);
    expect(rows.map((r) => r.split(/\s+/).at(-1))).toEqual(["104", "54", "21"]);
    for (const row of [lines[2]!, ...rows]) expect(row.length).toBe(lines[1]!.length);
    expect(lines).toContain("Total params: 179 (716.00 B)");
  });

  it("writes sizes in 1024-based units, as Keras does", () => {
    expect(new MLP({ layers: [784, 2048, 10] }).summary()).toContain("Total params: 1,628,170 (6.21 MB)\n");
  });
});
