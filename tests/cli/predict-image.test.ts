// `wasm-softmax predict --image FILE`: PNG and PGM files classified by a saved model.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { init } from "../../src/runtime/runtime.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import type { DenseNetwork } from "../../src/model/network.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/io/files-node.js";
import { loadFashionMNIST } from "../../src/data/fashion-mnist/node/load.js";
import { FASHION_MNIST_CLASSES } from "../../src/data/fashion-mnist/constants.js";
import { writeLearnableFashionDir } from "../helpers/idx.js";
import { png, pgm } from "../helpers/png.js";

async function cli(argv: string[], io: { isTTY?: boolean; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const code = await run(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, isTTY: io.isTTY ?? false, env: io.env ?? {} });
  return { code, stdout, stderr };
}

async function expectUsageError(args: string[], message: string): Promise<void> {
  const { code, stdout, stderr } = await cli(["predict", ...args]);
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr).toBe(`error: ${message}\nRun "wasm-softmax predict --help" for usage.\n`);
}

interface Report { image: string; width: number; height: number; inverted: boolean; predicted: string; predictedIndex: number; probabilities: Record<string, number> }

let scratch: string, modelFile: string, model: DenseNetwork, image: Uint8Array, label: number;
const file = (name: string) => join(scratch, name);

beforeAll(async () => {
  await init();
  scratch = await mkdtemp(join(tmpdir(), "wasm-softmax-predict-image-"));
  const dataDir = file("fashion");
  await writeLearnableFashionDir(dataDir, 384, 20);
  modelFile = file("model.wsmx");
  const trained = await cli(["train", "--data", dataDir, "--epochs", "3", "--lr", "0.3", "--batch-size", "32", "--save", modelFile]);
  expect(trained.code, trained.stderr).toBe(0);
  model = (await loadCheckpoint(modelFile)).model;
  const { test } = await loadFashionMNIST({ dir: dataDir });
  label = test.y[3]!;
  image = test.x.subarray(3 * 784, 4 * 784) as Uint8Array;
}, 60_000);

afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

/** The probabilities the model gives the pixels, by class name, most likely first. */
function expected(pixels: Uint8Array): [string, number][] {
  const p = model.predictProba(pixels);
  return FASHION_MNIST_CLASSES.map((name, c) => [name, p[c]!] as [string, number]).sort((a, b) => b[1] - a[1]);
}

/** The same, each class as the text output names it: "9 Ankle boot". */
const titled = (want: [string, number][]) => want.map(([name, p]) => [`${FASHION_MNIST_CLASSES.indexOf(name)} ${name}`, p] as const);

describe("predict --image", () => {
  it("classifies a 28 × 28 grey PNG as predictProba does its pixels, with --json", async () => {
    await writeFile(file("grey.png"), png({ width: 28, height: 28, channels: 1, data: image, filters: [4] }));
    const { code, stdout, stderr } = await cli(["predict", "--model", modelFile, "--image", file("grey.png"), "--json"]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(Object.keys(report)).toEqual(["image", "width", "height", "inverted", "predicted", "predictedIndex", "probabilities"]);
    expect(report).toMatchObject({ image: file("grey.png"), width: 28, height: 28, inverted: false });
    expect(Object.entries(report.probabilities)).toEqual(expected(image));
    // The learnable set's bands are easy: the model gets this one right.
    expect(report.predicted).toBe(FASHION_MNIST_CLASSES[label]);
    expect(report.predictedIndex).toBe(label);
  });

  it("gives the same answer for the image as 56 × 56 RGBA, as an inverted drawing with --invert, and as a PGM", async () => {
    const big = new Uint8Array(56 * 56 * 4);
    for (let y = 0; y < 56; y++) {
      for (let x = 0; x < 56; x++) big.set([image[(y >> 1) * 28 + (x >> 1)]!, image[(y >> 1) * 28 + (x >> 1)]!, image[(y >> 1) * 28 + (x >> 1)]!, 255], (y * 56 + x) * 4);
    }
    await writeFile(file("big.png"), png({ width: 56, height: 56, channels: 4, data: big, filters: [1, 2, 3] }));
    await writeFile(file("drawing.pgm"), pgm("P5\n28 28\n255\n", image.map((v) => 255 - v)));
    await writeFile(file("plain.pgm"), pgm("P2\n28 28\n255\n", Array.from(image).join(" ")));
    const want = expected(image);
    for (const args of [["--image", file("big.png")], ["--image", file("drawing.pgm"), "--invert"], ["--image", file("plain.pgm")]]) {
      const { code, stdout, stderr } = await cli(["predict", "--model", modelFile, ...args, "--json"]);
      expect(code, stderr).toBe(0);
      expect(Object.entries((JSON.parse(stdout) as Report).probabilities), args.join(" ")).toEqual(want);
    }
  });

  it("shows the image as the model sees it, its size and kind, and the ten classes with probabilities", async () => {
    const { code, stdout } = await cli(["predict", "--model", modelFile, "--image", file("big.png")]);
    expect(code).toBe(0);
    expect(stdout).toContain(`model: softmax-regression 784-10 from ${modelFile}\nimage: ${file("big.png")} (56 × 56 RGBA, resized to 28 × 28)\n\n`);
    const frame = stdout.split("\n").filter((l) => /^[|+]/.test(l));
    expect(frame).toHaveLength(30);
    expect(frame[1 + 2 * label + 4]).toMatch(/[%@#*]{10}/);
    const want = titled(expected(image));
    expect(stdout).toContain(`predicted:  ${want[0]![0]} (${want[0]![1].toFixed(4)})\n\nclass probabilities:\n`);
    const lines = [...stdout.matchAll(/^ {2}(\S.*?) +(\d\.\d{4})(?: +#+)?$/gm)].map(([, name, p]) => [name, p]);
    expect(lines).toEqual(want.map(([name, p]) => [name, p.toFixed(4)]));
    const inverted = await cli(["predict", "--model", modelFile, "--image", file("drawing.pgm"), "--invert"], { isTTY: true, env: { COLORTERM: "truecolor" } });
    expect(inverted.stdout).toContain(`(28 × 28 grey, inverted)\n`);
    expect(inverted.stdout.split("\n").filter((l) => l.includes("▀"))).toHaveLength(14);
  });

  it.each([
    [["--model", "m.wsmx", "--image", "a.png", "--index", "3"], "Invalid --index: expected --image or --index, not both."],
    [["--model", "m.wsmx", "--image", "a.png", "--data", "dir"], "Invalid --data: expected --image or --data, not both."],
    [["--model", "m.wsmx", "--invert"], "Invalid --invert: expected it only with --image."],
    [["--model", "m.wsmx", "--image="], 'Invalid --image: expected an image file path, got "".'],
  ])("rejects predict %j with exit code 2", async (args, message) => {
    await expectUsageError(args, message);
  });

  it("exits 1 for a missing image, a damaged one, and a model whose inputs are not a square image", async () => {
    const missing = await cli(["predict", "--model", modelFile, "--image", file("nope.png")]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toBe(`error: Cannot read --image ${file("nope.png")}: no such file or directory; check the path (ENOENT).\n`);
    const bytes = png({ width: 28, height: 28, channels: 1, data: image });
    bytes[45] = bytes[45]! ^ 0xff; // inside the IDAT data
    await writeFile(file("damaged.png"), bytes);
    const damaged = await cli(["predict", "--model", modelFile, "--image", file("damaged.png")]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toBe(`error: Invalid ${file("damaged.png")}: expected chunk "IDAT" with a matching CRC-32, got a mismatch. The file is damaged.\n`);
    await saveCheckpoint({ model: new SoftmaxRegression({ inputs: 6, classes: 3 }) }, file("six.wsmx"));
    const odd = await cli(["predict", "--model", file("six.wsmx"), "--image", file("grey.png")]);
    expect(odd.code).toBe(1);
    expect(odd.stderr).toBe(`error: Invalid ${file("six.wsmx")}: expected a model whose inputs are a square image (784 = 28 × 28), got softmax-regression 6-3. ` +
      "Use --index with its test data instead.\n");
  });
});
