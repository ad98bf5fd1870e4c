// An imbalanced stream of the real Fashion-MNIST: Dress cut to 1 in 20 of its training examples, the data
// shuffled once and streamed in chunks of 1 000, each chunk trained once per pass and released. With classWeight
// "balanced" the cut class's recall on the (balanced) test set reaches 0.75, and overall accuracy does not fall
// below the unweighted run's. Runs by the rule in ../helpers/real-data.ts.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { loadFashionMNIST } from "../../src/data/fashion-mnist/node/load.js";
import type { Dataset } from "../../src/data/dataset.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { Trainer } from "../../src/train/trainer.js";
import type { TrainerOptions } from "../../src/train/trainer.js";
import { classificationReport } from "../../src/train/metrics.js";
import { Rng, permutation } from "../../src/util/random.js";
import { FASHION_MNIST_DIR, describeRealData } from "../helpers/real-data.js";

const DRESS = 3, CHUNK = 1000, PASSES = 2;

describeRealData("an imbalanced stream of the real Fashion-MNIST", () => {
  let stream: Dataset, test: Dataset, runtime: Runtime;
  beforeAll(async () => {
    const { train, test: t } = await loadFashionMNIST({ dir: FASHION_MNIST_DIR });
    let dresses = 0;
    const keep = Array.from(train.y).flatMap((y, i) => (y !== DRESS || dresses++ % 20 === 0 ? [i] : []));
    const order = permutation(keep.length, new Rng(7));
    stream = train.subset(Array.from(order, (k) => keep[k]!));
    test = t;
    runtime = await createRuntime({ backend: "wasm-simd", threads: 1 });
  });
  afterAll(() => runtime.close());

  async function streamed(options: TrainerOptions) {
    const model = new SoftmaxRegression({ inputs: 784, classes: 10, seed: 0 });
    using trainer = new Trainer(model, { optimizer: new SGD({ lr: 0.1 }), batchSize: 100, runtime, ...options });
    const inUse = new Set<number>();
    let epoch = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      for (let at = 0; at < stream.length; at += CHUNK) {
        const chunk = stream.subset(Array.from({ length: Math.min(CHUNK, stream.length - at) }, (_, k) => at + k));
        await trainer.trainEpoch(chunk, { epoch: ++epoch, release: true });
        if (chunk.length === CHUNK) inUse.add(runtime.bytesInUse);
      }
    }
    const report = classificationReport(model, test, { runtime });
    return { recall: report.classes[DRESS]!.recall, accuracy: report.accuracy, inUse };
  }

  it("lifts the cut class's recall to ≥ 0.75 with classWeight 'balanced', accuracy ≥ the unweighted run's, memory flat", async () => {
    expect(stream.length).toBe(54_300);
    const plain = await streamed({});
    const balanced = await streamed({ classWeight: "balanced" });
    expect(plain.recall).toBeLessThan(0.5);
    expect(balanced.recall).toBeGreaterThanOrEqual(0.75);
    expect(balanced.accuracy).toBeGreaterThanOrEqual(plain.accuracy);
    expect(balanced.inUse.size).toBe(1);
  }, 300_000);
});
