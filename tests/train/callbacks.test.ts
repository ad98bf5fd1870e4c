import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/wasm/init.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/train.js";
import type { TrainEvent } from "../../src/train/train.js";
import { earlyStopping, progressLogger } from "../../src/train/callbacks.js";
import { OptionError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { optionError } from "../helpers/errors.js";

describe("callbacks", () => {
  beforeAll(async () => { await init(); });
  const all = blobs(300, 6, 3, 5);

  it("early stopping stops after `patience` epochs without improvement and restores the best weights", async () => {
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    // A rate far too high makes the validation loss bounce, so improvement stops early.
    const stopper = earlyStopping({ monitor: "valLoss", patience: 1 });
    const snapshots = new Map<number, Float32Array>();
    const history = await fit(model, all, {
      epochs: 30, batchSize: 32, optimizer: new SGD({ lr: 50 }), validationSplit: 0.2,
      callbacks: [(e) => { if (e.phase === "epoch") snapshots.set(e.epoch, e.model.getParameters()); }, stopper],
    });
    const losses = history.epochs.map((e) => e.valLoss!);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(history.stopped).toBe("callback");
    expect(stopper.bestEpoch()).toBe(best);
    expect(history.epochs).toHaveLength(best + 2); // one epoch of patience, stopped on the next
    expect(model.getParameters()).toEqual(snapshots.get(best));
  });

  it("early stopping on accuracy waits for it to rise", async () => {
    const stopper = earlyStopping({ monitor: "acc", patience: 0, restoreBestWeights: false });
    const history = await fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), all, { epochs: 40, batchSize: 300, callbacks: [stopper] });
    const accs = history.epochs.map((e) => e.acc);
    for (let i = 1; i < accs.length - 1; i++) expect(accs[i]).toBeGreaterThan(Math.max(...accs.slice(0, i)));
  });

  it.each([
    [{ monitor: "val" }, "monitor"], [{ patience: -1 }, "patience"], [{ patience: 1.5 }, "patience"], [{ minDelta: -0.1 }, "minDelta"],
  ])("early stopping rejects %o", (options, option) => {
    expect(optionError(() => earlyStopping(options as never)).option).toBe(option);
  });

  it("validationSplit holds out the last examples and validates on them", async () => {
    const events: TrainEvent[] = [];
    const history = await fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), all, {
      epochs: 1, batchSize: 10, validationSplit: 0.1, callbacks: [(e) => { events.push(e); }],
    });
    expect(events.filter((e) => e.phase === "batch")).toHaveLength(27); // 270 training examples
    expect(history.epochs[0]!.valAcc).toBeGreaterThanOrEqual(0);
    for (const split of [0, 1, -0.5, NaN, 0.001]) {
      await expect(fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), all, { validationSplit: split })).rejects.toBeInstanceOf(OptionError);
    }
    await expect(fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), all, { validationSplit: 0.2, validationData: all }))
      .rejects.toThrow(/validationSplit/);
  });

  it("the progress logger draws a bar within the epoch and ends each epoch with its figures", async () => {
    let text = "";
    await fit(new SoftmaxRegression({ inputs: 6, classes: 3 }), all, {
      epochs: 2, batchSize: 30, validationSplit: 0.1, callbacks: [progressLogger({ write: (s) => { text += s; }, intervalMs: 0 })],
    });
    const lines = text.split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/epoch 2\/2 █+ 9\/9 {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_acc \d\.\d{4} {2}\d+ ms/);
    expect(text).toContain("\r");
    expect(text).toMatch(/epoch 1\/2 [█░]+ 1\/9/);
  });
});
