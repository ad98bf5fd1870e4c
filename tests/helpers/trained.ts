import { loadFashionMNIST } from "../../src/data/fashion-mnist/node/load.js";
import type { Dataset } from "../../src/data/dataset.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { blobs } from "./data.js";
import { FASHION_MNIST_DIR, realData } from "./real-data.js";

export interface TrainedModels {
  /** "Fashion-MNIST" (the Debian package's files) or "generated" (learnable blobs of 784 pixels). */
  source: string;
  test: Dataset;
  softmax: SoftmaxRegression;
  /** Two hidden layers: 784-64-32-10. */
  mlp: MLP;
}

/**
 * 6000 training and 2000 test images: the first of the real Fashion-MNIST by the rule in ./real-data.ts, else
 * generated ones. The suites using them check that exported models agree with the trained ones, not accuracy, so
 * learnable generated images serve them as well where the real data is absent.
 */
export async function dataSets(): Promise<{ source: string; train: Dataset; test: Dataset }> {
  if (!realData) return { source: "generated", train: blobs(6000, 784, 10, 1, true), test: blobs(2000, 784, 10, 2, true) };
  const data = await loadFashionMNIST({ dir: FASHION_MNIST_DIR });
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  return { source: "Fashion-MNIST", train: data.train.subset(first(6000)), test: data.test.subset(first(2000)) };
}

/**
 * Softmax regression and a 2-hidden-layer MLP, each trained for 282 steps (3 epochs of `dataSets()`' 6000
 * training images, batch 64), with its 2000 test images.
 */
export async function trainedModels(): Promise<TrainedModels> {
  const { source, train, test } = await dataSets();
  const softmax = new SoftmaxRegression({ inputs: 784, classes: 10, seed: 1 });
  const mlp = new MLP({ layers: [784, 64, 32, 10], seed: 2, weightStd: 0.1 });
  for (const model of [softmax, mlp]) {
    await fit(model, train, { epochs: 3, batchSize: 64, optimizer: new SGD({ lr: 0.1 }), seed: 3 });
  }
  return { source, test, softmax, mlp };
}

/** The fraction of rows whose class is the label. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return right / labels.length;
}
