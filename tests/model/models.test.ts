// SoftmaxRegression and MLP: option validation, initial weights, the parameter block's layout, parameter access,
// and predict / predictProba against a float64 forward pass written out here.
import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/kernels/contract.js";
import { createRuntime, init } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression, createModel } from "../../src/model/models.js";
import type { MLPOptions, SoftmaxRegressionOptions } from "../../src/model/models.js";
import type { DenseNetwork, ModelConfig } from "../../src/model/network.js";
import { MAX_PARAMETERS, checkParameterCount, parameterCount } from "../../src/model/layout.js";
import { Dataset, U8_SCALE } from "../../src/data/dataset.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { expectClose } from "../helpers/close.js";
import { randomF32, randomI32, randomU8 } from "../../bench/shared/random.js";
import { optionError } from "../helpers/errors.js";

const BACKENDS = ["wasm-simd", "wasm", "js"] as const satisfies readonly Backend[];
const runtimes = new Map<Backend, Runtime>(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("model options", () => {
  const softmax = (o: Partial<SoftmaxRegressionOptions>) => () =>
    new SoftmaxRegression({ inputs: 784, classes: 10, ...o } as SoftmaxRegressionOptions);
  const mlp = (o: Partial<MLPOptions> | Record<string, unknown>) => () => new MLP({ layers: [784, 256, 10], ...o } as MLPOptions);

  it.each<[string, string, () => unknown]>([
    ["inputs 0", "inputs", softmax({ inputs: 0 })],
    ["inputs 1.5", "inputs", softmax({ inputs: 1.5 })],
    ["inputs −3", "inputs", softmax({ inputs: -3 })],
    ["inputs as a string", "inputs", softmax({ inputs: "784" as unknown as number })],
    ["inputs missing", "inputs", softmax({ inputs: undefined as unknown as number })],
    ["classes 1", "classes", softmax({ classes: 1 })],
    ["classes 2.5", "classes", softmax({ classes: 2.5 })],
    ["seed −1", "seed", softmax({ seed: -1 })],
    ["seed 2^32", "seed", softmax({ seed: 2 ** 32 })],
    ["seed 0.5", "seed", softmax({ seed: 0.5 })],
    ["seed NaN", "seed", softmax({ seed: NaN })],
    ["weightStd −1", "weightStd", softmax({ weightStd: -1 })],
    ["weightStd NaN", "weightStd", softmax({ weightStd: NaN })],
    ["weightStd Infinity", "weightStd", softmax({ weightStd: Infinity })],
    ["MLP layers []", "layers", mlp({ layers: [] })],
    ["MLP layers [784]", "layers", mlp({ layers: [784] })],
    ["MLP layers [784, 0, 10]", "layers[1]", mlp({ layers: [784, 0, 10] })],
    ["MLP layers [784, 256, 1]", "layers[2]", mlp({ layers: [784, 256, 1] })],
    ["MLP layers [784.5, 10]", "layers[0]", mlp({ layers: [784.5, 10] })],
    ["MLP layers as a string", "layers", mlp({ layers: "784,256,10" })],
    ["MLP layers as a typed array", "layers", mlp({ layers: new Int32Array([784, 256, 10]) })],
    ["MLP layers missing", "layers", mlp({ layers: undefined })],
    ["MLP activation tanh", "activation", mlp({ activation: "tanh" })],
    ["MLP seed −1", "seed", mlp({ seed: -1 })],
    ["MLP weightStd −1", "weightStd", mlp({ weightStd: -1 })],
  ])("rejects %s with an OptionError naming `%s`", (_label, option, make) => {
    const e = optionError(make);
    expect(e.option).toBe(option);
    expect(e.message).toMatch(new RegExp(`^Invalid ${option.replace(/[[\]]/g, "\\$&")}: expected .+, got .+\\.$`));
  });

  it("names the rule and the value in the message", () => {
    expect(optionError(softmax({ classes: 1 })).message).toBe("Invalid classes: expected an integer ≥ 2, got 1.");
    expect(optionError(softmax({ seed: 2 ** 32 })).message).toBe("Invalid seed: expected an integer in [0, 2^32), got 4294967296.");
    expect(optionError(mlp({ activation: "tanh" })).message).toBe('Invalid activation: expected one of "relu", got "tanh".');
    expect(optionError(mlp({ layers: [784, 0, 10] })).message).toBe("Invalid layers[1]: expected an integer ≥ 1, got 0.");
  });

  it("refuses an unknown option key, naming the nearest known one", () => {
    expect(optionError(() => new MLP({ layers: [4, 2], activaton: "relu" } as MLPOptions)).message)
      .toBe('Unknown MLP option "activaton". Did you mean "activation"?');
    expect(optionError(() => new MLP({ layer: [4, 2] } as unknown as MLPOptions)).message)
      .toBe('Unknown MLP option "layer". Did you mean "layers"?');
    expect(optionError(() => new SoftmaxRegression({ inputs: 4, classes: 2, weightstd: 0.1 } as SoftmaxRegressionOptions)).message)
      .toBe('Unknown SoftmaxRegression option "weightstd". Did you mean "weightStd"?');
    expect(optionError(() => new SoftmaxRegression({ inputs: 4, classes: 2, hidden: [3] } as SoftmaxRegressionOptions)).message)
      .toBe('Unknown SoftmaxRegression option "hidden". Known options: inputs, classes, seed, weightStd, labels, input, metadata.');
  });

  it("refuses options that are not an object", () => {
    expect(optionError(() => new MLP([4, 2] as unknown as MLPOptions)).message).toBe("Invalid MLP options: expected an object, got array(2).");
  });

  it("refuses a model over MAX_PARAMETERS with an OptionError naming the cap, before allocating anything", () => {
    const start = performance.now();
    const wide = optionError(() => new SoftmaxRegression({ inputs: 2 ** 31, classes: 10 }));
    expect(wide.option).toBe("model size");
    expect(wide.message).toBe("Invalid model size: expected at most 268435456 parameters (2^28, the cap that keeps a model within wasm32), " +
      `got ${2 ** 31 * 10 + 10}. Use fewer or narrower layers: the cap is 2^28 = 268435456 parameters.`);
    expect(optionError(() => new MLP({ layers: [784, 1e9, 10] })).message).toMatch(/^Invalid model size: expected at most 268435456 parameters .*, got 795000000010\./);
    expect(optionError(() => new MLP({ layers: [2 ** 52, 2 ** 52, 2] })).message).toMatch(/got Infinity|got \d/);
    expect(performance.now() - start).toBeLessThan(100);
    expect(MAX_PARAMETERS).toBe(2 ** 28);
  });

  it("counts parameters by arithmetic, with the cap itself allowed and one more refused", () => {
    expect(parameterCount([784, 256, 10])).toBe(784 * 256 + 256 + 256 * 10 + 10);
    expect(parameterCount([1, 2 ** 27])).toBe(2 ** 28);
    expect(checkParameterCount("layers", [1, 2 ** 27])).toBe(2 ** 28);
    expect(optionError(() => checkParameterCount("layers", [2, 2 ** 27 - 1])).option).toBe("layers");
    expect(new MLP({ layers: [3, 1, 2] }).size).toBe(parameterCount([3, 1, 2]));
  });

  it("rejects a missing options object with an OptionError rather than a TypeError", () => {
    expect(optionError(() => new SoftmaxRegression(undefined as unknown as SoftmaxRegressionOptions)).option).toBe("inputs");
    expect(optionError(() => new MLP(undefined as unknown as MLPOptions)).option).toBe("layers");
  });

  it("accepts the edges: seed 0 and 2^32 − 1, weightStd 0, one input, two classes, a hidden width of 1", () => {
    expect(new SoftmaxRegression({ inputs: 1, classes: 2, seed: 2 ** 32 - 1 }).size).toBe(4);
    expect(new SoftmaxRegression({ inputs: 3, classes: 2, weightStd: 0 }).getParameters().every((v) => v === 0)).toBe(true);
    expect(new MLP({ layers: [3, 1, 2] }).size).toBe(3 + 1 + 2 + 2);
  });

  it("createModel rebuilds a model from its config and rejects an unknown type", () => {
    const a = new MLP({ layers: [6, 5, 3], seed: 9, weightStd: 0.1 });
    const b = createModel(JSON.parse(JSON.stringify(a.config)) as ModelConfig);
    expect(b).toBeInstanceOf(MLP);
    expect(b.config).toEqual({ type: "mlp", layers: [6, 5, 3], activation: "relu", seed: 9, weightStd: 0.1 });
    expect(bits(b.getParameters()).equals(bits(a.getParameters()))).toBe(true);
    const s = createModel({ type: "softmax-regression", inputs: 4, classes: 3, seed: 2, weightStd: 0.01 });
    expect(s).toBeInstanceOf(SoftmaxRegression);
    expect(s.config).toEqual({ type: "softmax-regression", inputs: 4, classes: 3, seed: 2, weightStd: 0.01 });
    const e = optionError(() => createModel({ type: "cnn" } as unknown as ModelConfig));
    expect(e.option).toBe("model.type");
  });
});

describe("initial parameters", () => {
  it("softmax regression 784 → 10: biases exactly 0, weights with mean ≈ 0 and std ≈ 0.01", () => {
    const model = new SoftmaxRegression({ inputs: 784, classes: 10, seed: 0 });
    const [layer] = model.getWeights();
    expect(Array.from(layer!.bias)).toEqual(new Array(10).fill(0));
    const w = layer!.weight, n = w.length;
    expect(n).toBe(7840);
    const mean = w.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan(0.0005); // σ/√n ≈ 1.1e-4
    expect(Math.abs(std - 0.01)).toBeLessThan(0.0005); // σ/√(2n) ≈ 8e-5
    expect(w.filter((v) => v === 0).length).toBeLessThan(3);
  });

  it("MLP: every layer's biases are 0 and its weights have std ≈ weightStd", () => {
    const model = new MLP({ layers: [100, 64, 10], seed: 3, weightStd: 0.05 });
    for (const { weight, bias } of model.getWeights()) {
      expect(bias.every((v) => v === 0)).toBe(true);
      const std = Math.sqrt(weight.reduce((a, b) => a + b * b, 0) / weight.length);
      expect(Math.abs(std - 0.05)).toBeLessThan(0.005);
    }
  });

  it("is bit-identical for the same seed and different for another seed", () => {
    const a = new MLP({ layers: [20, 8, 4], seed: 5 }).getParameters();
    const b = new MLP({ layers: [20, 8, 4], seed: 5 }).getParameters();
    const c = new MLP({ layers: [20, 8, 4], seed: 6 }).getParameters();
    expect(bits(a).equals(bits(b))).toBe(true);
    expect(bits(a).equals(bits(c))).toBe(false);
    const s1 = new SoftmaxRegression({ inputs: 30, classes: 4, seed: 1 }).getParameters();
    const s2 = new SoftmaxRegression({ inputs: 30, classes: 4, seed: 2 }).getParameters();
    expect(s1.filter((v, i) => v !== 0 && v === s2[i]).length).toBe(0);
  });

  it("weightStd scales the same draws: weightStd 0.02 gives exactly twice the weights of 0.01", () => {
    const a = new SoftmaxRegression({ inputs: 50, classes: 5, seed: 8, weightStd: 0.01 }).getParameters();
    const b = new SoftmaxRegression({ inputs: 50, classes: 5, seed: 8, weightStd: 0.02 }).getParameters();
    expect(Array.from(b)).toEqual(Array.from(a, (v) => 2 * v));
  });
});

describe("parameter layout and access", () => {
  it("lays out [784, 256, 10] as W1, b1, W2, b2 in one block of 784·256 + 256 + 256·10 + 10 values", () => {
    const model = new MLP({ layers: [784, 256, 10] });
    expect(model.size).toBe(784 * 256 + 256 + 256 * 10 + 10);
    expect(model.size).toBe(203530);
    expect(model.layout).toEqual([
      { inputs: 784, outputs: 256, weight: 0, bias: 200704 },
      { inputs: 256, outputs: 10, weight: 200960, bias: 203520 },
    ]);
    expect(model.inputs).toBe(784);
    expect(model.classes).toBe(10);
    expect(model.getParameters().length).toBe(model.size);
  });

  it("lays out softmax regression as one weight (classes × inputs) then the bias", () => {
    const model = new SoftmaxRegression({ inputs: 784, classes: 10 });
    expect(model.size).toBe(7850);
    expect(model.layout).toEqual([{ inputs: 784, outputs: 10, weight: 0, bias: 7840 }]);
  });

  it("getWeights slices the block by the layout, and setParameters replaces it", () => {
    const model = new MLP({ layers: [3, 4, 2] });
    const values = Float32Array.from({ length: model.size }, (_, i) => i + 1);
    model.setParameters(values);
    values[0] = -1; // setParameters copies
    const [l1, l2] = model.getWeights();
    expect(l1).toEqual({ inputs: 3, outputs: 4, weight: Float32Array.from({ length: 12 }, (_, i) => i + 1), bias: Float32Array.from([13, 14, 15, 16]) });
    expect(l2).toEqual({ inputs: 4, outputs: 2, weight: Float32Array.from({ length: 8 }, (_, i) => i + 17), bias: Float32Array.from([25, 26]) });
  });

  it("getParameters and getWeights return copies the caller may change", () => {
    const model = new SoftmaxRegression({ inputs: 3, classes: 2 });
    const before = model.getParameters();
    model.getParameters().fill(5);
    model.getWeights()[0]!.weight.fill(5);
    expect(bits(model.getParameters()).equals(bits(before))).toBe(true);
  });

  it.each<[string, unknown]>([
    ["one value short", new Float32Array(7)],
    ["one value long", new Float32Array(9)],
    ["empty", new Float32Array(0)],
    ["a Float64Array of the right length", new Float64Array(8)],
    ["a plain array", [1, 2, 3, 4, 5, 6, 7, 8]],
  ])("setParameters rejects %s with a ShapeError and keeps the old values", (_label, values) => {
    const model = new SoftmaxRegression({ inputs: 3, classes: 2 });
    const before = model.getParameters();
    expect(() => model.setParameters(values as Float32Array)).toThrow(ShapeError);
    expect(() => model.setParameters(values as Float32Array)).toThrow(/^Invalid parameters: expected a Float32Array of 8 values, got .+\.$/);
    expect(bits(model.getParameters()).equals(bits(before))).toBe(true);
  });
});

/** Softmax probabilities of every row, in float64, from the model's own weights: the reference for predict. */
function forward64(model: DenseNetwork, x: ArrayLike<number>, rows: number): Float64Array[] {
  const layers = model.getWeights();
  const out: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    let a: Float64Array = Float64Array.from({ length: model.inputs }, (_, i) => x[r * model.inputs + i]!);
    layers.forEach(({ inputs, outputs, weight, bias }, l) => {
      const z = new Float64Array(outputs);
      for (let o = 0; o < outputs; o++) {
        let s = bias[o]!;
        for (let i = 0; i < inputs; i++) s += a[i]! * weight[o * inputs + i]!;
        z[o] = l < layers.length - 1 ? Math.max(s, 0) : s;
      }
      a = z;
    });
    const m = Math.max(...a), e = a.map((v) => Math.exp(v - m)), sum = e.reduce((p, q) => p + q, 0);
    out.push(e.map((v) => v / sum));
  }
  return out;
}

describe.each(BACKENDS)("predict and predictProba on the %s backend", (backend) => {
  const rt = runtimes.get(backend)!;
  const runtime = { runtime: rt };

  it("run on a runtime of that backend", () => {
    expect(rt.backend).toBe(backend);
  });

  const F = 12, C = 5, ROWS = 2500; // 1024 + 1024 + 452: three chunks, the last one partial
  const model = new MLP({ layers: [F, 9, C], seed: 21, weightStd: 0.6 });
  model.setParameters(Float32Array.from(model.getParameters(), (v, i) => {
    const isBias = model.layout.some(({ bias, outputs }) => i >= bias && i < bias + outputs);
    return isBias ? Math.fround(0.3 * Math.sin(i)) : v;
  }));
  const u8 = randomU8(ROWS * F, 31);
  const f32 = randomF32(ROWS * F, 32, -1, 2);
  const labels = randomI32(ROWS, C, 33);

  /** Each row's argmax in the f64 reference, or −1 where the top two are within `margin` (an f32 near-tie). */
  function clearArgmax(p: Float64Array[], margin = 1e-5): Int32Array {
    return Int32Array.from(p, (row) => {
      const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!);
      return row[order[0]!]! - row[order[1]!]! < margin ? -1 : order[0]!;
    });
  }

  function check(input: Uint8Array | Float32Array | Dataset, xs: ArrayLike<number>) {
    const proba = model.predictProba(input, runtime), classes = model.predict(input, runtime);
    expect(proba).toBeInstanceOf(Float32Array);
    expect(classes).toBeInstanceOf(Int32Array);
    expect(proba.length).toBe(ROWS * C);
    expect(classes.length).toBe(ROWS);
    const ref = forward64(model, xs, ROWS);
    expectClose(proba, ref.flatMap((row) => Array.from(row)), { atol: 2e-6, rtol: 1e-4, label: "probabilities" });
    for (let r = 0; r < ROWS; r++) {
      const sum = proba.subarray(r * C, r * C + C).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1), `row ${r} sums to 1`).toBeLessThan(1e-6);
    }
    const want = clearArgmax(ref);
    const checked = Array.from(want.keys()).filter((r) => want[r]! >= 0);
    expect(checked.length).toBeGreaterThan(ROWS * 0.99);
    expect(checked.map((r) => classes[r])).toEqual(checked.map((r) => want[r]));
    // The predictions are not all one class, so the comparison means something.
    expect(new Set(classes).size).toBeGreaterThan(2);
    return { proba, classes };
  }

  it("on Uint8Array pixels (scaled by 1/255 in f32) matches a float64 forward pass over 2500 rows", () => {
    check(u8, Float32Array.from(u8, (v) => Math.fround(v * U8_SCALE)));
  });

  it("on Float32Array features matches a float64 forward pass over 2500 rows", () => {
    check(f32, f32);
  });

  it("on a Dataset gives the same results as on its arrays", () => {
    const a = check(Dataset.fromArrays(f32, labels, { features: F, classes: C }), f32);
    expect(bits(a.proba).equals(bits(model.predictProba(f32, runtime)))).toBe(true);
    const b = model.predict(Dataset.fromArrays(u8, labels, { features: F, classes: C }), runtime);
    expect(Array.from(b)).toEqual(Array.from(model.predict(u8, runtime)));
  });

  it("gives each row the same answer whether it is predicted alone or inside a large batch", () => {
    const all = model.predictProba(f32, runtime);
    for (const r of [0, 1023, 1024, 2047, 2048, 2499]) {
      const one = model.predictProba(f32.subarray(r * F, (r + 1) * F), runtime);
      expectClose(one, all.subarray(r * C, (r + 1) * C), { atol: 1e-7, rtol: 1e-6, label: `row ${r}` });
    }
  });

  it("predicts softmax regression's classes as the argmax of x·Wᵀ + b", () => {
    const s = new SoftmaxRegression({ inputs: F, classes: C, seed: 3, weightStd: 1 });
    const ref = forward64(s, f32, ROWS);
    const want = clearArgmax(ref);
    const got = s.predict(f32, runtime);
    const checked = Array.from(want.keys()).filter((r) => want[r]! >= 0);
    expect(checked.map((r) => got[r])).toEqual(checked.map((r) => want[r]));
  });

  it("returns empty results for zero rows", () => {
    expect(model.predict(new Float32Array(0), runtime).length).toBe(0);
    expect(model.predictProba(new Uint8Array(0), runtime).length).toBe(0);
  });

  it.each([F - 1, F + 1, 2 * F + 5])("rejects an input of %i values (not whole rows of 12) with a ShapeError", (n) => {
    expect(() => model.predict(new Float32Array(n), runtime)).toThrow(ShapeError);
    expect(() => model.predictProba(new Uint8Array(n), runtime)).toThrow(/^Invalid inputs: expected a multiple of 12 values \(rows of 12\), got \d+ values\.$/);
  });

  it("rejects a Dataset with another number of features with a ShapeError", () => {
    const odd = Dataset.fromArrays(new Float32Array(13 * 4), new Int32Array(4), { features: 13, classes: C });
    expect(() => model.predict(odd, runtime)).toThrow(ShapeError);
    // 8 examples of 6 features are 48 values, a whole number of 12-value rows: still not this model's input.
    const half = Dataset.fromArrays(new Float32Array(6 * 8), new Int32Array(8), { features: 6, classes: C });
    expect(() => model.predict(half, runtime)).toThrow(ShapeError);
    expect(() => model.predictProba(half, runtime)).toThrow(ShapeError);
  });

  it("rejects inputs that are not arrays of numbers or a Dataset", () => {
    expect(optionError(() => model.predict("0,1,2" as unknown as Float32Array, runtime)).option).toBe("inputs");
    expect(optionError(() => model.predict(new Int32Array(F) as unknown as Float32Array, runtime)).option).toBe("inputs");
  });

  it("leaves the parameters unchanged", () => {
    const before = model.getParameters();
    model.predictProba(u8, runtime);
    expect(bits(model.getParameters()).equals(bits(before))).toBe(true);
  });

  it("keeps only the model's parameters in kernel memory between calls, refused ones included", () => {
    const fresh = new SoftmaxRegression({ inputs: F, classes: C, seed: 4 });
    const before = rt.bytesInUse;
    fresh.predict(u8, runtime);
    const held = rt.bytesInUse;
    // One block of its parameters, rounded up to 64 bytes.
    expect(held - before).toBe(Math.ceil((fresh.size * 4) / 64) * 64);
    for (let i = 0; i < 5; i++) fresh.predictProba(u8, runtime);
    expect(() => fresh.predict(new Float32Array(F + 1), runtime)).toThrow(ShapeError);
    expect(rt.bytesInUse).toBe(held);
  });
});

describe("predict options", () => {
  const model = new SoftmaxRegression({ inputs: 2, classes: 2, seed: 1, weightStd: 1 });
  const x = new Float32Array([1, 0, 0, 1, 0.5, -2]);

  it("without a runtime runs on the default one init() set up, with the same results", async () => {
    await init();
    const js = runtimes.get("js")!;
    expect(Array.from(model.predict(x))).toEqual(Array.from(model.predict(x, { runtime: js })));
    expectClose(model.predictProba(x), model.predictProba(x, { runtime: js }), { atol: 1e-7, rtol: 1e-6 });
  });

  it("refuses an unknown option key listing the known one, and a runtime that is not one", () => {
    expect(optionError(() => model.predict(x, { runtim: runtimes.get("js") } as never)).message)
      .toBe('Unknown predict option "runtim". Known options: runtime.');
    expect(optionError(() => model.predictProba(x, { runtime: "js" } as never)).message)
      .toBe('Invalid runtime: expected a Runtime from createRuntime(), got "js".');
  });
});
