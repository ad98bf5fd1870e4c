// What the storage test asks of a page or a Web Worker: each task returns plain data (probabilities as numbers,
// errors as their fields), so the test compares bits and error reasons across reloads and contexts.
import { init, Dataset, MLP, SGD, fit, saveModel, loadModel, listModels, removeModel } from "wasm-softmax";

const PROBE = new Float32Array(Array.from({ length: 5 * 16 }, (_, i) => ((i * 7919) % 97) / 97));

async function trained(layers) {
  await init({ threads: 1 });
  const pixels = new Uint8Array(Array.from({ length: 30 * layers[0] }, (_, i) => (i * 131 + (i >> 4) * 17) % 256));
  const labels = Array.from({ length: 30 }, (_, i) => i % layers.at(-1));
  const model = new MLP({ layers, seed: 7 });
  await fit(model, Dataset.fromArrays(pixels, labels, { features: layers[0], classes: layers.at(-1) }),
    { epochs: 3, batchSize: 10, optimizer: new SGD({ lr: 0.2 }), seed: 1 });
  return model;
}

const probabilities = (model) => Array.from(model.predictProba(PROBE.subarray(0, 5 * model.config.layers[0])));

export const tasks = {
  // Trains a 16-8-3 MLP, keeps it at each location, and returns its probabilities on the probe inputs.
  async save(...locations) {
    const model = await trained([16, 8, 3]);
    for (const where of locations) await saveModel(model, where);
    return probabilities(model);
  },
  // Tries to keep a 784-256-10 MLP (814 KB) at `where`.
  async saveLarge(where) {
    await saveModel(await trained([784, 256, 10]), where);
    return "saved";
  },
  async load(where) {
    await init({ threads: 1 });
    return probabilities(await loadModel(where));
  },
  list: (prefix) => listModels(prefix),
  remove: (where) => removeModel(where),
};

/** Runs a task; a thrown error comes back as { error: { name, reason, action, message } }. */
export async function run(task, args) {
  try {
    return { value: await tasks[task](...args) };
  } catch (error) {
    return { error: { name: error.name, reason: error.reason, action: error.action, location: error.location, message: error.message } };
  }
}
