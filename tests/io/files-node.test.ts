// Models and checkpoints in files: written atomically, read back bit for bit, checked as their bytes are.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { encodeCheckpoint } from "../../src/io/checkpoint.js";
import { listModels, loadCheckpoint, loadModel, removeModel, saveCheckpoint, saveModel } from "../../src/io/files-node.js";
import { FormatError, OptionError, StorageError } from "../../src/errors.js";
import { rejection } from "../helpers/errors.js";

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const tempDir = () => mkdtemp(join(tmpdir(), "wsmx-files-"));

/** A model whose first parameter is NaN, as a diverged run leaves it. */
function nanModel() {
  const model = new SoftmaxRegression({ inputs: 3, classes: 2, seed: 1 });
  const p = model.getParameters();
  p[0] = NaN;
  model.setParameters(p);
  return model;
}

describe("saveModel and loadModel", () => {
  it("write a model to a file and read it back with the same config and bits", async () => {
    const dir = await tempDir(), path = join(dir, "m.wsmx");
    const model = new MLP({ layers: [5, 4, 3], seed: 7 });
    await saveModel(model, path);
    const back = await loadModel(path);
    expect(back.config).toEqual(model.config);
    expect(sameBits(back.getParameters(), model.getParameters())).toBe(true);
  });

  it("replace an existing file and leave no temporary file behind", async () => {
    const dir = await tempDir(), path = join(dir, "m.wsmx");
    await saveModel(new SoftmaxRegression({ inputs: 4, classes: 2, seed: 1 }), path);
    const second = new SoftmaxRegression({ inputs: 4, classes: 2, seed: 2 });
    await saveModel(second, path);
    expect(await readdir(dir)).toEqual(["m.wsmx"]);
    expect(sameBits((await loadModel(path)).getParameters(), second.getParameters())).toBe(true);
  });

  it("loadModel reads the model of a checkpoint saved during a run", async () => {
    const dir = await tempDir(), path = join(dir, "run.wsmx");
    const model = new SoftmaxRegression({ inputs: 4, classes: 2, seed: 3 });
    await saveCheckpoint({ model, optimizer: new SGD(), training: { epoch: 1, seed: 0, batchSize: 8, shuffle: true } }, path);
    expect(sameBits((await loadModel(path)).getParameters(), model.getParameters())).toBe(true);
  });

  it("refuse a missing or foreign file with a FormatError naming the path", async () => {
    const dir = await tempDir();
    const missing = await rejection(loadModel(join(dir, "nope.wsmx")));
    expect(missing).toBeInstanceOf(FormatError);
    expect((missing as Error).message).toBe(`Invalid ${join(dir, "nope.wsmx")}: expected a readable model file, got ENOENT. ` +
      "Check the path; files are written by saveModel(), saveCheckpoint() or `wasm-softmax train --save FILE`.");
    await writeFile(join(dir, "junk.wsmx"), "not a model");
    expect(await rejection(loadModel(join(dir, "junk.wsmx")))).toBeInstanceOf(FormatError);
  });

  it("refuse a path that is not a non-empty string, a value that is not a model, and unknown options", async () => {
    const model = new SoftmaxRegression({ inputs: 2, classes: 2 });
    expect(((await rejection(saveModel(model, "" as never))) as OptionError).option).toBe("path");
    expect(((await rejection(loadModel(5 as never))) as OptionError).option).toBe("path");
    expect(((await rejection(saveModel({} as never, join(await tempDir(), "m.wsmx")))) as OptionError).option).toBe("model");
    expect(((await rejection(loadModel("m.wsmx", { allowNonfinite: true } as never))) as Error).message)
      .toBe('Unknown loadModel option "allowNonfinite". Known options: allowNonFinite.');
  });

  it("loadModel refuses non-finite weights unless allowNonFinite", async () => {
    const dir = await tempDir(), path = join(dir, "nan.wsmx");
    await saveModel(nanModel(), path);
    expect(((await rejection(loadModel(path))) as Error).message).toMatch(/nan\.wsmx: expected finite parameters/);
    expect(Number.isNaN((await loadModel(path, { allowNonFinite: true })).getParameters()[0])).toBe(true);
  });
});

describe("listModels and removeModel", () => {
  it("list the files of a directory that hold models or checkpoints, sorted, and remove one", async () => {
    const dir = await tempDir();
    await saveModel(new SoftmaxRegression({ inputs: 2, classes: 2 }), join(dir, "b.wsmx"));
    await saveCheckpoint({ model: new SoftmaxRegression({ inputs: 2, classes: 2 }) }, join(dir, "a-run"));
    await writeFile(join(dir, "notes.txt"), "not a model");
    await writeFile(join(dir, "tiny"), "WS");
    expect(await listModels(dir)).toEqual([join(dir, "a-run"), join(dir, "b.wsmx")]);
    expect(await removeModel(join(dir, "b.wsmx"))).toBe(true);
    expect(await removeModel(join(dir, "b.wsmx"))).toBe(false);
    expect(await listModels(dir)).toEqual([join(dir, "a-run")]);
    expect(await listModels(join(dir, "never-made"))).toEqual([]);
  });
});

describe("a browser location given to the Node functions", () => {
  it("goes to the browser stores, which Node does not have, instead of becoming a file name", async () => {
    const model = new SoftmaxRegression({ inputs: 2, classes: 2 });
    const calls = [saveModel(model, "indexeddb://m"), loadModel("opfs://m"), listModels("indexeddb://"), removeModel("opfs://m")];
    for (const call of calls) expect(await rejection(call)).toBeInstanceOf(StorageError);
    expect(await rejection(saveModel(model, "s3://bucket/m"))).toBeInstanceOf(OptionError);
    // What writing "indexeddb://m" as a path would have made.
    expect(existsSync("indexeddb:")).toBe(false);
  });
});

describe("saveCheckpoint and loadCheckpoint", () => {
  it("write a checkpoint, or its bytes, atomically and read it back", async () => {
    const dir = await tempDir(), path = join(dir, "m.wsmx");
    const model = new SoftmaxRegression({ inputs: 4, classes: 2, seed: 9 });
    await saveCheckpoint({ model }, path);
    await saveCheckpoint(encodeCheckpoint({ model }), path); // replacing an existing file, from bytes
    expect(await readdir(dir)).toEqual(["m.wsmx"]);
    expect(sameBits((await loadCheckpoint(path)).model.getParameters(), model.getParameters())).toBe(true);
    await expect(loadCheckpoint(join(dir, "missing.wsmx"))).rejects.toThrow(/expected a readable checkpoint file, got ENOENT/);
    await writeFile(join(dir, "junk.wsmx"), "not a checkpoint");
    await expect(loadCheckpoint(join(dir, "junk.wsmx"))).rejects.toBeInstanceOf(FormatError);
  });

  it("loadCheckpoint passes allowNonFinite on and refuses unknown keys", async () => {
    const dir = await tempDir(), path = join(dir, "nan.wsmx");
    const model = nanModel();
    await saveCheckpoint({ model }, path);
    await expect(loadCheckpoint(path)).rejects.toThrow(/nan\.wsmx: expected finite parameters/);
    const back = await loadCheckpoint(path, { allowNonFinite: true });
    expect(sameBits(back.model.getParameters(), model.getParameters())).toBe(true);
    await expect(loadCheckpoint(path, { source: "x" } as never)).rejects.toBeInstanceOf(OptionError);
  });
});
