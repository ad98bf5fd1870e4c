import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/wasm/init.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { Adam, SGD } from "../../src/optim/optimizer.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/train.js";
import { checkpointEvery } from "../../src/train/callbacks.js";
import { exportWeightsJSON, loadCheckpoint, loadModel, saveCheckpoint } from "../../src/io/checkpoint.js";
import { loadCheckpointFile, saveCheckpointFile } from "../../src/io/checkpoint-node.js";
import { CHECKPOINT_VERSION, crc32 } from "../../src/io/format.js";
import { FormatError } from "../../src/errors.js";
import { BACKENDS } from "../../src/kernels/contract.js";
import { blobs } from "../helpers/data.js";

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("checkpoints", () => {
  beforeAll(async () => { await init(); });

  it("round-trips a model's parameters and config bit for bit", () => {
    for (const model of [new SoftmaxRegression({ inputs: 7, classes: 3, seed: 5 }), new MLP({ layers: [7, 5, 4, 3], seed: 2 })]) {
      const back = loadModel(model.save());
      expect(back.config).toEqual(model.config);
      expect(sameBits(back.getParameters(), model.getParameters())).toBe(true);
    }
  });

  it("round-trips an optimizer's config, state and step count", async () => {
    const data = blobs(64, 6, 3, 1);
    const model = new SoftmaxRegression({ inputs: 6, classes: 3 });
    const optimizer = new Adam({ lr: 0.01, schedule: { type: "cosine", epochs: 4 } });
    await fit(model, data, { epochs: 2, batchSize: 16, optimizer });
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
    const good = () => new SoftmaxRegression({ inputs: 4, classes: 2 }).save({ optimizer: new SGD({ momentum: 0.9 }) });
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
      ["unknown model type", (b) => setHeader(b, (h) => { (h.model as { type: string }).type = "cnn"; }), /valid model/],
      ["optimizer state of the wrong length", (b) => setHeader(b, (h) => {
        const opt = h.optimizer as { state: number }, params = h.parameters as number;
        opt.state -= 1; h.parameters = params + 1;
      }), /valid model|parameters/],
    ];
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

  it("computes the standard CRC-32", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe.each(BACKENDS)("resuming with the %s backend", (backend) => {
  beforeAll(async () => { await init({ backend }); });
  const data = blobs(200, 8, 3, 6);
  const optimizers: [string, () => Optimizer][] = [
    ["SGD with momentum, weight decay and a step schedule", () => new SGD({ lr: 0.2, momentum: 0.9, weightDecay: 1e-3, schedule: { type: "step", stepSize: 2, gamma: 0.5 } })],
    ["Adam with a cosine schedule", () => new Adam({ lr: 0.01, schedule: { type: "cosine", epochs: 6, minLr: 0.001 } })],
  ];

  it.each(optimizers)("ends bit-identical to an uninterrupted run (%s)", async (_name, makeOptimizer) => {
    const options = { epochs: 6, batchSize: 32, seed: 11, loss: { type: "cross-entropy" as const, labelSmoothing: 0.1 } };
    const straight = new MLP({ layers: [8, 6, 3], seed: 4, weightStd: 0.3 });
    const whole = await fit(straight, data, { ...options, optimizer: makeOptimizer() });

    let saved: Uint8Array | undefined;
    const first = new MLP({ layers: [8, 6, 3], seed: 4, weightStd: 0.3 });
    await fit(first, data, {
      ...options, optimizer: makeOptimizer(),
      callbacks: [checkpointEvery({ write: (bytes) => { saved = bytes; } }), (e) => (e.phase === "epoch" && e.epoch === 3 ? "stop" : undefined)],
    });
    const { model, optimizer, training } = loadCheckpoint(saved!);
    expect(training!.epoch).toBe(3);
    expect(training!.loss).toEqual({ type: "cross-entropy", labelSmoothing: 0.1 });
    const rest = await fit(model, data, {
      ...options, seed: training!.seed, batchSize: training!.batchSize, shuffle: training!.shuffle, loss: training!.loss!,
      optimizer: optimizer!, initialEpoch: training!.epoch, history: training!.history,
    });
    expect(rest.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rest.epochs.map((e) => e.loss)).toEqual(whole.epochs.map((e) => e.loss));
    expect(sameBits(model.getParameters(), straight.getParameters())).toBe(true);
  });
});
