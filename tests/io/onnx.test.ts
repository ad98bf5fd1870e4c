// The ONNX export, checked by the runtime users will run it with: onnxruntime-web (its wasm backend, in Node).
import * as ort from "onnxruntime-web";
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import type { DenseNetwork } from "../../src/model/network.js";
import { Dataset, U8_SCALE } from "../../src/data/dataset.js";
import { Normalizer } from "../../src/data/normalizer.js";
import { fit } from "../../src/train/fit.js";
import { Adam } from "../../src/optim/optimizer.js";
import { encodeONNX } from "../../src/io/onnx.js";
import { OptionError } from "../../src/errors.js";
import { expectClose } from "../helpers/close.js";
import { optionError } from "../helpers/errors.js";
import { all, msg, num, str } from "../helpers/protobuf.js";
import { accuracy, trainedModels } from "../helpers/trained.js";
import { blobs } from "../helpers/data.js";
import type { TrainedModels } from "../helpers/trained.js";

// One thread: no worker threads in the test process, and the machine's cores stay with the other tests.
ort.env.wasm.numThreads = 1;

async function run(bytes: Uint8Array, input: ort.Tensor): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual(["input"]);
    expect(session.outputNames).toEqual(["probabilities"]);
    return (await session.run({ input }))["probabilities"]!;
  } finally {
    await session.release();
  }
}

const argmaxRows = (p: ArrayLike<number>, C: number) =>
  Int32Array.from({ length: p.length / C }, (_, r) => {
    let best = 0;
    for (let c = 1; c < C; c++) if (p[r * C + c]! > p[r * C + best]!) best = c;
    return best;
  });

let m: TrainedModels;

beforeAll(async () => {
  await init();
  m = await trainedModels();
}, 120_000);

describe("encodeONNX, run by onnxruntime-web", () => {
  it.each(["softmax", "mlp"] as const)(
    "%s: gives predictProba's probabilities within 1e-5 and the same classes on 2000 test images",
    async (which) => {
      const model = m[which], { test } = m;
      // The inputs predict sees: pixels times the f32 constant 1/255.
      const x = Float32Array.from(test.x, (v) => Math.fround(v * U8_SCALE));
      const out = await run(encodeONNX(model), new ort.Tensor("float32", x, [test.length, 784]));
      expect(out.dims).toEqual([test.length, 10]);
      const probabilities = out.data as Float32Array;
      expectClose(probabilities, model.predictProba(test), { atol: 1e-5, rtol: 0, label: `${which} on ${m.source}` });
      const predicted = model.predict(test);
      expect(Array.from(argmaxRows(probabilities, 10))).toEqual(Array.from(predicted));
      // A trained model, not a uniform one: the comparison covers confident and unsure rows alike.
      expect(accuracy(predicted, test.y)).toBeGreaterThan(0.7);
    },
  );

  it('with input "uint8" takes raw pixels and scales them in the graph, as predict does with a Uint8Array', async () => {
    const { mlp, test } = m;
    const x = test.x.subarray(0, 500 * 784) as Uint8Array;
    const out = await run(encodeONNX(mlp, { input: "uint8" }), new ort.Tensor("uint8", x, [500, 784]));
    expectClose(out.data as Float32Array, mlp.predictProba(x), { atol: 1e-5, rtol: 0 });
  });

  it("with imageShape takes [N, 1, 28, 28] images and flattens them in the graph", async () => {
    const { softmax, test } = m;
    const x = Float32Array.from(test.x.subarray(0, 100 * 784), (v) => Math.fround(v * U8_SCALE));
    const out = await run(encodeONNX(softmax, { imageShape: [28, 28] }), new ort.Tensor("float32", x, [100, 1, 28, 28]));
    expectClose(out.data as Float32Array, softmax.predictProba(x), { atol: 1e-5, rtol: 0 });
  });

  it("accepts a batch of any size: the batch dimension is symbolic", async () => {
    const model = new MLP({ layers: [5, 4, 3], seed: 1, weightStd: 1 });
    const bytes = encodeONNX(model);
    for (const n of [1, 7]) {
      const x = Float32Array.from({ length: n * 5 }, (_, i) => (i % 11) / 10);
      const out = await run(bytes, new ort.Tensor("float32", x, [n, 5]));
      expect(out.dims).toEqual([n, 3]);
      expectClose(out.data as Float32Array, model.predictProba(x), { atol: 1e-6, rtol: 0 });
    }
  });
});

/** Blobs moved far from the origin and stretched per feature, as raw sensor readings are: a normaliser matters. */
function rawFeatures(n: number, seed: number): Dataset {
  const data = blobs(n, 6, 3, seed);
  const x = Float32Array.from(data.x, (v, i) => Math.fround(v * (1 + (i % 6) * 40) + 1000 - 300 * (i % 6)));
  return Dataset.fromArrays(x, data.y, { features: 6, classes: 3 });
}

describe("encodeONNX of a model with a normaliser, run by onnxruntime-web on raw inputs", () => {
  it.each(["standard", "minmax"] as const)(
    "a %s normaliser is part of the graph: predictProba's probabilities within 1e-5 and the same classes",
    async (kind) => {
      const data = rawFeatures(900, 1), range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
      const train = data.subset(range(0, 600)), test = data.subset(range(600, 900));
      const model = new MLP({ layers: [6, 16, 3], seed: 4, input: { normalizer: Normalizer.fit(train, { kind }) } });
      await fit(model, train, { epochs: 5, batchSize: 32, optimizer: new Adam({ lr: 0.01 }), seed: 1 });
      const x = test.x as Float32Array;
      const out = await run(encodeONNX(model), new ort.Tensor("float32", x, [test.length, 6]));
      const probabilities = out.data as Float32Array, predicted = model.predict(x);
      expectClose(probabilities, model.predictProba(x), { atol: 1e-5, rtol: 0, label: kind });
      expect(Array.from(argmaxRows(probabilities, 3))).toEqual(Array.from(predicted));
      expect(accuracy(predicted, test.y)).toBeGreaterThan(0.8);
      // Without the normaliser the same weights would see features in the hundreds: the graph's Sub and Div matter.
      const bare = new MLP({ layers: [6, 16, 3] });
      bare.setParameters(model.getParameters());
      expect(Array.from(bare.predict(x))).not.toEqual(Array.from(predicted));
    },
  );

  it('a pixel model\'s normaliser comes after the 1/255 scale: input "uint8" gives predictProba\'s probabilities of the Uint8Array', async () => {
    const train = blobs(400, 12, 3, 5, true), test = blobs(200, 12, 3, 6, true); // other prototypes: any inputs will do
    const model = new SoftmaxRegression({ inputs: 12, classes: 3, input: { normalizer: Normalizer.fit(train) } });
    await fit(model, train, { epochs: 3, batchSize: 32, seed: 2 });
    expect(model.input.pixels).toBe(true);
    const x = test.x as Uint8Array;
    const out = await run(encodeONNX(model, { input: "uint8" }), new ort.Tensor("uint8", x, [test.length, 12]));
    expectClose(out.data as Float32Array, model.predictProba(x), { atol: 1e-5, rtol: 0 });
    const scaled = Float32Array.from(x, (v) => Math.fround(v * U8_SCALE));
    const asFloats = await run(encodeONNX(model), new ort.Tensor("float32", scaled, [test.length, 12]));
    expectClose(asFloats.data as Float32Array, model.predictProba(scaled), { atol: 1e-5, rtol: 0 });
  });
});

describe("encodeONNX's graph of a model that carries its meaning", () => {
  const offset = [0.5, -2, 3, 0], spread = [2, 0, 0.25, 1];
  const model = new SoftmaxRegression({
    inputs: 4, classes: 3, seed: 2, labels: ["cat", "dog", "bird"], metadata: { source: "tests", version: 2 },
    input: { pixels: true, normalizer: { kind: "minmax", offset, spread } },
  });
  const bytes = encodeONNX(model, { input: "uint8" });
  const graph = msg(bytes, 7)[0]!;

  it("casts, scales, subtracts the offsets and divides by the spreads (1 for a constant feature) before the first Gemm", () => {
    const nodes = msg(graph, 1);
    expect(nodes.map((n) => str(n, 4)[0])).toEqual(["Cast", "Mul", "Sub", "Div", "Gemm", "Softmax"]);
    expect(str(nodes[2]!, 1)).toEqual(["scaled", "normalizer.offset"]);
    expect(str(nodes[3]!, 1)).toEqual(["centred", "normalizer.divisor"]);
    expect(str(nodes[4]!, 1)[0]).toBe("normalized");
    const initializer = (name: string) => {
      const t = msg(graph, 5).find((i) => str(i, 8)[0] === name)!;
      expect(all(t, 1).map((f) => (f.wire === 0 ? f.value : NaN))).toEqual([4]);
      const raw = msg(t, 9)[0]!;
      return Array.from(new Float32Array(raw.slice().buffer));
    };
    expect(initializer("normalizer.offset")).toEqual(offset);
    expect(initializer("normalizer.divisor")).toEqual([2, 1, 0.25, 1]);
  });

  it("keeps the labels and the user metadata as JSON in metadata_props", () => {
    const props = Object.fromEntries(msg(bytes, 14).map((p) => [str(p, 1)[0], str(p, 2)[0]]));
    expect(props).toEqual({ labels: '["cat","dog","bird"]', metadata: '{"source":"tests","version":2}' });
    expect(msg(encodeONNX(new SoftmaxRegression({ inputs: 4, classes: 3 })), 14)).toEqual([]);
  });
});

describe("encodeONNX's graph", () => {
  const model = new MLP({ layers: [6, 5, 4, 3], seed: 3 });
  const bytes = encodeONNX(model);
  const graph = msg(bytes, 7)[0]!;
  const nodes = msg(graph, 1);

  it("is IR version 7 at opset 13 of the default domain", () => {
    expect(num(bytes, 1)).toBe(7);
    const [opset] = msg(bytes, 8);
    expect(str(opset!, 1)).toEqual([""]);
    expect(num(opset!, 2)).toBe(13);
  });

  it("chains Gemm (transB = 1) and Relu, and ends in a Softmax over axis 1", () => {
    expect(nodes.map((n) => str(n, 4)[0])).toEqual(["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"]);
    for (const n of nodes.filter((n) => str(n, 4)[0] === "Gemm")) {
      const attributes = msg(n, 5);
      expect(attributes.map((a) => str(a, 1)[0])).toEqual(["transB"]);
      expect(num(attributes[0]!, 3)).toBe(1);
    }
    // Each node reads the previous node's output.
    nodes.slice(1).forEach((n, i) => expect(str(n, 1)[0]).toBe(str(nodes[i]!, 2)[0]));
    expect(str(nodes[0]!, 1)).toEqual(["input", "1.weight", "1.bias"]);
    expect(str(nodes[5]!, 2)).toEqual(["probabilities"]);
    expect(num(msg(nodes[5]!, 5)[0]!, 3)).toBe(1);
  });

  it("stores the weights as (outputs, inputs) initializers named as PyTorch names them, bit for bit", () => {
    const initializers = msg(graph, 5);
    expect(initializers.map((t) => str(t, 8)[0])).toEqual(["1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"]);
    const dims = initializers.map((t) => all(t, 1).map((f) => (f.wire === 0 ? f.value : NaN)));
    expect(dims).toEqual([[5, 6], [5], [4, 5], [4], [3, 4], [3]]);
    const params = model.getParameters();
    const raw = new Uint8Array(initializers.flatMap((t) => Array.from(msg(t, 9)[0]!)));
    expect(Buffer.from(raw).equals(Buffer.from(params.buffer))).toBe(true);
    expect(initializers.map((t) => num(t, 2))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("declares input [N, inputs] and output [N, classes] as float32", () => {
    const shape = (valueInfo: Uint8Array) => {
      const tensor = msg(msg(valueInfo, 2)[0]!, 1)[0]!;
      expect(num(tensor, 1)).toBe(1);
      return msg(msg(tensor, 2)[0]!, 1).map((d) => num(d, 1) ?? str(d, 2)[0]);
    };
    expect(str(msg(graph, 11)[0]!, 1)).toEqual(["input"]);
    expect(shape(msg(graph, 11)[0]!)).toEqual(["N", 6]);
    expect(shape(msg(graph, 12)[0]!)).toEqual(["N", 3]);
  });
});

describe("encodeONNX refuses", () => {
  const real = new MLP({ layers: [4, 3, 2] });
  const fake = (overrides: Partial<Record<keyof DenseNetwork, unknown>>) =>
    ({ config: real.config, layers: real.layers, layout: real.layout, size: real.size,
      getParameters: () => { throw new Error("read the parameters before checking the model"); }, ...overrides }) as unknown as DenseNetwork;

  it("a model of another type, naming it", () => {
    const error = optionError(() => encodeONNX(fake({ config: { type: "cnn" } })));
    expect(error.message).toBe('Invalid model: expected a softmax-regression or mlp model (what ONNX export supports), got "a model of type \\"cnn\\"".');
  });

  it("an activation other than ReLU, naming it", () => {
    const error = optionError(() => encodeONNX(fake({ config: { ...real.config, activation: "tanh" } })));
    expect(error.message).toBe('Invalid model activation: expected "relu" (what ONNX export supports), got "tanh".');
  });

  it("a parameter layout that is not dense layers chained weight then bias", () => {
    const layout = [real.layout[0]!, { ...real.layout[1]!, weight: real.layout[1]!.weight + 1 }];
    expect(optionError(() => encodeONNX(fake({ layout }))).option).toBe("model layout");
    expect(optionError(() => encodeONNX(fake({ size: real.size + 1 }))).option).toBe("model layout");
    expect(optionError(() => encodeONNX(fake({ layers: [4, 3, 3] }))).option).toBe("model layout");
  });

  it("a model too big for one protobuf (2 GB), before reading its parameters", () => {
    const layers = [2 ** 15, 2 ** 14, 2];
    const layout = [{ inputs: 2 ** 15, outputs: 2 ** 14, weight: 0, bias: 2 ** 29 }, { inputs: 2 ** 14, outputs: 2, weight: 2 ** 29 + 2 ** 14, bias: 2 ** 29 + 2 ** 14 + 2 ** 15 }];
    const size = 2 ** 29 + 2 ** 14 + 2 ** 15 + 2;
    const error = optionError(() => encodeONNX(fake({ config: { ...real.config, layers }, layers, layout, size })));
    expect(error.message).toMatch(/^Invalid model: expected at most \d+ parameters \(a protobuf holds 2 GB\), got "536920066 parameters"\. Export it with encodeSafetensors instead\.$/);
  });

  it.each([
    ["an unknown input type", { input: "int8" }, "input"],
    ["an imageShape whose area is not the inputs", { imageShape: [2, 3] }, "imageShape"],
    ["an imageShape that is not two integers", { imageShape: [4] }, "imageShape"],
    ["an imageShape of fractions", { imageShape: [0.5, 8] }, "imageShape"],
    ["an unknown key", { imageshape: [2, 2] }, "imageshape"],
    ["options that are not an object", "uint8", "encodeONNX options"],
  ])("%s", (_, options, option) => {
    const error = optionError(() => encodeONNX(new SoftmaxRegression({ inputs: 4, classes: 2 }), options as never));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.option).toBe(option);
  });

  it('input "uint8" for a model of float features, which a graph scaling by 1/255 would silently get wrong', () => {
    const model = new SoftmaxRegression({ inputs: 4, classes: 2, input: { pixels: false } });
    const error = optionError(() => encodeONNX(model, { input: "uint8" }));
    expect(error.message).toBe('Invalid input: expected "float32" (this model\'s inputs are features, input.pixels false), ' +
      'got "uint8". Leave input out: the graph then takes the float features the model was trained on.');
  });

  it("lists the known options for an unknown key", () => {
    expect(optionError(() => encodeONNX(new SoftmaxRegression({ inputs: 4, classes: 2 }), { imageshape: [2, 2] } as never)).message)
      .toBe('Unknown encodeONNX option "imageshape". Known options: input, imageShape.');
  });
});
