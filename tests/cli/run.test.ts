import { FASHION_MNIST_CLASSES } from "../../src/data/fashion-mnist/constants.js";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import type { CliIO } from "../../src/cli/run.js";
import { writeLearnableFashionDir } from "../helpers/idx.js";
import { SoftmaxRegression } from "../../src/model/models.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

interface Result { code: number; stdout: string; stderr: string }

async function cli(argv: string[], options: Partial<Pick<CliIO, "isTTY" | "env">> = {}): Promise<Result> {
  let stdout = "", stderr = "";
  const code = await run(argv, {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    isTTY: options.isTTY ?? false,
    // Never the real environment: $FASHION_MNIST_DIR or the cache must not leak into a test.
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}


interface Report {
  backend: string;
  model: Record<string, unknown>;
  optimizer: Record<string, unknown>;
  loss: Record<string, unknown>;
  data: { source: string; train: number; test: number };
  options: { epochs: number; batchSize: number; lr: number; seed: number };
  epochs: { epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number; lr: number; ms: number }[];
  totals: { ms: number; trainMs: number; testAccuracy: number; testLoss: number };
}

let dataDir: string;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "wasm-softmax-cli-"));
  dataDir = join(scratch, "fashion");
  await writeLearnableFashionDir(dataDir, 512, 128);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// What a model learns of its data from the first Dataset it trains on: its class names and pixel inputs.
const TRAINED_ON_FASHION = { labels: [...FASHION_MNIST_CLASSES], input: { pixels: true, imageShape: [28, 28] } };

describe("help and version", () => {
  it.each([["--help"], ["-h"], ["help"], ["help", "train"], ["train", "--help"], ["train", "--epochs", "3", "-h"]])(
    "`%s` prints usage listing every option with its default on stdout and exits 0",
    async (...argv) => {
      const { code, stdout, stderr } = await cli(argv);
      expect(code).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).toContain("Usage");
      expect(stdout).toMatch(/--epochs N\s+passes over the training set \(default: 10\)/);
      expect(stdout).toMatch(/--batch-size N\s+.*\(default: 256\)/);
      expect(stdout).toMatch(/--lr X\s+.*\(default: 0\.1 for sgd, 0\.001 for adam\)/);
      expect(stdout).toMatch(/--seed N\s+.*\(default: 0\)/);
      expect(stdout).toMatch(/--backend NAME\s+.*js, wasm or wasm-simd \(default: fastest available\)/);
      expect(stdout).toMatch(/--data DIR\s+/);
      expect(stdout).toMatch(/--json\s+/);
      expect(stdout).toMatch(/-h, --help/);
    },
  );

  it("lists the commands in the general help", async () => {
    const { stdout } = await cli(["--help"]);
    expect(stdout).toContain("wasm-softmax train [options]");
    expect(stdout).toContain("wasm-softmax eval [options]");
    expect(stdout).toContain("wasm-softmax predict [options]");
    expect(stdout).toContain("wasm-softmax -V, --version");
    expect(stdout).toContain("130 stopped by Ctrl-C");
  });

  it.each([["help", "eval"], ["eval", "--help"], ["predict", "-h"]])("`%s %s` prints that command's options", async (...argv) => {
    const { code, stdout } = await cli(argv);
    expect(code).toBe(0);
    const name = argv[0] === "help" ? argv[1] : argv[0];
    expect(stdout).toContain(`Usage: wasm-softmax ${name} [options]`);
    expect(stdout).toMatch(/--model FILE\s+checkpoint to load, as written by `train --save FILE` \(required\)/);
    expect(stdout).not.toContain("--epochs");
    if (name === "predict") expect(stdout).toMatch(/--index N\s+which test image, counting from 0 \(default: 0\)/);
  });

  it("documents every train option with its default", async () => {
    const { stdout } = await cli(["train", "--help"]);
    for (const [flag, text] of [
      ["--model NAME", "(default: softmax; mlp when --hidden is given)"], ["--hidden N[,N…]", "(default: 256, as in d2l)"],
      ["--optimizer NAME", "(default: sgd)"], ["--momentum X", "(default: 0)"], ["--weight-decay X", "(default: 0)"],
      ["--schedule SPEC", "(default: none, a constant rate)"], ["--loss NAME", "(default: cross-entropy)"],
      ["--label-smoothing X", "(default: 0)"], ["--patience N", "(default: off)"], ["--save FILE", "(default: none)"],
      ["--resume FILE", "(default: none)"], ["--plot FILE.svg", "(default: none)"], ["--grid FILE.svg", "(default: none)"],
    ]) {
      expect(stdout).toContain(flag);
      const entry = stdout.slice(stdout.indexOf(`  ${flag} `)).split(/\n {2}-/)[0]!.replace(/\s+/g, " ");
      expect(entry, flag).toContain(text);
    }
  });

  it("keeps help lines within 100 columns", async () => {
    const { stdout } = await cli(["--help"]);
    for (const line of stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it("prints the version from package.json", async () => {
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect(await cli(["-V"])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it("prints the usage on stderr and exits 2 when no command is given", async () => {
    const { code, stdout, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("Usage");
  });
});

describe("command-line validation", () => {
  const validOptions = "Valid options: --model, --hidden, --epochs, --batch-size, --optimizer, --lr, --momentum, --weight-decay, " +
    "--schedule, --loss, --label-smoothing, --validation-split, --stratify, --patience, --seed, --save, --resume, --plot, --grid, --backend, --threads, --data, --json, --help.";

  it("rejects an unknown option, naming it, suggesting the near miss and listing the valid ones", async () => {
    const { code, stdout, stderr } = await cli(["train", "--epoch", "3"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain('error: unknown option --epoch for "train" (did you mean --epochs?).');
    expect(stderr).toContain(validOptions);
    expect(stderr).toContain('Run "wasm-softmax train --help" for usage.');
  });

  it("names an unknown --flag=value option by its flag alone", async () => {
    const { code, stderr } = await cli(["train", "--modle=mlp"]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option --modle for \"train\" (did you mean --model?)");
    expect(stderr).toContain(validOptions);
  });

  it("rejects an unknown option before the command", async () => {
    const { code, stderr } = await cli(["--verbose"]);
    expect(code).toBe(2);
    expect(stderr).toContain("error: unknown option --verbose. Valid before a command: -h, --help, -V, --version.");
  });

  it("rejects an unknown command, listing the valid ones", async () => {
    const { code, stdout, stderr } = await cli(["trian"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain('error: unknown command "trian" (did you mean train?). Valid commands: train, eval, predict, export, help.');
  });

  it("rejects help for an unknown command", async () => {
    const { code, stderr } = await cli(["help", "fit"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "fit"');
  });

  it("rejects a positional argument after the command", async () => {
    const { code, stderr } = await cli(["train", "5"]);
    expect(code).toBe(2);
    expect(stderr).toContain('error: unexpected argument "5" for "train"');
  });

  it.each([
    [["--epochs", "abc"], 'Invalid --epochs: expected an integer ≥ 1, got "abc".'],
    [["--epochs", "0"], 'Invalid --epochs: expected an integer ≥ 1, got "0".'],
    [["--epochs", "-3"], 'Invalid --epochs: expected an integer ≥ 1, got "-3".'],
    [["--epochs", "2.5"], 'Invalid --epochs: expected an integer ≥ 1, got "2.5".'],
    [["--epochs", "0x10"], 'Invalid --epochs: expected an integer ≥ 1, got "0x10".'],
    [["--epochs="], 'Invalid --epochs: expected an integer ≥ 1, got "".'],
    [["--epochs=-1"], 'Invalid --epochs: expected an integer ≥ 1, got "-1".'],
    [["--batch-size", "0"], 'Invalid --batch-size: expected an integer in [1, 2^31 − 1], got "0".'],
    [["--batch-size", "many"], 'Invalid --batch-size: expected an integer in [1, 2^31 − 1], got "many".'],
    [["--lr", "0"], 'Invalid --lr: expected a finite number > 0, got "0".'],
    [["--lr", "-0.1"], 'Invalid --lr: expected a finite number > 0, got "-0.1".'],
    [["--lr", "fast"], 'Invalid --lr: expected a finite number > 0, got "fast".'],
    [["--lr", "Infinity"], 'Invalid --lr: expected a finite number > 0, got "Infinity".'],
    [["--lr", "1e400"], 'Invalid --lr: expected a finite number > 0, got "1e400".'],
    [["--seed", "-1"], 'Invalid --seed: expected an integer in [0, 2^32), got "-1".'],
    [["--seed", "4294967296"], 'Invalid --seed: expected an integer in [0, 2^32), got "4294967296".'],
    [["--seed", "1.5"], 'Invalid --seed: expected an integer in [0, 2^32), got "1.5".'],
    [["--backend", "gpu"], 'Invalid --backend: expected one of "js", "wasm", "wasm-simd", got "gpu".'],
    [["--backend=WASM"], 'Invalid --backend: expected one of "js", "wasm", "wasm-simd", got "WASM".'],
    [["--data="], 'Invalid --data: expected a directory path, got "".'],
    [["--json=maybe"], 'Invalid --json: expected no value, true or false, got "maybe".'],
  ])("rejects train %j with exit code 2 and the message %j", async (flags, message) => {
    const { code, stdout, stderr } = await cli(["train", ...flags]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(`error: ${message}\nRun "wasm-softmax train --help" for usage.\n`);
  });

  it.each([
    [["--epochs"], "Missing value for --epochs: expected an integer ≥ 1."],
    [["--lr"], "Missing value for --lr: expected a finite number > 0."],
    [["--data"], "Missing value for --data: expected a directory path."],
    [["--epochs", "--json"], "Missing value for --epochs: expected an integer ≥ 1, got the option --json."],
    [["--backend", "--data", "x"], 'Missing value for --backend: expected one of "js", "wasm", "wasm-simd", got the option --data.'],
  ])("rejects train %j: a flag missing its value", async (flags, message) => {
    const { code, stdout, stderr } = await cli(["train", ...flags]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`error: ${message}\n`);
  });

  it("reports errors that are not the package's own in one line asking to report them, exit 1", async () => {
    let stderr = "";
    const code = await run(["--help"], {
      stdout: () => { throw new TypeError("stdout is closed"); }, stderr: (s) => { stderr += s; }, isTTY: false, env: {},
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: unexpected TypeError: stdout is closed \(wasm-softmax .*\)\. This is a bug: please report it.*\n$/);
  });
});

describe("train", () => {
  const trainArgs = (backend: string) =>
    ["train", "--data", dataDir, "--epochs", "3", "--batch-size=32", "--lr", "0.1", "--seed=7", "--json", "--backend", backend];

  it.each(["js", "wasm-simd"])("--json with --backend %s writes one JSON document, and accuracy rises", async (backend) => {
    const { code, stdout, stderr } = await cli(trainArgs(backend));
    expect(code, stderr).toBe(0);
    // Nothing but the document: it parses whole, and ends with exactly one newline.
    expect(stdout.endsWith("}\n")).toBe(true);
    const report = JSON.parse(stdout) as Report;
    expect(Object.keys(report)).toEqual(["backend", "threads", "model", "optimizer", "loss", "data", "options", "epochs", "totals", "stopped"]);
    expect(report.backend).toBe(backend);
    expect(report.model).toEqual({ type: "softmax-regression", inputs: 784, classes: 10, seed: 7, weightStd: 0.01, ...TRAINED_ON_FASHION });
    expect(report.optimizer).toEqual({ type: "sgd", lr: 0.1, momentum: 0, weightDecay: 0 });
    expect(report.loss).toEqual({ type: "cross-entropy", labelSmoothing: 0 });
    expect(report.data).toEqual({ source: dataDir, train: 512, test: 128 });
    expect(report.options).toEqual({ epochs: 3, batchSize: 32, lr: 0.1, seed: 7 });
    expect(report.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of report.epochs) {
      expect(Object.keys(e)).toEqual(["epoch", "trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "lr", "ms"]);
      for (const value of Object.values(e)) expect(Number.isFinite(value)).toBe(true);
      expect(e.ms).toBeGreaterThanOrEqual(0);
    }
    const [first, , last] = report.epochs as [Report["epochs"][0], unknown, Report["epochs"][0]];
    expect(last.trainAccuracy).toBeGreaterThan(first.trainAccuracy);
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(last.testAccuracy).toBeGreaterThan(0.9);
    expect(report.totals.testAccuracy).toBe(last.testAccuracy);
    expect(report.totals.testLoss).toBe(last.testLoss);
    expect(report.totals.trainMs).toBeCloseTo(report.epochs.reduce((s, e) => s + e.ms, 0), 0);
    expect(report.totals.ms).toBeGreaterThanOrEqual(report.totals.trainMs - 0.2);
    // Progress, if any, went to stderr: one line per epoch when stderr is not a terminal, and no redraws.
    expect(stderr).not.toContain("\r");
    expect(stderr).toMatch(/^epoch 3\/3 {2}train loss/m);
  });

  it("gives the same figures with the js and wasm-simd kernels (same seed)", async () => {
    const js = JSON.parse((await cli(trainArgs("js"))).stdout) as Report;
    const simd = JSON.parse((await cli(trainArgs("wasm-simd"))).stdout) as Report;
    for (let i = 0; i < 3; i++) {
      expect(simd.epochs[i]!.trainLoss).toBeCloseTo(js.epochs[i]!.trainLoss, 3);
      expect(simd.epochs[i]!.testAccuracy).toBeCloseTo(js.epochs[i]!.testAccuracy, 1);
    }
  });

  it("on a terminal draws the progress bar on stderr and prints the table and summary on stdout", async () => {
    const { code, stdout, stderr } = await cli(
      ["train", "--data", dataDir, "--epochs", "2", "--batch-size", "64", "--backend", "js"], { isTTY: true });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain("\r");
    expect(stderr).toMatch(/epoch 1\/2 [█░]+ +1\/8/);
    expect(stderr).toMatch(/epoch 2\/2 █+ 8\/8 {2}loss \d\.\d{4} {2}acc \d\.\d{4}/);
    // The finished epoch's line: the table's words ("train", "test"), and no bar.
    expect(stderr).toMatch(/\r\x1b\[Kepoch 2\/2 {2}train loss \d\.\d{4} acc \d\.\d{4} {2}test loss \d\.\d{4} acc \d\.\d{4} {2}\d+ ms\n$/);
    expect(stdout).not.toContain("\r");
    expect(stdout).not.toContain("█");
    const all = stdout.split("\n");
    // The model's summary, then a blank line, between the two header lines and the table.
    const summary = new SoftmaxRegression({ inputs: 784, classes: 10 }).summary().split("\n");
    expect(all.slice(2, 2 + summary.length)).toEqual(summary);
    const lines = [...all.slice(0, 2), ...all.slice(2 + summary.length)];
    expect(lines[0]).toBe(`backend: js (1 thread: the js backend runs on one thread)  data: ${dataDir} (512 train, 128 test)`);
    expect(lines[1]).toBe("model: softmax-regression 784-10  optimizer: sgd (lr 0.1)  loss: cross-entropy");
    expect(lines[2]).toMatch(/^epoch {2}train loss {2}train acc {2}test loss {2}test acc +ms$/);
    expect(lines[3]).toMatch(/^-+( +-+){5}$/);
    // Aligned: every row of the table is as long as the header.
    expect(lines[4]).toMatch(/^ {4}1 {6}\d\.\d{4} {5}\d\.\d{4} {5}\d\.\d{4} {4}\d\.\d{4} +\d+$/);
    expect(lines[5]).toMatch(/^ {4}2 /);
    expect(lines[4]!.length).toBe(lines[2]!.length);
    expect(lines[6]).toMatch(/^test accuracy: \d\.\d{4}$/);
    expect(lines[7]).toMatch(/^total time: \d+\.\d+ s \(training \d+\.\d+ s, testing and overhead \d+\.\d+ s\)$/);
    expect(lines[8]).toBe("");
  });

  it("without a terminal prints the table's rows as the epochs finish, and nothing per epoch on stderr", async () => {
    const writes: string[] = [];
    const code = await run(["train", "--data", dataDir, "--epochs", "2", "--backend", "js"], {
      stdout: (s) => { writes.push(s); }, stderr: () => undefined, isTTY: false, env: {},
    });
    expect(code).toBe(0);
    // Row by row: epoch 1's row was written before epoch 2's, and both before the summary.
    const at = (pattern: RegExp) => writes.findIndex((w) => pattern.test(w));
    expect(at(/^ {4}1 /m)).toBeGreaterThan(-1);
    expect(at(/^ {4}1 /m)).toBeLessThan(at(/^ {4}2 /m));
    expect(at(/^ {4}2 /m)).toBeLessThan(at(/^test accuracy/m));
    const { stderr, stdout: again } = await cli(["train", "--data", dataDir, "--epochs", "2", "--backend", "js"]);
    expect(stderr).toBe("");
    const lines = again.split("\n");
    const header = lines.findIndex((l) => l.startsWith("epoch "));
    expect(lines[header]).toMatch(/^epoch {2}train loss {2}train acc {2}test loss {2}test acc {6}ms$/);
    expect(lines[header + 2]).toMatch(/^ {4}1 {6}\d\.\d{4} {5}\d\.\d{4} {5}\d\.\d{4} {4}\d\.\d{4} +\d+$/);
    expect(lines[header + 2]!.length).toBe(lines[header]!.length);
    expect(lines[header + 3]).toMatch(/^ {4}2 /);
    expect(lines[header + 4]).toMatch(/^test accuracy: \d\.\d{4}$/);
    // Printed once: no second table at the end.
    expect(lines.filter((l) => l.startsWith("epoch "))).toHaveLength(1);
  });

  it("with --json and no terminal prints one line per epoch on stderr, in the table's words", async () => {
    const { code, stderr } = await cli(["train", "--data", dataDir, "--epochs", "2", "--backend", "js", "--json"]);
    expect(code).toBe(0);
    expect(stderr).not.toContain("\r");
    expect(stderr.trimEnd().split("\n").slice(-2)).toEqual([
      expect.stringMatching(/^epoch 1\/2 {2}train loss \d\.\d{4} acc \d\.\d{4} {2}test loss \d\.\d{4} acc \d\.\d{4} {2}\d+ ms$/),
      expect.stringMatching(/^epoch 2\/2 /),
    ]);
  });

  it("reads $FASHION_MNIST_DIR from the io's env, not the process's", async () => {
    const { code, stdout } = await cli(["train", "--epochs", "1", "--json", "--backend", "js"],
      { env: { FASHION_MNIST_DIR: dataDir } });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as Report).data.source).toBe(dataDir);
  });

  it("exits 1 naming the directory when --data does not exist", async () => {
    const missing = join(scratch, "no-such-dir");
    const { code, stdout, stderr } = await cli(["train", "--data", missing, "--backend", "js"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: Fashion-MNIST not found: /);
    expect(stderr).toContain(`${missing} (does not exist)`);
    // The hint speaks in this tool's flags, not the library's options.
    expect(stderr).toContain("leave out --data");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("exits 1 with the library's advice when training diverges, ending the progress line first", async () => {
    const { code, stdout, stderr } = await cli(
      ["train", "--data", dataDir, "--epochs", "1", "--lr", "3e38", "--backend", "js"], { isTTY: true });
    expect(code).toBe(1);
    expect(stdout).not.toContain("test accuracy");
    // If a progress line was open when training stopped, the error still starts on a line of its own.
    expect(stderr).toMatch(/(^|\n)error: Training diverged: .*Lower the learning rate/);
  });
});

describe("the installed bin", () => {
  // The bundle `npm run build` makes (npm test builds first).
  const bin = join(ROOT, "dist", "cli.js");
  const buildNote = existsSync(bin) ? "" : "dist/cli.js is missing: run `npm run build` first.";

  const node = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

  it("starts with a node shebang", (ctx) => {
    if (buildNote) throw new Error(buildNote);
    expect(readFileSync(bin, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("runs `--help` and `--version` from dist/ and sets the exit code", (ctx) => {
    if (buildNote) throw new Error(buildNote);
    const help = node("--help");
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("wasm-softmax train [options]");
    const version = node("--version");
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`${VERSION}\n`);
    const bad = node("train", "--epochs", "0");
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain('Invalid --epochs: expected an integer ≥ 1, got "0".');
  });

  it("on SIGINT (Ctrl-C) stops training after the current batch, writes --save and exits 130", async (ctx) => {
    if (buildNote) throw new Error(buildNote);
    const save = join(scratch, "sigint.wsmx");
    const child = spawn(process.execPath, [bin, "train", "--data", dataDir, "--epochs", "100000", "--batch-size", "64", "--save", save],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "", sent = false;
    // Without a terminal the epoch table's rows come on stdout as the epochs finish: press Ctrl-C after the second.
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && /^ +2 {2}/m.test(stdout)) { sent = true; child.kill("SIGINT"); }
    });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain("interrupted: stopping after the current batch");
    expect(stdout).toMatch(/^interrupted (during|after) epoch \d+/m);
    const saved = JSON.parse(new TextDecoder().decode(readFileSync(save).subarray(12, 12 + readFileSync(save).readUInt32LE(8)))) as
      { training: { epoch: number } };
    expect(saved.training.epoch).toBeGreaterThanOrEqual(2);
    expect(stdout).toContain(`saved ${save} (epoch ${saved.training.epoch}; continue with --resume ${save})`);
  }, 70_000);
});
