// d2l's multilayer perceptron (784-256-10, ReLU, N(0, 0.01²) weights, SGD lr 0.1, batch 256, 10 epochs) on the real
// Fashion-MNIST, and its smaller model files (f16, int8). Runs by the rule in ../helpers/real-data.ts.
import { expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import { loadFashionMNIST } from "../../src/data/fashion-mnist/node/load.js";
import { MLP } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { decodeModel, encodeModel } from "../../src/io/checkpoint.js";
import { FASHION_MNIST_DIR, describeRealData } from "../helpers/real-data.js";

describeRealData("d2l's MLP on the real Fashion-MNIST (wasm-simd)", () => {
  it("reaches test accuracy ≥ 0.85 after 10 epochs, with the training loss falling epoch by epoch at first", async () => {
    using runtime = await createRuntime({ backend: "wasm-simd" });
    const { train, test } = await loadFashionMNIST({ dir: FASHION_MNIST_DIR });
    expect(train.length).toBe(60000);
    expect(test.length).toBe(10000);
    const model = new MLP({ layers: [784, 256, 10], seed: 0 });
    const history = await fit(model, train, {
      epochs: 10, batchSize: 256, optimizer: new SGD({ lr: 0.1 }), validationData: test, runtime,
    });
    expect(history.backend).toBe("wasm-simd");
    expect(history.stopped).toBe("completed");
    expect(history.epochs).toHaveLength(10);
    const loss = history.epochs.map((e) => e.loss);
    for (let e = 1; e < 4; e++) expect(loss[e]!, `epoch ${e + 1} loss below epoch ${e}`).toBeLessThan(loss[e - 1]!);
    expect(loss[9]!).toBeLessThan(loss[0]! * 0.6);
    const last = history.epochs[9]!;
    expect(last.valAccuracy!).toBeGreaterThanOrEqual(0.85);
    expect(last.accuracy).toBeGreaterThan(0.85);
    // The model's own predictions agree with the figure fit reported.
    const predicted = model.predict(test, { runtime });
    const acc = predicted.reduce((n, p, i) => n + (p === test.y[i] ? 1 : 0), 0) / test.length;
    expect(Math.abs(acc - last.valAccuracy!)).toBeLessThan(1e-9);
    // Saved as f16 or int8 and read back, it loses at most half a point of test accuracy (int8: the README's promise).
    for (const dtype of ["f16", "int8"] as const) {
      const smaller = decodeModel(encodeModel(model, { dtype })).predict(test, { runtime });
      const smallerAcc = smaller.reduce((n, p, i) => n + (p === test.y[i] ? 1 : 0), 0) / test.length;
      expect(acc - smallerAcc, `${dtype}: ${smallerAcc} against ${acc}`).toBeLessThanOrEqual(0.005);
    }
    expect(model.labels).toEqual(train.classNames);
  }, 300_000);
});
