// The callbacks the package ships: earlyStopping (Keras's, restoring the best weights at trainEnd) and the
// progress logger; and fit's validationSplit, which they are usually paired with.
import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import type { FitOptions } from "../../src/train/fit.js";
import type { Callback, TrainEvent } from "../../src/train/events.js";
import { earlyStopping, progressLogger } from "../../src/train/callbacks.js";
import { OptionError } from "../../src/errors.js";
import { blobs } from "../helpers/data.js";
import { optionError } from "../helpers/errors.js";

const runtime = await createRuntime({ backend: "wasm-simd" });
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("callbacks", () => {
  const all = blobs(300, 6, 3, 5);
  const fitOn = (model: SoftmaxRegression, options: FitOptions) => fit(model, all, { ...options, runtime });

  it("early stopping stops after `patience` epochs without improvement and restores the best weights", async () => {
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    // A rate far too high makes the validation loss bounce, so improvement stops early.
    const stopper = earlyStopping({ monitor: "valLoss", patience: 1 });
    const snapshots = new Map<number, Float32Array>();
    const history = await fitOn(model, {
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

  /** Callbacks that keep the parameters after every epoch, and at trainEnd. */
  function snapshots(): { at: Map<number | "end", Float32Array>; callback: Callback } {
    const at = new Map<number | "end", Float32Array>();
    return { at, callback: (e) => { if (e.phase === "epoch" || e.phase === "trainEnd") at.set(e.phase === "epoch" ? e.epoch : "end", e.model.getParameters()); } };
  }

  it("early stopping restores the best weights at trainEnd, not at the epoch it stops on", async () => {
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const stopper = earlyStopping({ monitor: "valLoss", patience: 1 });
    const before = snapshots(), after = snapshots();
    const history = await fitOn(model, {
      epochs: 30, batchSize: 32, optimizer: new SGD({ lr: 50 }), validationSplit: 0.2, callbacks: [before.callback, stopper, after.callback],
    });
    const best = stopper.bestEpoch()!, last = history.epochs.at(-1)!.epoch;
    expect(history.stopped).toBe("callback");
    expect(best).toBeLessThan(last);
    // At the stopping epoch everyone still sees the weights as trained…
    expect(bits(after.at.get(last)!).equals(bits(before.at.get(last)!))).toBe(true);
    expect(bits(after.at.get(last)!).equals(bits(before.at.get(best)!))).toBe(false);
    // …and at trainEnd the callbacks after the stopper see the best epoch's, which the model keeps.
    expect(bits(before.at.get("end")!).equals(bits(before.at.get(last)!))).toBe(true);
    expect(bits(after.at.get("end")!).equals(bits(before.at.get(best)!))).toBe(true);
    expect(bits(model.getParameters()).equals(bits(before.at.get(best)!))).toBe(true);
  });

  it("early stopping restores the best weights when training runs to the last epoch without stopping", async () => {
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const stopper = earlyStopping({ monitor: "valLoss", patience: 100 });
    const seen = snapshots();
    const history = await fitOn(model, {
      epochs: 12, batchSize: 32, optimizer: new SGD({ lr: 50 }), validationSplit: 0.2, callbacks: [seen.callback, stopper],
    });
    expect(history.stopped).toBe("completed");
    const losses = history.epochs.map((e) => e.valLoss!);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(stopper.bestEpoch()).toBe(best);
    expect(best).toBeLessThan(12);
    expect(bits(model.getParameters()).equals(bits(seen.at.get(best)!))).toBe(true);
  });

  it("early stopping keeps the weights as trained when the run is aborted", async () => {
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const stopper = earlyStopping({ monitor: "valLoss", patience: 100 });
    const seen = snapshots(), controller = new AbortController();
    const history = await fitOn(model, {
      epochs: 12, batchSize: 32, optimizer: new SGD({ lr: 50 }), validationSplit: 0.2, signal: controller.signal,
      callbacks: [seen.callback, stopper, (e) => { if (e.phase === "epoch" && e.epoch === 10) controller.abort(); }],
    });
    expect(history.stopped).toBe("aborted");
    expect(history.epochs).toHaveLength(10);
    expect(stopper.bestEpoch()).toBeLessThan(10);
    expect(bits(model.getParameters()).equals(bits(seen.at.get(10)!))).toBe(true);
    expect(bits(model.getParameters()).equals(bits(seen.at.get(stopper.bestEpoch()!)!))).toBe(false);
  });

  it("early stopping with restoreBestWeights false keeps the last epoch's weights", async () => {
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const stopper = earlyStopping({ monitor: "valLoss", patience: 1, restoreBestWeights: false });
    const seen = snapshots();
    const history = await fitOn(model, {
      epochs: 30, batchSize: 32, optimizer: new SGD({ lr: 50 }), validationSplit: 0.2, callbacks: [seen.callback, stopper],
    });
    expect(history.stopped).toBe("callback");
    expect(stopper.bestEpoch()).toBeLessThan(history.epochs.length);
    expect(bits(model.getParameters()).equals(bits(seen.at.get(history.epochs.length)!))).toBe(true);
  });

  it("early stopping watches the training loss when there is no validation data", async () => {
    const stopper = earlyStopping({ patience: 0 });
    const history = await fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), { epochs: 6, batchSize: 300, optimizer: new SGD({ lr: 0.5 }), callbacks: [stopper] });
    // Full-batch gradient descent at a small rate lowers the training loss every epoch: it never stops.
    expect(history.stopped).toBe("completed");
    expect(stopper.bestEpoch()).toBe(6);
  });

  it("early stopping on accuracy waits for it to rise", async () => {
    const stopper = earlyStopping({ monitor: "acc", patience: 0, restoreBestWeights: false });
    const history = await fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), { epochs: 40, batchSize: 300, callbacks: [stopper] });
    const accs = history.epochs.map((e) => e.acc);
    for (let i = 1; i < accs.length - 1; i++) expect(accs[i]).toBeGreaterThan(Math.max(...accs.slice(0, i)));
  });

  it.each([
    [{ monitor: "val" }, "monitor"], [{ patience: -1 }, "patience"], [{ patience: 1.5 }, "patience"], [{ minDelta: -0.1 }, "minDelta"],
    [{ restoreBestWeights: 1 }, "restoreBestWeights"],
  ])("early stopping rejects %o", (options, option) => {
    expect(optionError(() => earlyStopping(options as never)).option).toBe(option);
  });

  it("early stopping and the progress logger state their rules, and refuse unknown keys with the nearest name", () => {
    expect(optionError(() => earlyStopping({ monitor: "val" } as never)).message)
      .toBe('Invalid monitor: expected one of "loss", "acc", "valLoss", "valAcc", got "val".');
    expect(optionError(() => earlyStopping({ patience: 1.5 })).message).toBe("Invalid patience: expected an integer ≥ 0, got 1.5.");
    expect(optionError(() => earlyStopping({ patiense: 2 } as never)).message).toBe('Unknown earlyStopping option "patiense". Did you mean "patience"?');
    expect(optionError(() => earlyStopping({ restore_best_weights: true } as never)).message)
      .toBe('Unknown earlyStopping option "restore_best_weights". Did you mean "restoreBestWeights"?');
    expect(optionError(() => earlyStopping({ verbose: 1 } as never)).message)
      .toBe('Unknown earlyStopping option "verbose". Known options: monitor, patience, minDelta, restoreBestWeights.');
    expect(optionError(() => progressLogger({ writer: () => undefined } as never)).message)
      .toBe('Unknown progressLogger option "writer". Did you mean "write"?');
    expect(optionError(() => progressLogger({ write: "stderr" } as never)).message).toBe('Invalid write: expected a function, got "stderr".');
    expect(optionError(() => progressLogger({ write: () => undefined, width: 0 })).message).toBe("Invalid width: expected an integer ≥ 1, got 0.");
  });

  it("validationSplit holds out the last examples and validates on them", async () => {
    const events: TrainEvent[] = [];
    const history = await fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), {
      epochs: 1, batchSize: 10, validationSplit: 0.1, callbacks: [(e) => { events.push(e); }],
    });
    expect(events.filter((e) => e.phase === "batch")).toHaveLength(27); // 270 training examples
    expect(history.epochs[0]!.valAcc).toBeGreaterThanOrEqual(0);
    for (const split of [0, 1, -0.5, NaN, 0.001]) {
      await expect(fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), { validationSplit: split })).rejects.toBeInstanceOf(OptionError);
    }
    await expect(fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), { validationSplit: 0.2, validationData: all }))
      .rejects.toThrow(/validationSplit/);
  });

  it("the progress logger draws a bar within the epoch and ends each epoch with its figures", async () => {
    let text = "";
    await fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), {
      epochs: 2, batchSize: 30, validationSplit: 0.1, callbacks: [progressLogger({ write: (s) => { text += s; }, intervalMs: 0 })],
    });
    const lines = text.split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/epoch 2\/2 █+ 9\/9 {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_acc \d\.\d{4} {2}\d+ ms/);
    expect(text).toContain("\r");
    expect(text).toMatch(/epoch 1\/2 [█░]+ 1\/9/);
  });
});
