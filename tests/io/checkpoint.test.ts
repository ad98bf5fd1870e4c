import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// Checkpoint bytes: models and runs in and out, bit for bit; damaged files refused before anything is built;
// and resuming a run (checkpointEvery + resumeOptions) to the same bits as an uninterrupted one.
import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import type { FitOptions } from "../../src/train/fit.js";
import {
  checkpointEvery, exportWeightsJSON, loadCheckpoint, loadModel, resumeOptions, saveCheckpoint, saveModel,
} from "../../src/io/checkpoint.js";
import { loadCheckpointFile, saveCheckpointFile } from "../../src/io/checkpoint-node.js";
import { CHECKPOINT_VERSION, crc32, decodeCheckpoint, encodeCheckpoint } from "../../src/io/format.js";
import { FormatError, OptionError } from "../../src/errors.js";
import type { Backend } from "../../src/kernels/contract.js";
import { BACKENDS } from "../../src/kernels/contract.js";
import { blobs } from "../helpers/data.js";
import { optionError } from "../helpers/errors.js";

const runtimes = new Map<Backend, Runtime>(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("checkpoints", () => {
  const runtime = runtimes.get("wasm-simd")!;

  it("round-trips a model's parameters and config bit for bit with saveModel and loadModel", () => {
    for (const model of [new SoftmaxRegression({ inputs: 7, classes: 3, seed: 5 }), new MLP({ layers: [7, 5, 4, 3], seed: 2 })]) {
      model.setParameters(Float32Array.from(model.getParameters(), (v, i) => v + Math.fround(i / 7)));
      const back = loadModel(saveModel(model));
      expect(back.constructor).toBe(model.constructor);
      expect(back.config).toEqual(model.config);
      expect(sameBits(back.getParameters(), model.getParameters())).toBe(true);
      const { optimizer, training } = loadCheckpoint(saveModel(model));
      expect([optimizer, training]).toEqual([undefined, undefined]);
    }
  });

  it("saveModel and saveCheckpoint refuse what is not a model, and unknown keys with the nearest name", () => {
    expect(optionError(() => saveModel({} as never)).message)
      .toBe("Invalid model: expected a model such as new SoftmaxRegression({ inputs: 784, classes: 10 }), got Object.");
    const model = new SoftmaxRegression({ inputs: 2, classes: 2 });
    expect(optionError(() => saveCheckpoint({ model, optimiser: new SGD() } as never)).message)
      .toBe('Unknown saveCheckpoint option "optimiser". Did you mean "optimizer"?');
  });

  it("saves a fresh optimizer's state as zeros of its size", () => {
    const model = new SoftmaxRegression({ inputs: 4, classes: 2 });
    const { optimizer } = loadCheckpoint(saveCheckpoint({ model, optimizer: new SGD({ momentum: 0.9 }) }));
    expect(Array.from(optimizer!.state!)).toEqual(new Array(model.size).fill(0));
    expect(optimizer!.steps).toBe(0);
  });

  it("round-trips an optimizer's config, state and step count", async () => {
    const data = blobs(64, 6, 3, 1);
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const optimizer = new Adam({ lr: 0.01, schedule: { type: "cosine", epochs: 4 } });
    await fit(model, data, { epochs: 2, batchSize: 16, optimizer, runtime });
    const { optimizer: back, training } = loadCheckpoint(saveCheckpoint({ model, optimizer, training: { epoch: 2, seed: 0, batchSize: 16, shuffle: true } }));
    expect(back!.config).toEqual(optimizer.config);
    expect(back!.steps).toBe(8);
    expect(sameBits(back!.state!, optimizer.state!)).toBe(true);
    expect(training).toEqual({ epoch: 2, seed: 0, batchSize: 16, shuffle: true });
  });

  it("exports weights as plain nested arrays", () => {
    const model = new MLP({ layers: [3, 2, 2] });
    const json = exportWeightsJSON(model);
    expect(json.layers.map((l) => [l.weight.length, l.weight[0]!.length, l.bias.length])).toEqual([[2, 3, 2], [2, 2, 2]]);
    expect(json.layers[0]!.weight[1]![2]).toBe(model.getWeights()[0]!.weight[1 * 3 + 2]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  describe("refuses damaged bytes with a FormatError, building nothing", () => {
    const good = () => saveCheckpoint({ model: new SoftmaxRegression({ inputs: 4, classes: 2 }), optimizer: new SGD({ momentum: 0.9 }) });
    const headerEnd = (bytes: Uint8Array) => 12 + new DataView(bytes.buffer).getUint32(8, true);
    const setHeader = (bytes: Uint8Array, edit: (h: Record<string, unknown>) => void) => {
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, headerEnd(bytes))));
      edit(header);
      const json = new TextEncoder().encode(JSON.stringify(header));
      const start = (12 + json.length + 3) & ~3, payload = bytes.subarray((headerEnd(bytes) + 3) & ~3);
      const out = new Uint8Array(start + payload.length);
      out.set(bytes.subarray(0, 12));
      new DataView(out.buffer).setUint32(8, json.length, true);
      out.set(json, 12);
      out.set(payload, start);
      return out;
    };
    const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
      ["too short", (b) => b.subarray(0, 8), /at least 12 bytes/],
      ["wrong magic", (b) => { const c = b.slice(); c[0] = 0x58; return c; }, /magic "WSMX"/],
      ["unknown version", (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4, CHECKPOINT_VERSION + 1, true); return c; }, /version 1, got 2/],
      ["header longer than the file", (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(8, 1 << 20, true); return c; }, /header/],
      ["unparsable header", (b) => { const c = b.slice(); c[12] = 0x7b; c[13] = 0x7b; return c; }, /JSON header/],
      ["truncated payload", (b) => b.subarray(0, b.length - 4), /payload bytes/],
      ["trailing bytes", (b) => { const c = new Uint8Array(b.length + 4); c.set(b); return c; }, /payload bytes/],
      ["flipped payload bit", (b) => { const c = b.slice(); c[c.length - 1]! ^= 1; return c; }, /CRC-32/],
      ["parameter count that does not fit the model", (b) => setHeader(b, (h) => {
        (h.model as { inputs: number }).inputs = 5;
      }), /parameters/],
      ["unknown model type", (b) => setHeader(b, (h) => { (h.model as { type: string }).type = "cnn"; }),
        /^Invalid checkpoint: expected a valid model, optimizer and training position, got Invalid model\.type: expected "softmax-regression" or "mlp", got "cnn"\. The file is damaged or was written by another program; save it again\.$/],
      ["optimizer state of the wrong length", (b) => setHeader(b, (h) => {
        const opt = h.optimizer as { state: number }, params = h.parameters as number;
        opt.state -= 1; h.parameters = params + 1;
      }), /valid model|parameters/],
    ];
    cases.push(
      ["training position with a seed fit would refuse", (b) => setHeader(b, (h) => { h.training = { epoch: 1, seed: -1, batchSize: 8, shuffle: true }; }),
        /^Invalid checkpoint: expected a valid model, optimizer and training position, got Invalid training\.seed: expected an integer in \[0, 2\^32\), got -1\. The file is damaged/],
      ["training position that is not an object", (b) => setHeader(b, (h) => { h.training = 3; }), /got Invalid training: expected an object, got 3\. /],
      ["training position with an unknown loss", (b) => setHeader(b, (h) => {
        h.training = { epoch: 1, seed: 0, batchSize: 8, shuffle: true, loss: { type: "hinge" } };
      }), /got Invalid loss: expected /],
      ["training position without a batch size", (b) => setHeader(b, (h) => { h.training = { epoch: 1, seed: 0, shuffle: true }; }),
        /got Invalid training\.batchSize: expected an integer ≥ 1, got undefined\. /],
    );
    it.each(cases)("%s", (_name, damage, message) => {
      const error = (() => { try { loadCheckpoint(damage(good())); } catch (e) { return e; } })();
      expect(error).toBeInstanceOf(FormatError);
      expect((error as Error).message).toMatch(message);
    });
  });

  it("writes files atomically and reads them back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wsmx-"));
    const model = new SoftmaxRegression({ inputs: 4, classes: 2, seed: 9 });
    await saveCheckpointFile(join(dir, "m.wsmx"), { model });
    await saveCheckpointFile(join(dir, "m.wsmx"), { model }); // replacing an existing file
    expect(await readdir(dir)).toEqual(["m.wsmx"]);
    expect(sameBits((await loadCheckpointFile(join(dir, "m.wsmx"))).model.getParameters(), model.getParameters())).toBe(true);
    await expect(loadCheckpointFile(join(dir, "missing.wsmx"))).rejects.toThrow(/ENOENT/);
    await writeFile(join(dir, "junk.wsmx"), "not a checkpoint");
    await expect(loadCheckpointFile(join(dir, "junk.wsmx"))).rejects.toBeInstanceOf(FormatError);
  });

  it("encodes checkpoint contents and decodes them back into header, parameters and optimizer state", () => {
    const model = { type: "softmax-regression" as const, inputs: 2, classes: 2, seed: 0, weightStd: 0.01 };
    const parameters = Float32Array.from([1, -2, 3.5, 0, 0.25, -0]);
    const state = Float32Array.from([9, 8, 7, 6, 5, 4]);
    const optimizer = { config: new SGD({ momentum: 0.5 }).config, steps: 12, state };
    const training = { epoch: 3, seed: 1, batchSize: 8, shuffle: false };
    const bytes = encodeCheckpoint({ model, parameters, optimizer, training });
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("WSMX");
    const back = decodeCheckpoint(bytes, "test.wsmx");
    expect(back.header).toEqual({ model, parameters: 6, optimizer: { config: optimizer.config, steps: 12, state: 6 }, training });
    expect(sameBits(back.parameters, parameters)).toBe(true);
    expect(sameBits(back.state, state)).toBe(true);
    const bare = decodeCheckpoint(encodeCheckpoint({ model, parameters }), "bare");
    expect(bare.header).toEqual({ model, parameters: 6 });
    expect(bare.state).toHaveLength(0);
  });

  it("names the source of damaged bytes in the FormatError", () => {
    expect(() => decodeCheckpoint(new Uint8Array(3), "run.wsmx")).toThrow(/^Invalid run\.wsmx: expected at least 12 bytes, got 3\./);
    expect(optionError(() => decodeCheckpoint("WSMX" as never, "x")).option).toBe("bytes");
  });

  it("computes the standard CRC-32", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe.each(BACKENDS)("resuming with the %s backend", (backend) => {
  const runtime = runtimes.get(backend)!;
  const data = blobs(200, 8, 3, 6);
  const optimizers: [string, () => Optimizer][] = [
    ["SGD with momentum, weight decay and a step schedule", () => new SGD({ lr: 0.2, momentum: 0.9, weightDecay: 1e-3, schedule: { type: "step", stepSize: 2, gamma: 0.5 } })],
    ["Adam with a cosine schedule", () => new Adam({ lr: 0.01, schedule: { type: "cosine", epochs: 6, minLr: 0.001 } })],
  ];
  const options: FitOptions = { epochs: 6, batchSize: 32, seed: 11, loss: { type: "cross-entropy", labelSmoothing: 0.1 }, runtime };
  const newModel = () => new MLP({ layers: [8, 6, 3], seed: 4, weightStd: 0.3 });

  /** Trains until `stop` says so, keeping the checkpoint checkpointEvery wrote last. */
  async function interrupted(optimizer: Optimizer, stop: FitOptions["callbacks"] & object, extra: FitOptions = {}): Promise<Uint8Array> {
    let saved: Uint8Array | undefined;
    await fit(newModel(), data, { ...options, ...extra, optimizer, callbacks: [checkpointEvery({ write: (bytes) => { saved = bytes; } }), ...stop] });
    return saved!;
  }

  it.each(optimizers)("continues with resumeOptions to the same bits as an uninterrupted run (%s)", async (_name, makeOptimizer) => {
    const straight = newModel();
    const whole = await fit(straight, data, { ...options, optimizer: makeOptimizer() });

    const saved = await interrupted(makeOptimizer(), [(e) => (e.phase === "epoch" && e.epoch === 3 ? "stop" : undefined)]);
    const checkpoint = loadCheckpoint(saved);
    const resume = resumeOptions(checkpoint);
    expect(resume).toMatchObject({ initialEpoch: 3, seed: 11, batchSize: 32, shuffle: true, loss: { type: "cross-entropy", labelSmoothing: 0.1 } });
    expect(resume.optimizer).toBe(checkpoint.optimizer);
    expect(resume.history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const rest = await fit(checkpoint.model, data, { ...resume, epochs: 6, runtime });
    expect(rest.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rest.epochs.map((e) => e.loss)).toEqual(whole.epochs.map((e) => e.loss));
    expect(rest.epochs.map((e) => e.lr)).toEqual(whole.epochs.map((e) => e.lr));
    expect(checkpoint.optimizer!.steps).toBe(whole.epochs.length * Math.ceil(data.length / 32));
    expect(sameBits(checkpoint.model.getParameters(), straight.getParameters())).toBe(true);
  });

  it("continues to the same bits after an interrupt in the middle of an epoch, from the last whole epoch", async () => {
    const straight = newModel();
    await fit(straight, data, { ...options, optimizer: new Adam({ lr: 0.01 }) });
    const controller = new AbortController();
    const saved = await interrupted(new Adam({ lr: 0.01 }), [(e) => { if (e.phase === "batch" && e.epoch === 4 && e.batch === 3) controller.abort(); }],
      { signal: controller.signal });
    const checkpoint = loadCheckpoint(saved);
    expect(checkpoint.training!.epoch).toBe(3);
    await fit(checkpoint.model, data, { ...resumeOptions(checkpoint), epochs: 6, runtime });
    expect(sameBits(checkpoint.model.getParameters(), straight.getParameters())).toBe(true);
  });

  it("writes a checkpoint every `every` epochs, telling write the epoch", async () => {
    const written: number[] = [];
    await fit(newModel(), data, { ...options, optimizer: new SGD(), callbacks: [checkpointEvery({ every: 2, write: (bytes, epoch) => {
      written.push(epoch);
      expect(loadCheckpoint(bytes).training!.epoch).toBe(epoch);
    } })] });
    expect(written).toEqual([2, 4, 6]);
  });
});

describe("resumeOptions and checkpointEvery options", () => {
  const model = new SoftmaxRegression({ inputs: 4, classes: 2 });

  it("refuses a checkpoint saved without an optimizer or training position with an OptionError", () => {
    const modelOnly = loadCheckpoint(saveModel(model));
    const e = optionError(() => resumeOptions(modelOnly));
    expect(e.option).toBe("checkpoint");
    expect(e.message).toBe('Invalid checkpoint: expected one saved during training (with its optimizer and training position), ' +
      'got "one without an optimizer". Save runs with checkpointEvery() or `wasm-softmax train --save`, or pass the options to fit() yourself.');
    const noTraining = loadCheckpoint(saveCheckpoint({ model, optimizer: new SGD() }));
    expect(optionError(() => resumeOptions(noTraining)).message).toMatch(/got "one without a training position"\./);
    expect(optionError(() => resumeOptions(undefined as never))).toBeInstanceOf(OptionError);
  });

  it("resumes a checkpoint that predates the saved loss with cross-entropy", () => {
    const optimizer = new SGD();
    const bytes = saveCheckpoint({ model, optimizer, training: { epoch: 2, seed: 3, batchSize: 4, shuffle: false } });
    const resume = resumeOptions(loadCheckpoint(bytes));
    expect(resume).toMatchObject({ initialEpoch: 2, seed: 3, batchSize: 4, shuffle: false, history: [], loss: { type: "cross-entropy", labelSmoothing: 0 } });
  });

  it("checkpointEvery refuses a missing write, a bad `every` and unknown keys with the nearest name", () => {
    expect(optionError(() => checkpointEvery({} as never)).message).toBe("Invalid write: expected a function taking the checkpoint bytes, got undefined.");
    expect(optionError(() => checkpointEvery({ write: () => undefined, every: 0 })).message).toBe("Invalid every: expected an integer ≥ 1, got 0.");
    expect(optionError(() => checkpointEvery({ write: () => undefined, evry: 2 } as never)).message)
      .toBe('Unknown checkpointEvery option "evry". Did you mean "every"?');
  });
});
