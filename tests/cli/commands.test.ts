import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import type { CliIO } from "../../src/cli/run.js";
import { bar, imageMode, renderImage } from "../../src/cli/terminal.js";
import { MLP, SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/io/checkpoint.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/io/files-node.js";
import { FASHION_MNIST_CLASSES } from "../../src/data/fashion-mnist/constants.js";
import { loadFashionMNIST } from "../../src/data/fashion-mnist/node/load.js";
import { stratifiedSplit } from "../../src/data/split.js";
import { evaluate } from "../../src/train/evaluate.js";
import { init } from "../../src/runtime/runtime.js";
import { makeFashionFiles, TEST_OFFSET, writeLearnableFashionDir } from "../helpers/idx.js";
import { bandedLabel } from "../../bench/shared/banded.js";
import { expectWellFormedSVG } from "../helpers/svg.js";

interface Result { code: number; stdout: string; stderr: string }

interface CliOptions extends Partial<Pick<CliIO, "isTTY" | "stdoutIsTTY" | "env" | "signal">> {
  /** Sees stderr as it is written (to press "Ctrl-C" at a chosen moment). */
  onStderr?: (text: string, all: string) => void;
}

async function cli(argv: string[], options: CliOptions = {}): Promise<Result> {
  let stdout = "", stderr = "";
  const code = await run(argv, {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; options.onStderr?.(s, stderr); },
    isTTY: options.isTTY ?? false,
    ...(options.stdoutIsTTY !== undefined && { stdoutIsTTY: options.stdoutIsTTY }),
    env: options.env ?? {},
    ...(options.signal && { signal: options.signal }),
  });
  return { code, stdout, stderr };
}

const labelOf = bandedLabel;
const TRAIN_COUNT = 384, TEST_COUNT = 100;
const testLabels = Array.from({ length: TEST_COUNT }, (_, i) => labelOf(i + TEST_OFFSET));
const classCounts = FASHION_MNIST_CLASSES.map((_, c) => testLabels.filter((l) => l === c).length);

async function writeTinyDataset(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = makeFashionFiles({ train: 40, test: 10 });
  await writeFile(join(dir, "train-images-idx3-ubyte.gz"), files.trainImages);
  await writeFile(join(dir, "train-labels-idx1-ubyte.gz"), files.trainLabels);
  await writeFile(join(dir, "t10k-images-idx3-ubyte.gz"), files.testImages);
  await writeFile(join(dir, "t10k-labels-idx1-ubyte.gz"), files.testLabels);
}

interface EpochJSON { epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number; lr: number; ms: number }
interface TrainJSON {
  backend: string;
  model: Record<string, unknown>;
  optimizer: Record<string, unknown>;
  loss: Record<string, unknown>;
  options: { epochs: number; batchSize: number; lr: number; seed: number };
  epochs: EpochJSON[];
  totals: { testAccuracy: number; testLoss: number };
  stopped: string;
  bestEpoch?: number | null;
  saved?: { file: string; epoch: number };
  resumedFrom?: { file: string; epoch: number };
  plot?: string;
  grid?: string;
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let scratch: string, dataDir: string, tinyDir: string;
const file = (name: string) => join(scratch, name);

// No init(): every command creates its own runtime.
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "wasm-softmax-commands-"));
  dataDir = join(scratch, "fashion");
  tinyDir = join(scratch, "tiny");
  await writeLearnableFashionDir(dataDir, TRAIN_COUNT, TEST_COUNT);
  await writeTinyDataset(tinyDir);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const base = () => ["--data", dataDir, "--batch-size", "32", "--seed", "3"];

async function trainJSON(args: string[], options: CliOptions = {}): Promise<TrainJSON & { code: number; stderr: string }> {
  const { code, stdout, stderr } = await cli(["train", ...base(), ...args, "--json"], options);
  expect(code === 0 || code === 130, stderr).toBe(true);
  expect(stdout.endsWith("}\n")).toBe(true);
  return { ...(JSON.parse(stdout) as TrainJSON), code, stderr };
}

async function expectUsageError(command: string, args: string[], message: string): Promise<void> {
  const { code, stdout, stderr } = await cli([command, ...args]);
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr).toBe(`error: ${message}\nRun "wasm-softmax ${command} --help" for usage.\n`);
}

// What a model learns of its data from the first Dataset it trains on: its class names and pixel inputs.
const TRAINED_ON_FASHION = { labels: [...FASHION_MNIST_CLASSES], input: { pixels: true, imageShape: [28, 28] } };

describe("train: models, optimizers and losses", () => {
  it("trains an mlp with the --hidden widths and reports its config, the optimizer's and the loss's", async () => {
    const report = await trainJSON(["--hidden", "32,16", "--epochs", "3", "--lr", "0.2"]);
    expect(report.model).toEqual({ type: "mlp", layers: [784, 32, 16, 10], activation: "relu", seed: 3, weightStd: 0.01, ...TRAINED_ON_FASHION });
    expect(report.optimizer).toEqual({ type: "sgd", lr: 0.2, momentum: 0, weightDecay: 0 });
    expect(report.loss).toEqual({ type: "cross-entropy", labelSmoothing: 0 });
    expect(report.options).toEqual({ epochs: 3, batchSize: 32, lr: 0.2, seed: 3 });
    expect(report.stopped).toBe("completed");
    expect(report).not.toHaveProperty("saved");
    expect(report).not.toHaveProperty("resumedFrom");
    expect(report.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(report.epochs[2]!.trainLoss).toBeLessThan(report.epochs[0]!.trainLoss);
  });

  it("builds d2l's 784-256-10 mlp for --model mlp alone, and softmax regression by default", async () => {
    expect((await trainJSON(["--model", "mlp", "--epochs", "1"])).model).toMatchObject({ type: "mlp", layers: [784, 256, 10] });
    expect((await trainJSON(["--epochs", "1"])).model).toEqual({ type: "softmax-regression", inputs: 784, classes: 10, seed: 3, weightStd: 0.01, ...TRAINED_ON_FASHION });
  });

  it("prints the model, optimizer and loss above the table", async () => {
    const { code, stdout, stderr } = await cli(["train", ...base(), "--hidden", "8", "--epochs", "1", "--optimizer", "adam", "--loss", "huber"]);
    expect(code, stderr).toBe(0);
    expect(stdout.split("\n")[1]).toBe("model: mlp 784-8-10  optimizer: adam (lr 0.001)  loss: huber (delta 1)");
  });

  it("defaults Adam's learning rate to 0.001 and passes weight decay to it", async () => {
    const report = await trainJSON(["--optimizer", "adam", "--weight-decay", "0.001", "--epochs", "1"]);
    expect(report.optimizer).toEqual({ type: "adam", lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.001 });
    expect(report.options.lr).toBe(0.001);
  });

  it("applies SGD momentum, weight decay and a step schedule, epoch by epoch", async () => {
    const report = await trainJSON(["--momentum", "0.9", "--weight-decay", "5e-4", "--schedule", "step:2:0.5", "--epochs", "5"]);
    expect(report.optimizer).toEqual({ type: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 5e-4, schedule: { type: "step", stepSize: 2, gamma: 0.5 } });
    expect(report.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it("anneals a cosine schedule from --lr towards MINLR over --epochs", async () => {
    const report = await trainJSON(["--schedule", "cosine:0.01", "--epochs", "3"]);
    expect(report.optimizer.schedule).toEqual({ type: "cosine", epochs: 3, minLr: 0.01 });
    // PyTorch's CosineAnnealingLR with T_max = epochs: epoch e uses minLr + (lr − minLr)(1 + cos(π(e − 1)/epochs))/2.
    const expected = [1, 2, 3].map((e) => 0.01 + (0.09 * (1 + Math.cos((Math.PI * (e - 1)) / 3))) / 2);
    report.epochs.forEach((e, i) => expect(e.lr).toBeCloseTo(expected[i]!, 6));
    expect(expected[2]).toBeCloseTo(0.0325, 10);
  });

  it.each([
    [["--loss", "l2", "--lr", "0.01"], { type: "l2" }],
    [["--loss", "l1", "--lr", "0.001"], { type: "l1" }],
    [["--loss", "huber", "--lr", "0.01"], { type: "huber", delta: 1 }],
    [["--loss", "huber:0.5", "--lr", "0.01"], { type: "huber", delta: 0.5 }],
    [["--label-smoothing", "0.1"], { type: "cross-entropy", labelSmoothing: 0.1 }],
    [["--loss", "cross-entropy", "--label-smoothing=0.2"], { type: "cross-entropy", labelSmoothing: 0.2 }],
  ])("trains with %j, reporting the loss %j", async (args, loss) => {
    const report = await trainJSON([...args, "--epochs", "3"]);
    expect(report.loss).toEqual(loss);
    for (const e of report.epochs) expect(Number.isFinite(e.trainLoss)).toBe(true);
    expect(report.epochs[2]!.trainLoss).toBeLessThan(report.epochs[0]!.trainLoss);
  });
});

describe("train: validation of the new flags", () => {
  const svg = "a file path ending in .svg";
  const hidden = "comma-separated integers ≥ 1, e.g. 256 or 256,64";
  const schedule = '"step:STEP:GAMMA" (STEP an integer ≥ 1, GAMMA in (0, 1]), "cosine" or "cosine:MINLR" (MINLR ≥ 0)';
  const loss = 'one of "cross-entropy", "l2", "l1", "huber" or "huber:DELTA" (DELTA > 0)';
  it.each([
    [["--model", "cnn"], 'Invalid --model: expected one of "softmax", "mlp", got "cnn".'],
    [["--hidden", "0"], `Invalid --hidden: expected ${hidden}, got "0".`],
    [["--hidden", "256,"], `Invalid --hidden: expected ${hidden}, got "256,".`],
    [["--hidden", "256,x"], `Invalid --hidden: expected ${hidden}, got "256,x".`],
    [["--hidden", "1.5"], `Invalid --hidden: expected ${hidden}, got "1.5".`],
    [["--hidden=-3"], `Invalid --hidden: expected ${hidden}, got "-3".`],
    [["--optimizer", "rmsprop"], 'Invalid --optimizer: expected one of "sgd", "adam", got "rmsprop".'],
    [["--lr", "0"], 'Invalid --lr: expected a finite number > 0, got "0".'],
    [["--momentum", "1"], 'Invalid --momentum: expected a number in [0, 1), got "1".'],
    [["--momentum", "-0.1"], 'Invalid --momentum: expected a number in [0, 1), got "-0.1".'],
    [["--momentum", "lots"], 'Invalid --momentum: expected a number in [0, 1), got "lots".'],
    [["--weight-decay", "-1e-4"], 'Invalid --weight-decay: expected a finite number ≥ 0, got "-1e-4".'],
    [["--weight-decay", "Infinity"], 'Invalid --weight-decay: expected a finite number ≥ 0, got "Infinity".'],
    [["--schedule", "step"], `Invalid --schedule: expected ${schedule}, got "step".`],
    [["--schedule", "step:0:0.5"], `Invalid --schedule: expected ${schedule}, got "step:0:0.5".`],
    [["--schedule", "step:2.5:0.5"], `Invalid --schedule: expected ${schedule}, got "step:2.5:0.5".`],
    [["--schedule", "step:2:0"], `Invalid --schedule: expected ${schedule}, got "step:2:0".`],
    [["--schedule", "step:2:1.5"], `Invalid --schedule: expected ${schedule}, got "step:2:1.5".`],
    [["--schedule", "cosine:-1"], `Invalid --schedule: expected ${schedule}, got "cosine:-1".`],
    [["--schedule", "cosine:"], `Invalid --schedule: expected ${schedule}, got "cosine:".`],
    [["--schedule", "cosine:0.1:3"], `Invalid --schedule: expected ${schedule}, got "cosine:0.1:3".`],
    [["--schedule", "linear"], `Invalid --schedule: expected ${schedule}, got "linear".`],
    [["--loss", "hinge"], `Invalid --loss: expected ${loss}, got "hinge".`],
    [["--loss", "huber:0"], `Invalid --loss: expected ${loss}, got "huber:0".`],
    [["--loss", "huber:wide"], `Invalid --loss: expected ${loss}, got "huber:wide".`],
    [["--loss", "l2:1"], `Invalid --loss: expected ${loss}, got "l2:1".`],
    [["--label-smoothing", "1"], 'Invalid --label-smoothing: expected a number in [0, 1), got "1".'],
    [["--label-smoothing", "-0.1"], 'Invalid --label-smoothing: expected a number in [0, 1), got "-0.1".'],
    [["--patience", "-1"], 'Invalid --patience: expected an integer ≥ 0, got "-1".'],
    [["--patience", "1.5"], 'Invalid --patience: expected an integer ≥ 0, got "1.5".'],
    [["--save="], 'Invalid --save: expected a file path, got "".'],
    [["--resume="], 'Invalid --resume: expected a file path, got "".'],
    [["--plot", "curves.png"], `Invalid --plot: expected ${svg}, got "curves.png".`],
    [["--plot", ".svg"], `Invalid --plot: expected ${svg}, got ".svg".`],
    [["--grid", "grid"], `Invalid --grid: expected ${svg}, got "grid".`],
    // Between flags:
    [["--model", "softmax", "--hidden", "64"], "--hidden needs --model mlp: softmax regression has no hidden layers."],
    [["--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to --optimizer sgd only: Adam's momentum is its beta1 (0.9)."],
    [["--loss", "l2", "--label-smoothing", "0.1"], '--label-smoothing applies to --loss cross-entropy only, not "l2".'],
    [["--schedule", "cosine:0.5"], 'Invalid --schedule: expected MINLR ≤ the learning rate (0.1), got "cosine:0.5".'],
    [["--optimizer", "adam", "--schedule", "cosine:0.01"], 'Invalid --schedule: expected MINLR ≤ the learning rate (0.001), got "cosine:0.01".'],
  ])("rejects train %j with exit code 2 and %j", async (args, message) => {
    await expectUsageError("train", args, message);
  });

  it("accepts upper-case .SVG and a value given with =", async () => {
    const report = await trainJSON(["--epochs", "1", `--plot=${file("upper.SVG")}`]);
    expect(report.plot).toBe(file("upper.SVG"));
  });

  it("exits 1 naming the flag when --save cannot be written", async () => {
    await writeFile(file("a-file"), "");
    const target = join(file("a-file"), "model.wsmx");
    const { code, stderr } = await cli(["train", ...base(), "--epochs", "1", "--save", target]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`error: Cannot write --save ${target.replace(/[/\\.]/g, "\\$&")}: .*\\(E[A-Z]+\\)\\.`));
  });
});

describe("train --save and --resume", () => {
  const mlp = ["--hidden", "16", "--momentum", "0.9", "--schedule", "step:1:0.7", "--lr", "0.05"];

  it("writes the checkpoint after every epoch, then the final one with optimizer state and training position", async () => {
    const path = file("every.wsmx");
    const seen: number[] = [];
    const report = await trainJSON([...mlp, "--epochs", "3", "--save", path], {
      // The epoch line is printed before that epoch's checkpoint is written: the file holds the one before.
      onStderr: (text) => {
        if (/^epoch [23]\/3/.test(text)) seen.push(decodeCheckpoint(new Uint8Array(readFileSync(path))).training!.epoch);
      },
    });
    expect(seen).toEqual([1, 2]);
    expect(report.saved).toEqual({ file: path, epoch: 3 });
    const { model, optimizer, training } = await loadCheckpoint(path);
    expect(model.config).toEqual(report.model);
    expect(optimizer!.config).toEqual(report.optimizer);
    expect(optimizer!.steps).toBe(3 * Math.ceil(TRAIN_COUNT / 32));
    expect(training).toMatchObject({ epoch: 3, seed: 3, batchSize: 32, shuffle: true });
    expect(training!.history!.map((e) => e.loss)).toEqual(report.epochs.map((e) => e.trainLoss));
  });

  it.each([
    ["sgd with momentum and a step schedule", mlp],
    ["adam with weight decay", ["--hidden", "16,8", "--optimizer", "adam", "--lr", "0.01", "--weight-decay", "1e-4"]],
  ])("--save then --resume gives the weights of one uninterrupted run (%s)", async (_name, flags) => {
    const whole = await trainJSON([...flags, "--epochs", "4", "--save", file("whole.wsmx")]);
    const first = await trainJSON([...flags, "--epochs", "2", "--save", file("part.wsmx")]);
    expect(first.saved).toEqual({ file: file("part.wsmx"), epoch: 2 });
    // The resumed run gives neither the model nor the optimizer: they come from the file.
    const rest = await trainJSON(["--resume", file("part.wsmx"), "--epochs", "4", "--save", file("part.wsmx")]);
    expect(rest.resumedFrom).toEqual({ file: file("part.wsmx"), epoch: 2 });
    expect(rest.model).toEqual(whole.model);
    expect(rest.optimizer).toEqual(whole.optimizer);
    expect(rest.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(rest.epochs.map((e) => e.trainLoss)).toEqual(whole.epochs.map((e) => e.trainLoss));
    expect([rest.totals.testAccuracy, rest.totals.testLoss]).toEqual([whole.totals.testAccuracy, whole.totals.testLoss]);
    const a = await loadCheckpoint(file("whole.wsmx")), b = await loadCheckpoint(file("part.wsmx"));
    expect(sameBits(b.model.getParameters(), a.model.getParameters())).toBe(true);
    expect(sameBits(b.optimizer!.state!, a.optimizer!.state!)).toBe(true);
    expect({ ...b.training, history: [] }).toEqual({ ...a.training, history: [] });
    expect(b.training!.history!.map((e) => e.valLoss)).toEqual(a.training!.history!.map((e) => e.valLoss));
  });

  it("keeps the checkpoint's loss on --resume, and refuses a different one", async () => {
    const huber = ["--loss", "huber:0.5", "--lr", "0.01"];
    const whole = await trainJSON([...huber, "--epochs", "2", "--save", file("huber-whole.wsmx")]);
    await trainJSON([...huber, "--epochs", "1", "--save", file("huber.wsmx")]);
    expect((await loadCheckpoint(file("huber.wsmx"))).training!.loss).toEqual({ type: "huber", delta: 0.5 });
    const rest = await trainJSON(["--resume", file("huber.wsmx"), "--epochs", "2"]);
    expect(rest.loss).toEqual({ type: "huber", delta: 0.5 });
    expect(rest.epochs.map((e) => e.trainLoss)).toEqual(whole.epochs.map((e) => e.trainLoss));
    const conflict = await cli(["train", "--resume", file("huber.wsmx"), "--loss", "l1", "--epochs", "2"]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(/--loss l1 \(the checkpoint has huber/);
  });

  it("accepts flags that repeat the checkpoint's values", async () => {
    await trainJSON([...mlp, "--epochs", "1", "--save", file("same.wsmx")]);
    const report = await trainJSON(["--resume", file("same.wsmx"), ...mlp, "--model", "mlp", "--optimizer", "sgd",
      "--weight-decay", "0", "--epochs", "2"]);
    expect(report.resumedFrom!.epoch).toBe(1);
    expect(report.epochs).toHaveLength(2);
  });

  describe("refuses flags that conflict with the checkpoint, exit code 2", () => {
    beforeAll(async () => {
      await trainJSON([...mlp, "--epochs", "2", "--save", file("conflict.wsmx")]);
    });
    it.each([
      [["--model", "softmax"], "--model softmax (the checkpoint has mlp)"],
      [["--model", "mlp", "--hidden", "32"], "--hidden 32 (the checkpoint has 16)"],
      [["--batch-size", "64"], "--batch-size 64 (the checkpoint has 32)"],
      [["--seed", "4"], "--seed 4 (the checkpoint has 3)"],
      [["--optimizer", "adam"], "--optimizer adam (the checkpoint has sgd)"],
      [["--lr", "0.5"], "--lr 0.5 (the checkpoint has 0.05)"],
      [["--momentum", "0.5"], "--momentum 0.5 (the checkpoint has 0.9)"],
      [["--weight-decay", "0.01"], "--weight-decay 0.01 (the checkpoint has 0)"],
      [["--schedule", "cosine"], "--schedule cosine over 5 epochs (the checkpoint has step:1:0.7)"],
      [["--schedule", "step:2:0.7"], "--schedule step:2:0.7 (the checkpoint has step:1:0.7)"],
    ])("%j", async (args, conflict) => {
      const { code, stdout, stderr } = await cli(["train", "--data", dataDir, "--resume", file("conflict.wsmx"), "--epochs", "5", ...args]);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(`error: --resume ${file("conflict.wsmx")} conflicts with ${conflict}. A resumed run keeps the saved ` +
        "model, optimizer, seed and batch size: leave those flags out, or start a new run without --resume.\n");
    });

    it("lists every conflict at once", async () => {
      const { stderr } = await cli(["train", "--data", dataDir, "--resume", file("conflict.wsmx"), "--epochs", "5", "--seed", "1", "--batch-size", "8"]);
      expect(stderr).toContain("conflicts with --batch-size 8 (the checkpoint has 32), --seed 1 (the checkpoint has 3).");
    });

    it("refuses to resume a run that has already reached --epochs", async () => {
      await expectUsageError("train", ["--data", dataDir, "--resume", file("conflict.wsmx"), "--epochs", "2"],
        `Cannot resume from ${file("conflict.wsmx")}: it has already trained 2 epochs, and --epochs is 2. ` +
        "Pass --epochs greater than 2 to train further.");
      const { stderr } = await cli(["train", "--data", dataDir, "--resume", file("conflict.wsmx"), "--epochs", "1"]);
      expect(stderr).toContain("it has already trained 2 epochs, and --epochs is 1.");
    });
  });

  it("refuses to resume a model saved without a training position", async () => {
    await saveCheckpoint({ model: new SoftmaxRegression({ inputs: 784, classes: 10 }) }, file("bare.wsmx"));
    const { code, stderr } = await cli(["train", "--data", dataDir, "--resume", file("bare.wsmx")]);
    expect(code).toBe(2);
    expect(stderr).toContain(`error: Cannot resume from ${file("bare.wsmx")}: it holds a model but no training position`);
    expect(stderr).toContain(`eval --model ${file("bare.wsmx")}`);
  });

  it("exits 1 when the --resume file is missing or is not a checkpoint", async () => {
    const missing = await cli(["train", "--data", dataDir, "--resume", file("nowhere.wsmx")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: Invalid ${file("nowhere.wsmx")}: expected a readable checkpoint file, got ENOENT.`);
    await writeFile(file("junk.wsmx"), "not a checkpoint at all");
    const junk = await cli(["train", "--data", dataDir, "--resume", file("junk.wsmx")]);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toContain('expected magic "WSMX"');
  });

  it("exits 1 naming the file when the checkpoint's training position is damaged", async () => {
    const model = new SoftmaxRegression({ inputs: 784, classes: 10 });
    await saveCheckpoint({ model, optimizer: new SGD(), training: { epoch: 1, seed: -1, batchSize: 8, shuffle: true } }, file("damaged.wsmx"));
    const { code, stderr } = await cli(["train", "--data", dataDir, "--resume", file("damaged.wsmx"), "--epochs", "2"]);
    expect(code).toBe(1);
    expect(stderr).toBe(`error: Invalid ${file("damaged.wsmx")}: expected a valid model, optimizer and training position, got Invalid ` +
      "training.seed: expected an integer in [0, 2^32), got -1. The file is damaged or was written by another program; save it again.\n");
  });

  it("exits 1 when the checkpoint's model does not fit the data", async () => {
    const small = new MLP({ layers: [6, 4, 10] });
    await saveCheckpoint(encodeCheckpoint({ model: small, optimizer: new SGD(), training: { epoch: 1, seed: 0, batchSize: 8, shuffle: true } }), file("small.wsmx"));
    const { code, stderr } = await cli(["train", "--data", dataDir, "--resume", file("small.wsmx")]);
    expect(code).toBe(1);
    expect(stderr).toBe("error: Invalid dataset: expected 6 features per example (the model's input width), got 784. " +
      `The model in ${file("small.wsmx")} is mlp 6-4-10. Resume on the data the run was trained on, or start a new run.\n`);
  });
});

describe("Ctrl-C (io.signal)", () => {
  const flags = ["--hidden", "16", "--optimizer", "adam", "--lr", "0.01", "--schedule", "cosine:0.001"];

  it("after an epoch: stops, prints the finished epochs, saves them and exits 130; --resume then matches an uninterrupted run", async () => {
    const whole = await trainJSON([...flags, "--epochs", "5", "--save", file("ctrl-whole.wsmx")]);
    const ctrlC = new AbortController();
    const stopped = await trainJSON([...flags, "--epochs", "5", "--save", file("ctrl-part.wsmx")], {
      signal: ctrlC.signal,
      onStderr: (text) => { if (text.startsWith("epoch 2/5")) ctrlC.abort(); },
    });
    expect(stopped.code).toBe(130);
    expect(stopped.stopped).toBe("interrupted");
    expect(stopped.stderr).toContain("interrupted: stopping after the current batch");
    expect(stopped.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(stopped.saved).toEqual({ file: file("ctrl-part.wsmx"), epoch: 2 });

    const rest = await trainJSON(["--resume", file("ctrl-part.wsmx"), "--epochs", "5", "--save", file("ctrl-part.wsmx")]);
    expect(rest.code).toBe(0);
    const a = await loadCheckpoint(file("ctrl-whole.wsmx")), b = await loadCheckpoint(file("ctrl-part.wsmx"));
    expect(sameBits(b.model.getParameters(), a.model.getParameters())).toBe(true);
    expect(rest.epochs.map((e) => e.testLoss)).toEqual(whole.epochs.map((e) => e.testLoss));
  });

  it("mid-epoch: keeps only whole epochs in --save (here none: the initial state), so resuming replays the run exactly", async () => {
    const ctrlC = new AbortController();
    // On a terminal the progress bar is drawn after the first batch: press Ctrl-C then.
    const { code, stdout, stderr } = await cli(
      ["train", ...base(), ...flags, "--epochs", "2", "--save", file("early.wsmx"), "--plot", file("early.svg")],
      { isTTY: true, signal: ctrlC.signal, onStderr: (text) => { if (text.includes("1/12")) ctrlC.abort(); } });
    expect(code).toBe(130);
    expect(stderr).toMatch(/\ninterrupted: stopping after the current batch \(Ctrl-C again quits at once\)\n/);
    expect(stderr).toContain(`--plot ${file("early.svg")} not written: no epoch finished`);
    expect(existsSync(file("early.svg"))).toBe(false);
    expect(stdout).toContain("test accuracy: n/a\ninterrupted during epoch 1; its partial updates are not saved\n");
    expect(stdout).toContain(`saved ${file("early.wsmx")} (epoch 0; continue with --resume ${file("early.wsmx")})`);
    const saved = await loadCheckpoint(file("early.wsmx"));
    expect(saved.training!.epoch).toBe(0);
    expect(sameBits(saved.model.getParameters(), new MLP({ layers: [784, 16, 10], seed: 3 }).getParameters())).toBe(true);

    await trainJSON(["--resume", file("early.wsmx"), "--epochs", "2", "--save", file("early.wsmx")]);
    await trainJSON([...flags, "--epochs", "2", "--save", file("early-whole.wsmx")]);
    const a = await loadCheckpoint(file("early-whole.wsmx")), b = await loadCheckpoint(file("early.wsmx"));
    expect(sameBits(b.model.getParameters(), a.model.getParameters())).toBe(true);
  });

  it("before training (while loading the data): exits 130 without training", async () => {
    const ctrlC = new AbortController();
    ctrlC.abort();
    const { code, stdout, stderr } = await cli(["train", "--data", dataDir], { signal: ctrlC.signal });
    expect(code).toBe(130);
    expect(stdout).toBe("");
    expect(stderr).toBe("interrupted\n");
  });
});

describe("train --patience", () => {
  it("stops when the test loss stops improving and keeps the best epoch's weights", async () => {
    // Unlearnable labels (the tiny set): the test loss soon rises, so early stopping must end the run.
    const { code, stdout, stderr } = await cli(["train", "--data", tinyDir, "--hidden", "32", "--lr", "0.5", "--batch-size", "4",
      "--epochs", "30", "--patience", "1", "--save", file("patience.wsmx"), "--json"]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as TrainJSON;
    expect(report.stopped).toBe("early-stopping");
    const losses = report.epochs.map((e) => e.testLoss);
    const best = losses.indexOf(Math.min(...losses));
    expect(report.bestEpoch).toBe(best + 1);
    // Stopped after `patience + 1` epochs without improvement.
    expect(report.epochs).toHaveLength(best + 3);
    expect(report.totals.testLoss).toBe(losses[best]);
    // The saved model is the best epoch's: evaluating it gives that epoch's test loss.
    const evaluated = JSON.parse((await cli(["eval", "--model", file("patience.wsmx"), "--data", tinyDir, "--json"])).stdout) as { loss: number };
    expect(evaluated.loss).toBeCloseTo(losses[best]!, 4);
  });

  it("says so in the text summary, and warns that it picks the epoch on the test set", async () => {
    const { stdout, stderr } = await cli(["train", "--data", tinyDir, "--hidden", "32", "--lr", "0.5", "--batch-size", "4", "--epochs", "30",
      "--patience", "0"]);
    expect(stdout).toMatch(/^test accuracy: \d\.\d{4} \(the weights of epoch \d+, the lowest test loss\)$/m);
    expect(stdout).toMatch(/^stopped early after epoch \d+: the test loss did not improve for 1 epoch$/m);
    expect(stderr).toBe("warning: --patience picks the epoch with the lowest test loss, so the test accuracy printed is biased " +
      "upwards; pass --validation-split 0.1 to pick it on held-out training data instead\n");
  });

  it("with --validation-split stops on the held-out loss, without a warning, and scores the test set once at the end", async () => {
    // Unlearnable labels (the tiny set): the held-out loss soon rises, so early stopping ends the run.
    const args = ["train", "--data", tinyDir, "--hidden", "32", "--lr", "0.5", "--batch-size", "4", "--epochs", "30", "--patience", "0",
      "--validation-split", "0.25", "--save", file("split.wsmx")];
    const { code, stdout, stderr } = await cli([...args, "--json"]);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain("warning");
    const report = JSON.parse(stdout) as Omit<TrainJSON, "epochs" | "options"> & {
      epochs: { valLoss: number; valAccuracy: number }[]; options: { validationSplit?: number }; data: { source: string; train: number; test: number };
    };
    expect(report.options.validationSplit).toBe(0.25);
    expect(report.data).toEqual({ source: tinyDir, train: 40, test: 10 });
    expect(report.stopped).toBe("early-stopping");
    for (const e of report.epochs) expect(Object.keys(e)).toEqual(["epoch", "trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "lr", "ms"]);
    const losses = report.epochs.map((e) => e.valLoss);
    expect(report.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
    // The test figures are the saved (best) model's on the test set, which no epoch looked at.
    const evaluated = JSON.parse((await cli(["eval", "--model", file("split.wsmx"), "--data", tinyDir, "--json"])).stdout) as { loss: number; accuracy: number };
    expect(report.totals.testLoss).toBeCloseTo(evaluated.loss, 4);
    expect(losses).not.toContain(report.totals.testLoss);

    const text = await cli(args);
    expect(text.stdout).toMatch(/^epoch {2}train loss {2}train acc {3}val loss {3}val acc {6}ms$/m);
    expect(text.stdout).toMatch(/^val accuracy: \d\.\d{4}\ntest accuracy: \d\.\d{4}/m);
    expect(text.stdout).toMatch(/^test accuracy: \d\.\d{4} \(the weights of epoch \d+, the lowest val loss\)$/m);
    expect(text.stdout).toMatch(/^stopped early after epoch \d+: the val loss did not improve for 1 epoch$/m);
  });

  it("with --stratify holds out each class's share, drawn from --seed, as fit's stratify does", async () => {
    const args = ["train", "--data", tinyDir, "--batch-size", "4", "--epochs", "1", "--validation-split", "0.25", "--seed", "5"];
    const { code, stdout, stderr } = await cli([...args, "--stratify", "--save", file("stratified.wsmx"), "--json"]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { options: { validationSplit: number; stratify: boolean }; epochs: { valLoss: number; valAccuracy: number }[] };
    expect(report.options).toMatchObject({ validationSplit: 0.25, stratify: true });
    await init();
    const { train } = await loadFashionMNIST({ dir: tinyDir });
    const { validation } = stratifiedSplit(train, { validation: 0.25, seed: 5 });
    const { model } = await loadCheckpoint(file("stratified.wsmx"));
    const held = evaluate(model, validation, { batchSize: 4 });
    expect(report.epochs[0]!.valLoss).toBe(held.loss);
    expect(report.epochs[0]!.valAccuracy).toBe(held.accuracy);
    // Without --stratify the last quarter is held out: another set, another loss.
    const last = evaluate(model, train.subset(Int32Array.from({ length: 10 }, (_, i) => 30 + i)), { batchSize: 4 });
    expect(last.loss).not.toBe(held.loss);
    const plain = JSON.parse((await cli([...args, "--json"])).stdout) as { options: { stratify: boolean } };
    expect(plain.options.stratify).toBe(false);
  });

  it("rejects --stratify without --validation-split, and a value that is not a switch's", async () => {
    await expectUsageError("train", ["--stratify"],
      "--stratify needs --validation-split: it says how the held-out fraction is drawn (--validation-split 0.1, say).");
    await expectUsageError("train", ["--validation-split", "0.1", "--stratify=maybe"], 'Invalid --stratify: expected no value, true or false, got "maybe".');
  });

  it("rejects a --validation-split that would hold out no example of the training set, naming its size", async () => {
    await expectUsageError("train", ["--data", tinyDir, "--validation-split", "0.01"],
      'Invalid --validation-split: expected a fraction that holds out at least one of the 40 training examples and keeps at least one, got "0.01".');
  });

  it.each(["0", "1", "-0.1", "half"])("rejects --validation-split %s with exit code 2", async (value) => {
    await expectUsageError("train", ["--validation-split", value], `Invalid --validation-split: expected a number in (0, 1), got "${value}".`);
  });
});


describe("train --plot and --grid", () => {
  it("write learning curves and an image grid as SVG", async () => {
    const plot = file("curves.svg"), grid = file("grid.svg");
    const { code, stdout } = await cli(["train", ...base(), "--epochs", "3", "--plot", plot, "--grid", grid]);
    expect(code).toBe(0);
    expect(stdout).toContain(`learning curves: ${plot}\nimage grid: ${grid}\n`);
    const curves = readFileSync(plot, "utf8");
    expectWellFormedSVG(curves);
    const polylines = [...curves.matchAll(/<polyline [^>]*points="([^"]*)"/g)];
    // Train loss, train accuracy and test accuracy; one point per epoch each.
    expect(polylines).toHaveLength(3);
    for (const [, points] of polylines) expect(points!.split(" ")).toHaveLength(3);
    const cells = readFileSync(grid, "utf8");
    expectWellFormedSVG(cells);
    expect(cells.match(/<g transform=/g)).toHaveLength(18);
    expect(cells.match(/<image [^>]*href="data:image\/png;base64,/g)).toHaveLength(18);
    // The true label of the first test image is under it.
    expect(cells).toContain(`>${FASHION_MNIST_CLASSES[testLabels[0]!]}</text>`);
  });

  it("draws as many cells as there are test images when there are fewer than 18, and reports both files in JSON", async () => {
    const { code, stdout } = await cli(["train", "--data", tinyDir, "--epochs", "1", "--plot", file("tiny.svg"),
      "--grid", file("tiny-grid.svg"), "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as TrainJSON;
    expect(report.plot).toBe(file("tiny.svg"));
    expect(report.grid).toBe(file("tiny-grid.svg"));
    const cells = readFileSync(file("tiny-grid.svg"), "utf8");
    expectWellFormedSVG(cells);
    expect(cells.match(/<g transform=/g)).toHaveLength(10);
    const curves = readFileSync(file("tiny.svg"), "utf8");
    expect([...curves.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map(([, p]) => p!.split(" ").length)).toEqual([1, 1, 1]);
  });
});

describe("eval", () => {
  let model: string;
  let trained: TrainJSON;
  beforeAll(async () => {
    model = file("eval.wsmx");
    trained = await trainJSON(["--hidden", "24", "--epochs", "3", "--lr", "0.3", "--save", model]);
  });

  it("prints accuracy, loss and a confusion matrix whose rows sum to the class counts", async () => {
    const { code, stdout, stderr } = await cli(["eval", "--model", model, "--data", dataDir]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`model: mlp 784-24-10 from ${model}, trained 3 epochs\n`);
    expect(stdout).toMatch(new RegExp(`^test accuracy: ${trained.totals.testAccuracy.toFixed(4)}  test loss: \\d\\.\\d{4} \\(cross-entropy, 100 examples\\)$`, "m"));
    const lines = stdout.split("\n");
    const header = lines.findIndex((l) => l.startsWith("true \\ predicted"));
    // Abbreviated column headers, aligned with the counts under them.
    expect(lines[header]).toMatch(/^true \\ predicted {2}T-sh {2}Trou {2}Pull {2}Dres {2}Coat {2}Sand {2}Shir {2}Snea {2}Bag {2}Ankl {5}acc$/);
    expect(lines[header + 1]).toMatch(/^-{16}( +-+){11}$/);
    const rows = lines.slice(header + 2, header + 12);
    rows.forEach((row, c) => {
      expect(row.startsWith(FASHION_MNIST_CLASSES[c]!.padEnd(16))).toBe(true);
      expect(row.length).toBe(lines[header]!.length);
      const cells = row.slice(16).trim().split(/ +/);
      const counts = cells.slice(0, 10).map(Number);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(classCounts[c]);
      expect(Number(cells[10])).toBeCloseTo(counts[c]! / classCounts[c]!, 4);
    });
  });

  it("--json prints accuracy, loss, per-class accuracy by class name and the confusion matrix", async () => {
    const { code, stdout, stderr } = await cli(["eval", "--model", model, "--data", dataDir, "--json"]);
    expect(code).toBe(0);
    type Scores = { precision: number; recall: number; f1: number; support: number };
    const report = JSON.parse(stdout) as { accuracy: number; loss: number; perClass: Record<string, number>; confusion: number[][];
      report: { classes: Record<string, Scores>; macro: Scores; weighted: Scores } };
    expect(Object.keys(report)).toEqual(["accuracy", "loss", "perClass", "confusion", "report"]);
    expect(Object.keys(report.report.classes)).toEqual([...FASHION_MNIST_CLASSES]);
    FASHION_MNIST_CLASSES.forEach((name, c) => {
      const scores = report.report.classes[name]!, predictedAs = report.confusion.reduce((sum, row) => sum + row[c]!, 0);
      expect(scores.support).toBe(classCounts[c]);
      expect(scores.recall).toBeCloseTo(report.confusion[c]![c]! / classCounts[c]!, 10);
      expect(scores.precision).toBeCloseTo(predictedAs ? report.confusion[c]![c]! / predictedAs : 0, 10);
    });
    expect(report.report.weighted.recall).toBeCloseTo(report.accuracy, 10);
    expect(report.report.macro.support).toBe(TEST_COUNT);
    expect(Object.keys(report.perClass)).toEqual([...FASHION_MNIST_CLASSES]);
    expect(report.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(classCounts);
    const diagonal = report.confusion.reduce((sum, row, c) => sum + row[c]!, 0);
    expect(report.accuracy).toBe(diagonal / TEST_COUNT);
    expect(report.accuracy).toBe(trained.totals.testAccuracy);
    expect(report.loss).toBeCloseTo(trained.totals.testLoss, 4);
    FASHION_MNIST_CLASSES.forEach((name, c) => expect(report.perClass[name]).toBeCloseTo(report.confusion[c]![c]! / classCounts[c]!, 10));
    // The model and data lines went to stderr, leaving stdout to the document.
    expect(stderr).toContain(`model: mlp 784-24-10 from ${model}`);
  });

  it("prints the classification report after the confusion matrix: a row per class, then accuracy and the two means", async () => {
    const { code, stdout } = await cli(["eval", "--model", model, "--data", dataDir]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    const header = lines.findIndex((l) => l.startsWith("class "));
    expect(lines[header]).toMatch(/^class {9}precision {2}recall {6}f1 {2}support$/);
    const rows = lines.slice(header + 2, header + 15).map((l) => l.split(/ {2,}/));
    expect(rows.map((r) => r[0])).toEqual([...FASHION_MNIST_CLASSES, "accuracy", "macro avg", "weighted avg"]);
    rows.slice(0, 10).forEach((r, c) => expect(Number(r[4])).toBe(classCounts[c]));
    expect(rows[10]).toEqual(["accuracy", expect.stringMatching(/^\d\.\d{4}$/), String(TEST_COUNT)]);
    const macroRecall = rows.slice(0, 10).reduce((sum, r) => sum + Number(r[2]), 0) / 10;
    expect(Number(rows[11]![2])).toBeCloseTo(macroRecall, 3);
  });

  it("names the classes by the model's own labels when it has them", async () => {
    const labels = FASHION_MNIST_CLASSES.map((name) => name.toUpperCase());
    const { model: trainedModel } = await loadCheckpoint(model);
    const relabelled = new MLP({ layers: [...trainedModel.layers], labels });
    relabelled.setParameters(trainedModel.getParameters());
    await saveCheckpoint({ model: relabelled }, file("labelled.wsmx"));
    const { code, stdout } = await cli(["eval", "--model", file("labelled.wsmx"), "--data", dataDir]);
    expect(code).toBe(0);
    const lines = stdout.split("\n"), header = lines.findIndex((l) => l.startsWith("class "));
    expect(lines.slice(header + 2, header + 12).map((l) => l.split(/ {2,}/)[0])).toEqual(labels);
    const predicted = await cli(["predict", "--model", file("labelled.wsmx"), "--data", dataDir, "--index", "0"]);
    expect(predicted.stdout).toContain(`true label: ${testLabels[0]} ${labels[testLabels[0]!]}\n`);
    expect(predicted.stdout).toMatch(/^ {2}\d ANKLE BOOT {3}\d\.\d{4}/m);
  });

  it("numbers the columns when class names are too alike to abbreviate", async () => {
    const { confusionTable } = await import("../../src/cli/eval.js");
    const table = confusionTable(["Shirt A", "Shirt B"], [[1, 2], [0, 3]], [1 / 3, 1]);
    expect(table.split("\n")[0]).toMatch(/^true \\ predicted {2}0 {2}1 {5}acc$/);
    expect(table.split("\n")[2]).toMatch(/^0 Shirt A {9}1 {2}2 {2}0\.3333$/);
  });

  it.each([
    [[], "Missing --model: expected a checkpoint file path."],
    [["--model="], 'Invalid --model: expected a checkpoint file path, got "".'],
    [["--model", "m.wsmx", "--backend", "gpu"], 'Invalid --backend: expected one of "js", "wasm", "wasm-simd", got "gpu".'],
    [["--model", "m.wsmx", "--index", "3"], 'unknown option --index for "eval". Valid options: --model, --data, --backend, --threads, --json, --help.'],
  ])("rejects eval %j with exit code 2", async (args, message) => {
    await expectUsageError("eval", args, message);
  });

  it("exits 1 for a file that is not a checkpoint, and for a model of other data", async () => {
    await writeFile(file("text.wsmx"), "hello");
    const junk = await cli(["eval", "--model", file("text.wsmx"), "--data", dataDir]);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/^error: Invalid .*text\.wsmx: expected/);
    await saveCheckpoint({ model: new SoftmaxRegression({ inputs: 6, classes: 10 }) }, file("six.wsmx"));
    const other = await cli(["eval", "--model", file("six.wsmx"), "--data", dataDir]);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe("error: Invalid dataset: expected 6 features per example (the model's input width), got 784. " +
      `The model in ${file("six.wsmx")} is softmax-regression 6-10. Evaluate it on the data it was trained on.\n`);
    // A model with the data's inputs but other classes is refused on its output width.
    await saveCheckpoint({ model: new SoftmaxRegression({ inputs: 784, classes: 3 }) }, file("three.wsmx"));
    const classes = await cli(["predict", "--model", file("three.wsmx"), "--data", dataDir]);
    expect(classes.code).toBe(1);
    expect(classes.stderr).toBe("error: Invalid dataset: expected 3 classes (the model's output width), got 10. " +
      `The model in ${file("three.wsmx")} is softmax-regression 784-3. Use it on the data it was trained on.\n`);
  });
});

describe("predict", () => {
  let model: string;
  beforeAll(async () => {
    model = file("predict.wsmx");
    await trainJSON(["--epochs", "3", "--lr", "0.3", "--save", model]);
  });

  // "  9 Ankle boot   0.9300  ####": the class number, its label, the probability and a bar.
  const probabilityLines = (stdout: string) => [...stdout.matchAll(/^ {2}(\d+) (\S.*?) +(\d\.\d{4})(?: +[#█▏▎▍▌▋▊▉]+)?$/gm)]
    .map(([, c, name, p]) => [name!, Number(p), Number(c)] as const);

  it("shows the image in ASCII without a terminal, the true label and ten sorted probabilities summing to 1, each class by number and label", async () => {
    const index = 7, label = `${testLabels[index]} ${FASHION_MNIST_CLASSES[testLabels[index]!]!}`;
    const { code, stdout, stderr } = await cli(["predict", "--model", model, "--data", dataDir, "--index", String(index)]);
    expect(code, stderr).toBe(0);
    expect(stdout).not.toContain("\x1b[");
    expect(stdout).toContain(`test image 7 of 100 from ${dataDir}\n`);
    expect(stdout).toContain(`true label: ${label}\n`);
    const image = stdout.split("\n").filter((l) => /^[|+]/.test(l));
    expect(image).toHaveLength(30);
    expect(image[0]).toBe(`+${"-".repeat(56)}+`);
    for (const line of image.slice(1, -1)) expect(line).toMatch(/^\|[ .:\-=+*#%@]{56}\|$/);
    // The class's bright band (rows 2c+4, 2c+5) shows up as the densest rows.
    expect(image[1 + 2 * testLabels[index]! + 4]).toMatch(/[%@#*]{10}/);
    const probabilities = probabilityLines(stdout);
    expect(probabilities.map(([name]) => name).sort()).toEqual([...FASHION_MNIST_CLASSES].sort());
    for (const [name, , c] of probabilities) expect(FASHION_MNIST_CLASSES[c]).toBe(name);
    expect(probabilities.reduce((s, [, p]) => s + p, 0)).toBeCloseTo(1, 2);
    const ps = probabilities.map(([, p]) => p);
    expect(ps).toEqual([...ps].sort((a, b) => b - a));
    const [name, p, c] = probabilities[0]!;
    expect(stdout).toContain(`predicted:  ${c} ${name} (${p.toFixed(4)}), ${`${c} ${name}` === label ? "right" : "wrong"}\n`);
  });

  it("on a terminal draws half blocks in 256-colour greys, or 24-bit with COLORTERM=truecolor", async () => {
    const grey = await cli(["predict", "--model", model, "--data", dataDir], { isTTY: true, env: { TERM: "xterm-256color" } });
    expect(grey.code).toBe(0);
    const rows = grey.stdout.split("\n").filter((l) => l.includes("▀"));
    expect(rows).toHaveLength(14);
    for (const row of rows) {
      expect(row.replace(/\x1b\[[0-9;]*m/g, "")).toBe("▀".repeat(28));
      expect(row.endsWith("\x1b[0m")).toBe(true);
    }
    expect(grey.stdout).toMatch(/\x1b\[48;5;(16|23[1-9]|24\d|25[0-5])m/);
    expect(grey.stdout).toContain("█");
    const full = await cli(["predict", "--model", model, "--data", dataDir], { isTTY: true, env: { COLORTERM: "truecolor" } });
    expect(full.stdout).toMatch(/\x1b\[38;2;(\d+);\1;\1m/);
    const plain = await cli(["predict", "--model", model, "--data", dataDir], { isTTY: true, env: { NO_COLOR: "1" } });
    expect(plain.stdout).not.toContain("\x1b[");
  });

  it("decides colour by stdout's terminal, not stderr's: `predict > out.txt` writes no escape codes", async () => {
    const toFile = await cli(["predict", "--model", model, "--data", dataDir], { isTTY: true, stdoutIsTTY: false, env: { COLORTERM: "truecolor" } });
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).not.toContain("\x1b[");
    expect(toFile.stdout).toContain("+--------");
    const onScreen = await cli(["predict", "--model", model, "--data", dataDir], { isTTY: false, stdoutIsTTY: true, env: {} });
    expect(onScreen.stdout).toContain("\x1b[38;5;");
    const forced = await cli(["predict", "--model", model, "--data", dataDir], { stdoutIsTTY: false, env: { FORCE_COLOR: "1" } });
    expect(forced.stdout).toContain("\x1b[38;5;");
  });

  it("--json prints index, label, prediction (each class by name and number) and the probabilities by class name, most likely first", async () => {
    const { code, stdout } = await cli(["predict", "--model", model, "--data", dataDir, "--index", "99", "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { index: number; label: string; labelIndex: number; predicted: string; predictedIndex: number; probabilities: Record<string, number> };
    expect(Object.keys(report)).toEqual(["index", "label", "labelIndex", "predicted", "predictedIndex", "probabilities"]);
    expect(report.index).toBe(99);
    expect(report.label).toBe(FASHION_MNIST_CLASSES[testLabels[99]!]);
    expect(report.labelIndex).toBe(testLabels[99]);
    expect(FASHION_MNIST_CLASSES[report.predictedIndex]).toBe(report.predicted);
    const entries = Object.entries(report.probabilities);
    expect(entries).toHaveLength(10);
    expect(entries[0]![0]).toBe(report.predicted);
    expect(entries.reduce((s, [, p]) => s + p, 0)).toBeCloseTo(1, 5);
    expect(entries.map(([, p]) => p)).toEqual(entries.map(([, p]) => p).sort((a, b) => b - a));
  });

  it.each([
    [[], "Missing --model: expected a checkpoint file path."],
    [["--model", "m.wsmx", "--index", "-1"], 'Invalid --index: expected an integer ≥ 0, got "-1".'],
    [["--model", "m.wsmx", "--index", "two"], 'Invalid --index: expected an integer ≥ 0, got "two".'],
    [["--model", "m.wsmx", "--index"], "Missing value for --index: expected an integer ≥ 0."],
  ])("rejects predict %j with exit code 2", async (args, message) => {
    await expectUsageError("predict", args, message);
  });

  it("rejects an --index beyond the test set, naming its size", async () => {
    await expectUsageError("predict", ["--model", model, "--data", dataDir, "--index", "100"],
      'Invalid --index: expected an integer in [0, 100) (the test set\'s size), got "100".');
  });
});

describe("terminal pictures", () => {
  const image = [0, 255, 128, 64];

  it("renders an ASCII ramp, two characters per pixel, in a frame", () => {
    expect(renderImage(image, 2, 2, "ascii")).toBe("+----+\n|  @@|\n|++::|\n+----+\n");
  });

  it("renders pairs of rows as half blocks, padding an odd last row with black", () => {
    const text = renderImage([0, 255, 128], 1, 3, "truecolor");
    expect(text).toBe("\x1b[38;2;0;0;0m\x1b[48;2;0;0;0m▀\x1b[38;2;255;255;255m▀\x1b[38;2;128;128;128m▀\x1b[0m\n");
    expect(renderImage(image, 2, 2, "256")).toBe("\x1b[38;5;16m\x1b[48;5;244m▀\x1b[38;5;231m\x1b[48;5;238m▀\x1b[0m\n");
  });

  it("picks colour only on a terminal that allows it", () => {
    expect(imageMode({ isTTY: false, env: { COLORTERM: "truecolor" } })).toBe("ascii");
    expect(imageMode({ isTTY: true, env: {} })).toBe("256");
    expect(imageMode({ isTTY: true, env: { COLORTERM: "24bit" } })).toBe("truecolor");
    expect(imageMode({ isTTY: true, env: { NO_COLOR: "1" } })).toBe("ascii");
    expect(imageMode({ isTTY: true, env: { TERM: "dumb" } })).toBe("ascii");
  });

  it("lets FORCE_COLOR win over the terminal and NO_COLOR, as Node does", () => {
    expect(imageMode({ isTTY: false, env: { FORCE_COLOR: "1" } })).toBe("256");
    expect(imageMode({ isTTY: false, env: { FORCE_COLOR: "" } })).toBe("256");
    expect(imageMode({ isTTY: false, env: { FORCE_COLOR: "3" } })).toBe("truecolor");
    expect(imageMode({ isTTY: false, env: { FORCE_COLOR: "true", COLORTERM: "truecolor" } })).toBe("truecolor");
    expect(imageMode({ isTTY: true, env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).toBe("256");
    expect(imageMode({ isTTY: true, env: { FORCE_COLOR: "0" } })).toBe("ascii");
    expect(imageMode({ isTTY: true, env: { FORCE_COLOR: "false" } })).toBe("ascii");
  });

  it("draws bars in eighths, or in #", () => {
    expect(bar(0.5, 4, "256")).toBe("██");
    expect(bar(0.53, 4, "256")).toBe("██▏");
    expect(bar(1.2, 4, "ascii")).toBe("####");
    expect(bar(Number.NaN, 4, "ascii")).toBe("");
  });
});
