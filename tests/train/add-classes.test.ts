// Going on with a trained model: continuing training from a checkpoint with its optimizer state, and adding a class
// with everything learnt kept bit for bit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import { Trainer } from "../../src/train/trainer.js";
import { fit } from "../../src/train/fit.js";
import { addClasses } from "../../src/train/add-classes.js";
import { decodeCheckpoint, encodeCheckpoint, encodeModel, decodeModel } from "../../src/io/checkpoint.js";
import { OptionError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { optionError } from "../helpers/errors.js";

let one: Runtime, two: Runtime;
beforeAll(async () => {
  one = await createRuntime({ backend: "wasm-simd", threads: 1 });
  two = await createRuntime({ backend: "wasm-simd", threads: 2 });
});
afterAll(() => { one.close(); two.close(); });

const bits = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer).toString("hex");
const four = blobs(320, 20, 4, 8);
const three = four.subset(Array.from(four.y).flatMap((y, i) => (y < 3 ? [i] : [])));

describe("continuing training from a checkpoint", () => {
  it("gives the bits of an uninterrupted run when the checkpoint holds the optimizer, even on another thread count", async () => {
    const epochs = async (trainer: Trainer, from: number, to: number) => {
      for (let epoch = from; epoch <= to; epoch++) await trainer.trainEpoch(four, { epoch, seed: 1 });
    };
    const straight = new MLP({ layers: [20, 12, 4], seed: 2 });
    { using trainer = new Trainer(straight, { optimizer: new Adam({ lr: 0.01 }), batchSize: 16, runtime: one }); await epochs(trainer, 1, 3); }

    const first = new MLP({ layers: [20, 12, 4], seed: 2 }), optimizer = new Adam({ lr: 0.01 });
    { using trainer = new Trainer(first, { optimizer, batchSize: 16, runtime: one }); await epochs(trainer, 1, 2); }
    const saved = decodeCheckpoint(encodeCheckpoint({ model: first, optimizer }));
    { using trainer = new Trainer(saved.model, { optimizer: saved.optimizer!, batchSize: 16, runtime: two }); await epochs(trainer, 3, 3); }
    expect(bits(saved.model.getParameters())).toBe(bits(straight.getParameters()));
  });
});

describe("addClasses", () => {
  async function trained() {
    const model = new MLP({ layers: [20, 12, 3], seed: 4 }), optimizer = new Adam({ lr: 0.01 });
    const data = (await import("../../src/data/dataset.js")).Dataset.fromArrays(three.x, three.y, { features: 20, classes: 3 });
    await fit(model, data, { optimizer, epochs: 2, batchSize: 16, runtime: one });
    return { model, optimizer };
  }

  it("keeps every trained parameter bit for bit and starts the new rows as a wider model of the same seed would", async () => {
    const { model, optimizer } = await trained();
    const grown = addClasses(decodeCheckpoint(encodeCheckpoint({ model, optimizer })), 1);
    expect(grown.model.layers).toEqual([20, 12, 4]);
    const before = model.getParameters(), after = grown.model.getParameters(), fresh = new MLP({ layers: [20, 12, 4], seed: 4 }).getParameters();
    const [hidden, out] = model.layout, [, wide] = grown.model.layout;
    expect(bits(after.subarray(0, out!.weight))).toBe(bits(before.subarray(0, out!.weight)));
    expect(hidden!.weight).toBe(0);
    // The first three output rows and biases as trained; the fourth row as the wider fresh model has it, bias 0.
    expect(bits(after.subarray(wide!.weight, wide!.weight + 3 * 12))).toBe(bits(before.subarray(out!.weight, out!.bias)));
    expect(bits(after.subarray(wide!.bias, wide!.bias + 3))).toBe(bits(before.subarray(out!.bias, out!.bias + 3)));
    expect(bits(after.subarray(wide!.weight + 3 * 12, wide!.bias))).toBe(bits(fresh.subarray(wide!.weight + 3 * 12, wide!.bias)));
    expect(after[wide!.bias + 3]).toBe(0);
    // Adam's moments: the old ones kept, zeros for the new parameters; the step count carries on.
    expect(grown.optimizer.steps).toBe(optimizer.steps);
    expect(grown.optimizer.config).toEqual(optimizer.config);
    const m = grown.optimizer.state!, old = optimizer.state!;
    expect(m.length).toBe(2 * grown.model.size);
    expect(bits(m.subarray(grown.model.size, grown.model.size + out!.weight))).toBe(bits(old.subarray(model.size, model.size + out!.weight)));
    expect(Array.from(m.subarray(wide!.weight + 36, wide!.bias)).every((v) => v === 0)).toBe(true);
  });

  it("trains the grown model on four classes, learning the new one", async () => {
    const grown = addClasses(await trained(), 1);
    const history = await fit(grown.model, four, { optimizer: grown.optimizer, epochs: 8, batchSize: 16, runtime: one });
    expect(history.epochs.at(-1)!.accuracy).toBeGreaterThan(0.9);
    const test = blobs(640, 20, 4, 8).subset(Array.from({ length: 320 }, (_, i) => 320 + i));
    const predicted = grown.model.predict(test, { runtime: one });
    const right = Array.from(test.y).filter((y, i) => y === 3 && predicted[i] === 3).length;
    expect(right / Array.from(test.y).filter((y) => y === 3).length).toBeGreaterThan(0.8);
  });

  it("grows softmax regression and SGD with momentum the same way, and a fresh optimizer without state", () => {
    const model = new SoftmaxRegression({ inputs: 5, classes: 2, seed: 9 });
    model.setParameters(Float32Array.from({ length: model.size }, (_, i) => i + 1));
    const grown = addClasses({ model, optimizer: new SGD({ lr: 0.1, momentum: 0.9 }) }, 2);
    expect(grown.model.classes).toBe(4);
    const p = grown.model.getParameters();
    expect(Array.from(p.subarray(0, 10))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(Array.from(p.subarray(20, 22))).toEqual([11, 12]);
    expect(grown.optimizer.state).toBeUndefined();
  });

  it("refuses a checkpoint without optimizer state with a hint, and a count that is not an integer ≥ 1", () => {
    const model = new SoftmaxRegression({ inputs: 5, classes: 2 });
    const error = optionError(() => addClasses(decodeCheckpoint(encodeCheckpoint({ model }))));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.option).toBe("optimizer");
    expect(error.hint).toContain("encodeCheckpoint({ model, optimizer })");
    expect(optionError(() => addClasses({ model: decodeModel(encodeModel(model)), optimizer: new Adam() }, 0)).option).toBe("count");
  });
});

describe("adding classes to a model that names its classes", () => {
  const named = () => new SoftmaxRegression({ inputs: 20, classes: 3, labels: ["cat", "dog", "owl"], metadata: { app: "pets" } });

  it("appends the new classes' names and keeps the rest of what the model knows", () => {
    const { model } = addClasses({ model: named(), optimizer: new SGD({ lr: 0.1 }) }, 1, { labels: ["fox"] });
    expect(model.classes).toBe(4);
    expect(model.labels).toEqual(["cat", "dog", "owl", "fox"]);
    expect(model.metadata).toEqual({ app: "pets" });
  });

  it("refuses new labels that are missing, of the wrong count, or given to a model without names", () => {
    const optimizer = new SGD({ lr: 0.1 });
    expect(optionError(() => addClasses({ model: named(), optimizer }, 1)).message).toContain("the names of the 1 new class(es)");
    expect(optionError(() => addClasses({ model: named(), optimizer }, 2, { labels: ["fox"] })).message).toContain("the names of the 2 new class(es)");
    expect(optionError(() => addClasses({ model: new SoftmaxRegression({ inputs: 20, classes: 3 }), optimizer }, 1, { labels: ["fox"] })).message)
      .toContain("no labels (the model has no class names)");
  });
});
