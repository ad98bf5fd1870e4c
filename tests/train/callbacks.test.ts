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

  it("early stopping on the training loss works without validation data", async () => {
    const stopper = earlyStopping({ monitor: "loss", patience: 0 });
    const history = await fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), { epochs: 6, batchSize: 300, optimizer: new SGD({ lr: 0.5 }), callbacks: [stopper] });
    // Full-batch gradient descent at a small rate lowers the training loss every epoch: it never stops.
    expect(history.stopped).toBe("completed");
    expect(stopper.bestEpoch()).toBe(6);
  });

  it.each(["valLoss", "valAccuracy", undefined] as const)(
    "early stopping on %s without validation data is refused before the first epoch", async (monitor) => {
      const stopper = earlyStopping(monitor === undefined ? {} : { monitor });
      const epochs: number[] = [];
      const error = await fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), {
        epochs: 3, callbacks: [stopper, (e) => { if (e.phase === "epoch") epochs.push(e.epoch); }],
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as OptionError).option).toBe("monitor");
      expect((error as OptionError).message).toBe(`Invalid monitor: expected "loss" or "accuracy" when fit has no validationData or ` +
        `validationSplit, got "${monitor ?? "valLoss"}". earlyStopping would have nothing to watch. Pass validationData or ` +
        `validationSplit to fit, or monitor "loss".`);
      expect(epochs).toEqual([]);
    });

  it("early stopping on accuracy waits for it to rise", async () => {
    const stopper = earlyStopping({ monitor: "accuracy", patience: 0, restoreBestWeights: false });
    const history = await fitOn(new SoftmaxRegression({ inputs: 6, classes: 3 }), { epochs: 40, batchSize: 300, callbacks: [stopper] });
    const accs = history.epochs.map((e) => e.accuracy);
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
      .toBe('Invalid monitor: expected one of "loss", "accuracy", "valLoss", "valAccuracy", got "val".');
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
    expect(history.epochs[0]!.valAccuracy).toBeGreaterThanOrEqual(0);
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
    expect(lines[1]).toMatch(/epoch 2\/2 █+ 9\/9 {2}loss \d\.\d{4} {2}acc \d\.\d{4}/);
    expect(lines[1]).toMatch(/\r\x1b\[Kepoch 2\/2 {2}train loss \d\.\d{4} acc \d\.\d{4} {2}val loss \d\.\d{4} acc \d\.\d{4} {2}\d+ ms$/);
    expect(text).toContain("\r");
    expect(text).toMatch(/epoch 1\/2 [█░]+ 1\/9/);
  });

  /** What the logger writes for one batch (5 of 10) and the end of epoch 3 of 10, at `columns`. */
  function draw(options: Partial<Parameters<typeof progressLogger>[0]>): { bar: string; end: string } {
    let text = "";
    const logger = progressLogger({ write: (s) => { text += s; }, intervalMs: 0, ...options });
    const logs = { loss: 0.51234, accuracy: 0.8123, valLoss: 0.6, valAccuracy: 0.79, ms: 1234 };
    const event = (phase: "batch" | "epoch", batch: number) => ({ phase, epoch: 3, epochs: 10, batch, batches: 10, logs }) as unknown as TrainEvent;
    void logger(event("batch", 5));
    const bar = text;
    text = "";
    void logger(event("epoch", 10));
    return { bar, end: text };
  }

  it.each([40, 50, 80, 120])("the progress logger keeps every line within %i columns, less one", (columns) => {
    const { bar, end } = draw({ columns });
    const visible = (s: string) => s.replace(/\r|\x1b\[K/g, "");
    expect(visible(bar).length).toBeLessThanOrEqual(columns - 1);
    expect(visible(bar)).toMatch(/^epoch {2}3\/10 /);
    for (const line of visible(end).split("\n").filter(Boolean)) expect(line.length).toBeLessThanOrEqual(columns - 1);
    // Broken over lines or not, the finished epoch keeps all its figures.
    expect(visible(end).replace(/\n {2}/g, "  ")).toBe("epoch  3/10  train loss 0.5123 acc 0.8123  val loss 0.6000 acc 0.7900  1234 ms\n");
  });

  it("the progress logger shrinks the bar before it drops figures, and asks a columns function at every redraw", () => {
    expect(draw({ columns: 80 }).bar).toBe("\repoch  3/10 ███████████████░░░░░░░░░░░░░░░  5/10  loss 0.5123  acc 0.8123\x1b[K");
    expect(draw({ columns: 50 }).bar).toBe("\repoch  3/10 ███░░░  5/10  loss 0.5123  acc 0.8123\x1b[K");
    expect(draw({ columns: 40 }).bar).toBe("\repoch  3/10 ████░░░░  5/10  loss 0.5123\x1b[K");
    expect(draw({ columns: 20 }).bar).toBe("\repoch  3/10  5/10\x1b[K");
    let width = 80;
    const lines: string[] = [];
    const logger = progressLogger({ write: (s) => { lines.push(s); }, intervalMs: 0, columns: () => width });
    const event = { phase: "batch", epoch: 1, epochs: 1, batch: 1, batches: 2, logs: { loss: 1, accuracy: 0, ms: 0 } } as unknown as TrainEvent;
    void logger(event);
    width = 40;
    void logger(event);
    expect(lines[0]!.length).toBeGreaterThan(lines[1]!.length);
    expect(lines[1]!.replace(/\r|\x1b\[K/g, "").length).toBeLessThanOrEqual(39);
  });

  it("the progress logger names the validation figures as told, and checks columns and validationName", () => {
    expect(draw({ validationName: "test" }).end).toContain("  test loss 0.6000 acc 0.7900  ");
    expect(optionError(() => progressLogger({ write: () => undefined, columns: 0 })).message)
      .toBe("Invalid columns: expected an integer ≥ 1 or a function, got 0.");
    expect(optionError(() => progressLogger({ write: () => undefined, validationName: "" })).message)
      .toBe('Invalid validationName: expected a non-empty string, got "".');
  });
});
