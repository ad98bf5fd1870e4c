// d2l's softmax regression on the real Fashion-MNIST: 10 epochs, batch 256, lr 0.1 → test accuracy ≈ 0.83.
// Runs by the rule in ../helpers/real-data.ts.
import { beforeAll, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import { loadFashionMNIST } from "../../src/data/fashion-mnist/node/load.js";
import type { Dataset } from "../../src/data/dataset.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import type { History } from "../../src/train/events.js";
import { FASHION_MNIST_DIR, describeRealData } from "../helpers/real-data.js";

describeRealData("d2l softmax regression on the real Fashion-MNIST", () => {
  let train: Dataset, test: Dataset;
  const results: Record<string, History> = {};
  beforeAll(async () => {
    ({ train, test } = await loadFashionMNIST({ dir: FASHION_MNIST_DIR }));
  });

  const d2l = async (backend: "wasm-simd" | "js") => {
    using runtime = await createRuntime({ backend });
    const model = new SoftmaxRegression({ inputs: 784, classes: 10, seed: 0 });
    const history = await fit(model, train, { epochs: 10, batchSize: 256, optimizer: new SGD({ lr: 0.1 }), validationData: test, runtime });
    results[backend] = history;
    return history;
  };

  it("reaches test accuracy ≥ 0.82 with wasm-simd, with d2l's learning curve", async () => {
    const history = await d2l("wasm-simd");
    const first = history.epochs[0]!, last = history.epochs[9]!;
    expect(history.backend).toBe("wasm-simd");
    expect(last.valAccuracy).toBeGreaterThanOrEqual(0.82);
    expect(last.valAccuracy).toBeLessThan(0.87);
    // d2l's figure: train loss ≈ 0.79 → 0.45, train acc ≈ 0.75 → 0.85 over the 10 epochs.
    expect(first.loss).toBeGreaterThan(0.7);
    expect(first.loss).toBeLessThan(0.9);
    expect(last.loss).toBeGreaterThan(0.4);
    expect(last.loss).toBeLessThan(0.5);
    expect(last.accuracy).toBeGreaterThan(0.83);
    for (let e = 1; e < 10; e++) expect(history.epochs[e]!.loss).toBeLessThan(history.epochs[e - 1]!.loss);
  }, 120_000);

  it("ends within 0.005 test accuracy of wasm-simd with the plain-TS backend", async () => {
    const history = await d2l("js");
    if (!results["wasm-simd"]) throw new Error("the wasm-simd run did not complete");
    const wasm = results["wasm-simd"].epochs[9]!.valAccuracy!, js = history.epochs[9]!.valAccuracy!;
    expect(Math.abs(wasm - js)).toBeLessThanOrEqual(0.005);
  }, 300_000);
});
