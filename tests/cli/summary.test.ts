// train and eval print the model's summary (src/model/summary.ts) with their other information.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { MLP } from "../../src/model/models.js";
import { writeLearnableFashionDir } from "../helpers/idx.js";

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const code = await run(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, isTTY: false, env: {} });
  return { code, stdout, stderr };
}

let scratch: string, dataDir: string;
const summary = new MLP({ layers: [784, 12, 10] }).summary();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "wasm-softmax-summary-"));
  dataDir = join(scratch, "fashion");
  await writeLearnableFashionDir(dataDir, 64, 20);
  const saved = await cli(["train", "--data", dataDir, "--hidden", "12", "--epochs", "1", "--save", join(scratch, "eval.wsmx")]);
  expect(saved.code, saved.stderr).toBe(0);
});

afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

describe("the model summary in the CLI", () => {
  it("train prints it after the model line and before the epoch table, or on stderr with --json", async () => {
    const args = ["train", "--data", dataDir, "--hidden", "12", "--epochs", "1", "--batch-size", "32"];
    const text = await cli(args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^backend: .*\nmodel: mlp 784-12-10 {2}optimizer: .*\n/);
    expect(text.stdout.split("\n").slice(2).join("\n").startsWith(`${summary}\nepoch  train loss`)).toBe(true);
    const json = await cli([...args, "--json"]);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain("Total params");
    expect(json.stderr).toContain(summary);
    JSON.parse(json.stdout);
  });

  it("eval prints it after the model line, or on stderr with --json", async () => {
    const model = join(scratch, "eval.wsmx");
    const text = await cli(["eval", "--model", model, "--data", dataDir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`model: mlp 784-12-10 from ${model}, trained 1 epoch\n${summary}\ntest accuracy: `);
    const json = await cli(["eval", "--model", model, "--data", dataDir, "--json"]);
    expect(json.stdout).not.toContain("Total params");
    expect(json.stderr).toContain(summary);
  });
});
