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
  checkpointEvery, decodeCheckpoint, decodeModel, resumeOptions, encodeCheckpoint, encodeModel,
} from "../../src/io/checkpoint.js";
import { unpackCheckpoint, packCheckpoint } from "../../src/io/format.js";
import { crc32 } from "../../src/codecs/crc32.js";
import { FormatError, OptionError } from "../../src/errors.js";
import type { Backend } from "../../src/kernels/contract.js";
import { BACKENDS } from "../../src/kernels/contract.js";
import { blobs } from "../helpers/data.js";
import { optionError } from "../helpers/errors.js";
import { asVersion1, editCheckpoint, reseal } from "../helpers/checkpoint.js";

const runtimes = new Map<Backend, Runtime>(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("checkpoints", () => {
  const runtime = runtimes.get("wasm-simd")!;

  it("round-trips a model's parameters and config bit for bit with encodeModel and decodeModel", () => {
    for (const model of [new SoftmaxRegression({ inputs: 7, classes: 3, seed: 5 }), new MLP({ layers: [7, 5, 4, 3], seed: 2 })]) {
      model.setParameters(Float32Array.from(model.getParameters(), (v, i) => v + Math.fround(i / 7)));
      const back = decodeModel(encodeModel(model));
      expect(back.constructor).toBe(model.constructor);
      expect(back.config).toEqual(model.config);
      expect(sameBits(back.getParameters(), model.getParameters())).toBe(true);
      const { optimizer, training } = decodeCheckpoint(encodeModel(model));
      expect([optimizer, training]).toEqual([undefined, undefined]);
    }
  });

  it("encodeModel and encodeCheckpoint refuse what is not a model, and unknown keys listing the known ones", () => {
    expect(optionError(() => encodeModel({} as never)).message)
      .toBe("Invalid model: expected a model such as new SoftmaxRegression({ inputs: 784, classes: 10 }), got Object.");
    const model = new SoftmaxRegression({ inputs: 2, classes: 2 });
    expect(optionError(() => encodeCheckpoint({ model, optimiser: new SGD() } as never)).message)
      .toBe('Unknown encodeCheckpoint option "optimiser". Known options: model, optimizer, training.');
  });

  it("saves a fresh optimizer's state as zeros of its size", () => {
    const model = new SoftmaxRegression({ inputs: 4, classes: 2 });
    const { optimizer } = decodeCheckpoint(encodeCheckpoint({ model, optimizer: new SGD({ momentum: 0.9 }) }));
    expect(Array.from(optimizer!.state!)).toEqual(new Array(model.size).fill(0));
    expect(optimizer!.steps).toBe(0);
  });

  it("round-trips an optimizer's config, state and step count", async () => {
    const data = blobs(64, 6, 3, 1);
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const optimizer = new Adam({ lr: 0.01, schedule: { type: "cosine", epochs: 4 } });
    await fit(model, data, { epochs: 2, batchSize: 16, optimizer, runtime });
    const { optimizer: back, training } = decodeCheckpoint(encodeCheckpoint({ model, optimizer, training: { epoch: 2, seed: 0, batchSize: 16, shuffle: true } }));
    expect(back!.config).toEqual(optimizer.config);
    expect(back!.steps).toBe(8);
    expect(sameBits(back!.state!, optimizer.state!)).toBe(true);
    expect(training).toEqual({ epoch: 2, seed: 0, batchSize: 16, shuffle: true });
  });

  describe("refuses damaged bytes with a FormatError, building nothing", () => {
    const good = () => encodeCheckpoint({ model: new SoftmaxRegression({ inputs: 4, classes: 2 }), optimizer: new SGD({ momentum: 0.9 }) });
    const header = (edit: (h: Record<string, unknown>) => void) => (b: Uint8Array) => editCheckpoint(b, ({ header: h }) => edit(h));
    const training = (t: Record<string, unknown>) => header((h) => { h.training = { epoch: 2, seed: 0, batchSize: 8, shuffle: true, ...t }; });
    const history = (...entries: unknown[]) => training({ history: entries });
    const entry = (epoch: number, extra: Record<string, unknown> = {}) => ({ epoch, loss: 0.5, accuracy: 0.8, ms: 3, ...extra });
    const headerDigit = (b: Uint8Array) => { const c = b.slice(); c[c.indexOf(0x30 + 2, 12)]! ^= 1; return c; }; // one digit of the header
    const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
      ["too short", (b) => b.subarray(0, 8), /at least 12 bytes/],
      ["wrong magic", (b) => { const c = b.slice(); c[0] = 0x58; return c; }, /magic "WSMX"/],
      ["unknown version", (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4, 0, true); return c; }, /expected format version 1, 2 or 3, got 0\. The file is damaged or was written by another program; save it again\./],
      ["newer format version", (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4, 4, true); return c; },
        /expected format version 1, 2 or 3, got 4\. It was saved by a newer wasm-softmax: load it with one that reads format version 4\./],
      ["header longer than the file", (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(8, 1 << 20, true); return c; }, /header/],
      ["flipped payload bit", (b) => { const c = b.slice(); c[c.length - 5]! ^= 1; return c; }, /expected CRC-32 \d+ over header and payload, got \d+\./],
      ["changed header field (the CRC covers the header too)", headerDigit, /over header and payload/],
      ["truncated file", (b) => b.subarray(0, b.length - 4), /over header and payload/],
      ["unparsable header", (b) => { const c = b.slice(); c[12] = 0x7b; c[13] = 0x7b; return reseal(c); }, /JSON header/],
      ["header that is not an object", (b) => editCheckpoint(b, (p) => { p.header = [1, 2] as never; }), /expected a JSON object as header, got \[1,2\]/],
      ["optimizer entry that is not an object", header((h) => { h.optimizer = 7; }), /expected an optimizer entry that is an object, got 7/],
      ["truncated payload", (b) => editCheckpoint(b, (p) => { p.payload = p.payload.subarray(0, p.payload.length - 4); }), /payload bytes/],
      ["trailing bytes", (b) => editCheckpoint(b, (p) => { const c = new Uint8Array(p.payload.length + 4); c.set(p.payload); p.payload = c; }), /payload bytes/],
      ["parameter length that is not an integer", header((h) => { h.parameters = 1.5; }), /lengths in \[0, 268435456\] and \[0, 536870912\] \(MAX_PARAMETERS\), got 1\.5 and 10/],
      ["parameter length over the cap", header((h) => { h.parameters = 2 ** 28 + 1; }), /got 268435457 and 10/],
      ["negative state length", header((h) => { (h.optimizer as { state: number }).state = -1; }), /got 10 and -1/],
      ["parameter count that does not fit the model", header((h) => { (h.model as { inputs: number }).inputs = 5; }),
        /expected 10 parameters \(the payload's\) for this model, got a config of 12 \(layers 5×2\)/],
      ["unknown model type", header((h) => { (h.model as { type: string }).type = "cnn"; }),
        /^Invalid checkpoint: expected a valid model, optimizer and training position, got Invalid model\.type: expected "softmax-regression" or "mlp", got "cnn"\. The file is damaged or was written by another program; save it again\.$/],
      ["optimizer state of the wrong length", header((h) => {
        const opt = h.optimizer as { state: number }, params = h.parameters as number;
        opt.state -= 1; h.parameters = params + 1;
      }), /valid model|parameters/],
      ["optimizer steps that are negative", header((h) => { (h.optimizer as { steps: number }).steps = -1; }), /got Invalid optimizer\.steps: expected an integer ≥ 0, got -1\./],
      ["optimizer steps that are not an integer", header((h) => { (h.optimizer as { steps: unknown }).steps = "3"; }), /optimizer\.steps: expected an integer ≥ 0, got "3"/],
      ["optimizer config that is not an object", header((h) => { (h.optimizer as { config: unknown }).config = null; }), /optimizer\.config: expected an object, got null/],
      ["optimizer config with a learning rate SGD refuses", header((h) => { ((h.optimizer as { config: { lr: number } }).config).lr = -1; }), /got Invalid lr: expected a finite number > 0, got -1/],
      ["training position with a seed fit would refuse", training({ seed: -1 }),
        /^Invalid checkpoint: expected a valid model, optimizer and training position, got Invalid training\.seed: expected an integer in \[0, 2\^32\), got -1\. The file is damaged/],
      ["training position that is not an object", header((h) => { h.training = 3; }), /got Invalid training: expected an object, got 3\. /],
      ["training position with an unknown loss", training({ loss: { type: "hinge" } }), /got Invalid loss: expected /],
      ["training position without a batch size", training({ batchSize: undefined }), /got Invalid training\.batchSize: expected an integer in \[1, 2\^31 − 1\], got undefined\. /],
      ["training epoch that is negative", training({ epoch: -1 }), /got Invalid training\.epoch: expected an integer ≥ 0, got -1\./],
      ["training epoch that is not an integer", training({ epoch: 1.5 }), /training\.epoch: expected an integer ≥ 0, got 1\.5/],
      ["training shuffle that is not a boolean", training({ shuffle: "yes" }), /training\.shuffle: expected true or false, got "yes"/],
      ["history that is not an array", training({ history: {} }), /training\.history: expected an array of epoch logs, got Object/],
      ["history entry that is not an object", history(entry(1), 4), /training\.history\[1\]: expected an object, got 4/],
      ["history epochs out of order", history(entry(2), entry(1)), /training\.history\[1\]\.epoch: expected an epoch in \[3, 2\]/],
      ["history epoch past the training epoch", history(entry(1), entry(3)), /training\.history\[1\]\.epoch: expected an epoch in \[2, 2\] \(after the one before, up to training\.epoch\), got 3/],
      ["history loss that is not a number", history(entry(1, { loss: "0.5" })), /training\.history\[0\]\.loss: expected a number, got "0\.5"/],
      ["history without a duration", history(entry(1, { ms: undefined })), /training\.history\[0\]\.ms: expected a number, got undefined/],
      ["history validation accuracy that is not a number", history(entry(1, { valAccuracy: null })), /training\.history\[0\]\.valAccuracy: expected a number, got null/],
      ["NaN among the parameters", (b) => editCheckpoint(b, (p) => { new DataView(p.payload.buffer, p.payload.byteOffset).setFloat32(4 * 3, NaN, true); }),
        /expected finite parameters and optimizer state, got NaN at parameter 3\. The run diverged .* \{ allowNonFinite: true \} loads it anyway/],
      ["Infinity in the optimizer state", (b) => editCheckpoint(b, (p) => { new DataView(p.payload.buffer, p.payload.byteOffset).setFloat32(4 * 12, -Infinity, true); }),
        /got -Infinity at optimizer state value 2\./],
    ];
    it.each(cases)("%s", (_name, damage, message) => {
      const error = (() => { try { decodeCheckpoint(damage(good())); } catch (e) { return e; } })();
      expect(error).toBeInstanceOf(FormatError);
      expect((error as Error).message).toMatch(message);
    });

    it("the undamaged checkpoint, taken apart and joined again, loads (so each case above fails for its damage alone)", () => {
      expect(decodeCheckpoint(editCheckpoint(good(), () => {})).model.size).toBe(10);
      expect(decodeCheckpoint(training({})(good())).training).toEqual({ epoch: 2, seed: 0, batchSize: 8, shuffle: true });
      expect(decodeCheckpoint(history(entry(1), entry(2, { valLoss: 0.4, valAccuracy: 0.9, lr: 0.1 }))(good())).training!.history).toHaveLength(2);
    });

    it("reads the history of a checkpoint written before 0.2.0 (acc, valAcc) under today's names", () => {
      const old = { epoch: 1, loss: 0.5, acc: 0.8, valLoss: 0.6, valAcc: 0.7, ms: 3 };
      const back = decodeCheckpoint(history(old)(good())).training!.history![0]!;
      expect(back).toEqual({ epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.7, ms: 3 });
    });

    it("refuses a small file whose header claims a huge model at once, by arithmetic, without building it", () => {
      for (const layers of [[784, 1e6, 10], [784, 1e5, 10]]) {
        const small = encodeModel(new MLP({ layers: [784, 10, 10] }));
        expect(small.length).toBeLessThan(64_000);
        const lying = editCheckpoint(small, ({ header: h }) => { (h.model as { layers: number[] }).layers = layers; });
        const start = performance.now();
        const error = (() => { try { decodeModel(lying); } catch (e) { return e; } })();
        expect(performance.now() - start).toBeLessThan(200);
        expect(error).toBeInstanceOf(FormatError);
        expect((error as Error).message).toMatch(new RegExp(`expected 7960 parameters \\(the payload's\\) for this model, got a config of ${784 * layers[1]! + layers[1]! + layers[1]! * 10 + 10}`));
      }
    });
  });

  describe("format version 1 (payload CRC only)", () => {
    const model = new SoftmaxRegression({ inputs: 4, classes: 2, seed: 3 });
    const v2 = encodeCheckpoint({ model, optimizer: new SGD({ momentum: 0.9 }), training: { epoch: 1, seed: 2, batchSize: 4, shuffle: false } });

    it("saves version 3 and still reads version 1 files, to the same model, optimizer and training position", () => {
      expect(new DataView(v2.buffer).getUint32(4, true)).toBe(3);
      const v1 = asVersion1(v2);
      expect(new DataView(v1.buffer).getUint32(4, true)).toBe(1);
      const [a, b] = [decodeCheckpoint(v1), decodeCheckpoint(v2)];
      expect(sameBits(a.model.getParameters(), model.getParameters())).toBe(true);
      expect([a.model.config, a.optimizer!.config, a.training]).toEqual([b.model.config, b.optimizer!.config, b.training]);
    });

    it("refuses a version 1 file whose payload does not match its CRC", () => {
      const v1 = asVersion1(v2);
      v1[v1.length - 1]! ^= 1;
      expect(() => decodeCheckpoint(v1)).toThrow(/expected payload CRC-32 \d+, got \d+\./);
    });

    it("checks a version 1 header by the rules of every field, since no checksum covers it", () => {
      const v1 = asVersion1(v2);
      const edited = editCheckpoint(v1, ({ header: h }) => { (h.training as { seed: number }).seed = 5; });
      expect(decodeCheckpoint(edited).training!.seed).toBe(5);
      const bad = editCheckpoint(v1, ({ header: h }) => { (h.training as { epoch: number }).epoch = -2; });
      expect(() => decodeCheckpoint(bad)).toThrow(FormatError);
    });
  });

  describe("decodeCheckpoint's options", () => {
    const nan = () => {
      const model = new SoftmaxRegression({ inputs: 2, classes: 2 });
      model.setParameters(Float32Array.from([NaN, 1, Infinity, 2, 0, -Infinity]));
      return { model, bytes: encodeCheckpoint({ model, optimizer: new Adam() }) };
    };

    it("loads non-finite weights with allowNonFinite, bit for bit", () => {
      const { model, bytes } = nan();
      expect(() => decodeCheckpoint(bytes)).toThrow(FormatError);
      expect(() => decodeCheckpoint(bytes, { allowNonFinite: false })).toThrow(/got NaN at parameter 0\./);
      expect(sameBits(decodeCheckpoint(bytes, { allowNonFinite: true }).model.getParameters(), model.getParameters())).toBe(true);
      expect(sameBits(decodeModel(bytes, { allowNonFinite: true }).getParameters(), model.getParameters())).toBe(true);
    });

    it("takes the source as a string or as an option, naming it in errors", () => {
      expect(() => decodeCheckpoint(new Uint8Array(3), "run.wsmx")).toThrow(/^Invalid run\.wsmx: /);
      expect(() => decodeCheckpoint(new Uint8Array(3), { source: "b.wsmx" })).toThrow(/^Invalid b\.wsmx: /);
      expect(() => decodeCheckpoint(new Uint8Array(3))).toThrow(/^Invalid checkpoint: /);
    });

    it("refuses unknown keys listing the known ones, and options of the wrong type", () => {
      expect(optionError(() => decodeCheckpoint(nan().bytes, { allowNonfinite: true } as never)).message)
        .toBe('Unknown decodeCheckpoint option "allowNonfinite". Known options: source, allowNonFinite.');
      expect(optionError(() => decodeCheckpoint(nan().bytes, { allowNonFinite: 1 } as never)).message)
        .toBe("Invalid allowNonFinite: expected true or false, got 1.");
      expect(optionError(() => decodeCheckpoint(nan().bytes, { source: 5 } as never)).message).toBe("Invalid source: expected a string, got 5.");
      expect(optionError(() => decodeCheckpoint(nan().bytes, 5 as never)).message).toBe("Invalid decodeCheckpoint options: expected an object, got 5.");
    });

  });

  it("encodes checkpoint contents and decodes them back into header, parameters and optimizer state", () => {
    const model = { type: "softmax-regression" as const, inputs: 2, classes: 2, seed: 0, weightStd: 0.01 };
    const parameters = Float32Array.from([1, -2, 3.5, 0, 0.25, -0]);
    const state = Float32Array.from([9, 8, 7, 6, 5, 4]);
    const optimizer = { config: new SGD({ momentum: 0.5 }).config, steps: 12, state };
    const training = { epoch: 3, seed: 1, batchSize: 8, shuffle: false };
    const bytes = packCheckpoint({ model, parameters, optimizer, training });
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("WSMX");
    const back = unpackCheckpoint(bytes, "test.wsmx");
    expect(back.header).toEqual({ model, parameters: 6, optimizer: { config: optimizer.config, steps: 12, state: 6 }, training });
    expect(sameBits(back.parameters, parameters)).toBe(true);
    expect(sameBits(back.state, state)).toBe(true);
    const bare = unpackCheckpoint(packCheckpoint({ model, parameters }), "bare");
    expect(bare.header).toEqual({ model, parameters: 6 });
    expect(bare.state).toHaveLength(0);
  });

  it("names the source of damaged bytes in the FormatError", () => {
    expect(() => unpackCheckpoint(new Uint8Array(3), "run.wsmx")).toThrow(/^Invalid run\.wsmx: expected at least 12 bytes, got 3\./);
    expect(optionError(() => unpackCheckpoint("WSMX" as never, "x")).option).toBe("bytes");
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
    const checkpoint = decodeCheckpoint(saved);
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
    const checkpoint = decodeCheckpoint(saved);
    expect(checkpoint.training!.epoch).toBe(3);
    await fit(checkpoint.model, data, { ...resumeOptions(checkpoint), epochs: 6, runtime });
    expect(sameBits(checkpoint.model.getParameters(), straight.getParameters())).toBe(true);
  });

  it("writes a checkpoint every `every` epochs, telling write the epoch", async () => {
    const written: number[] = [];
    await fit(newModel(), data, { ...options, optimizer: new SGD(), callbacks: [checkpointEvery({ every: 2, write: (bytes, epoch) => {
      written.push(epoch);
      expect(decodeCheckpoint(bytes).training!.epoch).toBe(epoch);
    } })] });
    expect(written).toEqual([2, 4, 6]);
  });
});

describe("resumeOptions and checkpointEvery options", () => {
  const model = new SoftmaxRegression({ inputs: 4, classes: 2 });

  it("refuses a checkpoint saved without an optimizer or training position with an OptionError", () => {
    const modelOnly = decodeCheckpoint(encodeModel(model));
    const e = optionError(() => resumeOptions(modelOnly));
    expect(e.option).toBe("checkpoint");
    expect(e.message).toBe('Invalid checkpoint: expected one saved during training (with its optimizer and training position), ' +
      'got "one without an optimizer". Save runs with checkpointEvery() or `wasm-softmax train --save`, or pass the options to fit() yourself.');
    const noTraining = decodeCheckpoint(encodeCheckpoint({ model, optimizer: new SGD() }));
    expect(optionError(() => resumeOptions(noTraining)).message).toMatch(/got "one without a training position"\./);
    expect(optionError(() => resumeOptions(undefined as never))).toBeInstanceOf(OptionError);
  });

  it("resumes a checkpoint that predates the saved loss with cross-entropy", () => {
    const optimizer = new SGD();
    const bytes = encodeCheckpoint({ model, optimizer, training: { epoch: 2, seed: 3, batchSize: 4, shuffle: false } });
    const resume = resumeOptions(decodeCheckpoint(bytes));
    expect(resume).toMatchObject({ initialEpoch: 2, seed: 3, batchSize: 4, shuffle: false, history: [], loss: { type: "cross-entropy", labelSmoothing: 0 } });
  });

  it("checkpointEvery refuses a missing write, a bad `every` and unknown keys listing the known ones", () => {
    expect(optionError(() => checkpointEvery({} as never)).message).toBe("Invalid write: expected a function taking the checkpoint bytes, got undefined.");
    expect(optionError(() => checkpointEvery({ write: () => undefined, every: 0 })).message).toBe("Invalid every: expected an integer ≥ 1, got 0.");
    expect(optionError(() => checkpointEvery({ write: () => undefined, evry: 2 } as never)).message)
      .toBe('Unknown checkpointEvery option "evry". Known options: write, every.');
  });
});
