// `wasm-softmax export`: ONNX and safetensors files from a saved model.
import * as ort from "onnxruntime-web";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { init } from "../../src/runtime/runtime.js";
import { MLP } from "../../src/model/models.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/io/files-node.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { U8_SCALE } from "../../src/data/dataset.js";
import { expectClose } from "../helpers/close.js";
import { randomU8 } from "../../bench/shared/random.js";

ort.env.wasm.numThreads = 1;

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const code = await run(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, isTTY: false, env: {} });
  return { code, stdout, stderr };
}

async function expectUsageError(args: string[], message: string): Promise<void> {
  const { code, stdout, stderr } = await cli(["export", ...args]);
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr).toBe(`error: ${message}\nRun "wasm-softmax export --help" for usage.\n`);
}

let scratch: string, modelFile: string, model: MLP;
const file = (name: string) => join(scratch, name);
const pixels = randomU8(5 * 784, 11);

beforeAll(async () => {
  await init();
  scratch = await mkdtemp(join(tmpdir(), "wasm-softmax-export-"));
  modelFile = file("mlp.wsmx");
  model = new MLP({ layers: [784, 16, 8, 10], seed: 4, weightStd: 0.05 });
  await saveCheckpoint({ model }, modelFile);
});

afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

describe("export", () => {
  it("--format onnx writes a model onnxruntime runs to predictProba's probabilities, and says what it wrote", async () => {
    const out = file("mlp.onnx");
    const { code, stdout, stderr } = await cli(["export", "--model", modelFile, "--format", "onnx", "--out", out]);
    expect(code, stderr).toBe(0);
    const bytes = await readFile(out);
    expect(stdout).toBe(`wrote ${out}: mlp 784-16-8-10 from ${modelFile} (ONNX opset 13, input "input" [N, 784] float32, ` +
      `output "probabilities" [N, 10]; ${bytes.length} bytes)\n`);
    const session = await ort.InferenceSession.create(new Uint8Array(bytes));
    const x = Float32Array.from(pixels, (v) => Math.fround(v * U8_SCALE));
    const result = await session.run({ input: new ort.Tensor("float32", x, [5, 784]) });
    expectClose(result["probabilities"]!.data as Float32Array, model.predictProba(pixels), { atol: 1e-5, rtol: 0 });
    await session.release();
  });

  it("--input uint8 writes a graph that takes raw pixels", async () => {
    const out = file("pixels.onnx");
    const { code, stdout } = await cli(["export", "--model", modelFile, "--out", out, "--input", "uint8"]);
    expect(code).toBe(0);
    expect(stdout).toContain('input "input" [N, 784] uint8');
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(out)));
    const result = await session.run({ input: new ort.Tensor("uint8", pixels, [5, 784]) });
    expectClose(result["probabilities"]!.data as Float32Array, model.predictProba(pixels), { atol: 1e-5, rtol: 0 });
    await session.release();
  });

  it("takes the format from an --out ending in .safetensors, writing tensors decodeSafetensors reads back bit for bit", async () => {
    const out = file("MLP.SafeTensors");
    const { code, stdout } = await cli(["export", "--model", modelFile, "--out", out]);
    expect(code).toBe(0);
    expect(stdout).toContain("(safetensors, tensors 1.weight, 1.bias, 3.weight, 3.bias, 5.weight, 5.bias in F32;");
    const back = decodeSafetensors(new Uint8Array(await readFile(out)), { layers: [784, 16, 8, 10] });
    const saved = (await loadCheckpoint(modelFile)).model.getParameters();
    expect(Buffer.from(back.getParameters().buffer).equals(Buffer.from(saved.buffer))).toBe(true);
  });

  it("lets --format win over the --out extension", async () => {
    const out = file("weights.bin");
    expect((await cli(["export", "--model", modelFile, "--out", out, "--format", "safetensors"])).code).toBe(0);
    expect(decodeSafetensors(new Uint8Array(await readFile(out))).layers).toEqual([784, 16, 8, 10]);
  });

  it.each([
    [[], "Missing --model: expected a checkpoint file path."],
    [["--model", "m.wsmx"], "Missing --out: expected a file path."],
    [["--model", "m.wsmx", "--out", "m.bin"], 'Missing --format: expected one of "onnx", "safetensors", or an --out file ending in .onnx or .safetensors, got "m.bin".'],
    [["--model", "m.wsmx", "--out", "m.onnx", "--format", "tflite"], 'Invalid --format: expected one of "onnx", "safetensors", got "tflite".'],
    [["--model", "m.wsmx", "--out", "m.safetensors", "--input", "uint8"], "Invalid --input: expected it only with --format onnx, got --format safetensors."],
    [["--model", "m.wsmx", "--out", "m.onnx", "--input", "int8"], 'Invalid --input: expected one of "float32", "uint8", got "int8".'],
  ])("rejects export %j with exit code 2", async (args, message) => {
    await expectUsageError(args, message);
  });

  it("exits 1 for a missing checkpoint, and for an --out it cannot write", async () => {
    const missing = await cli(["export", "--model", file("nope.wsmx"), "--out", file("x.onnx")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: Invalid .*nope\.wsmx: expected a readable checkpoint file, got ENOENT\./);
    await writeFile(file("plain"), "a file, not a directory");
    const blocked = await cli(["export", "--model", modelFile, "--out", join(file("plain"), "x.onnx")]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/^error: Cannot write --out .*plain\/x\.onnx: .*\((ENOTDIR|EEXIST)\)\.\n$/);
  });

  it("is listed in the help", async () => {
    const { stdout } = await cli(["--help"]);
    expect(stdout).toMatch(/wasm-softmax export \[options\] +a saved model as ONNX \(onnxruntime\) or safetensors \(PyTorch\)/);
    expect(stdout).toContain("Options for export:");
  });
});
