// How the CLI fails: one line saying what, where and what to do (exit 1), a stack only with --debug, an
// unexpected error asking to be reported, divergence keeping the last good state in --save, resuming past a
// cosine schedule refused, and a closed pipe ending quietly.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import type { CliIO } from "../../src/cli/run.js";
import { failureText } from "../../src/cli/output.js";
import { loadCheckpoint } from "../../src/io/files-node.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { gzip, makeIdxImages, makeIdxLabels, writeLearnableFashionDir } from "../helpers/idx.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

async function cli(argv: string[], io: Partial<CliIO> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const code = await run(argv, {
    stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, isTTY: false, env: {}, ...io,
  });
  return { code, stdout, stderr };
}

const oneLine = (text: string) => {
  expect(text.endsWith("\n")).toBe(true);
  expect(text.trimEnd().split("\n")).toHaveLength(1);
  expect(text).not.toMatch(/^\s+at /m);
};

// Images of 16 noise patterns, each seen with several labels: no model fits them, so a huge learning rate keeps
// the loss huge (as on the real Fashion-MNIST), where separable data would only grow more confident.
async function writeNoisyFashionDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const pixel = (i: number, r: number, c: number) => (Math.imul((i % 16) + 1, 2654435761) ^ Math.imul(r * 28 + c + 1, 40503)) >>> 24;
  for (const [prefix, n] of [["train", 512], ["t10k", 128]] as const) {
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzip(makeIdxImages(n, 28, 28, pixel)));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzip(makeIdxLabels(Array.from({ length: n }, (_, i) => (i * 7 + (i >> 4)) % 10))));
  }
}

let scratch: string, dataDir: string, noisyDir: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "wasm-softmax-failures-"));
  dataDir = join(scratch, "fashion");
  noisyDir = join(scratch, "noisy");
  await writeLearnableFashionDir(dataDir, 512, 128);
  await writeNoisyFashionDir(noisyDir);
});
afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

const train = (...flags: string[]) => ["train", "--data", dataDir, "--backend", "js", "--batch-size", "64", ...flags];
const noisy = (...flags: string[]) => ["train", "--data", noisyDir, "--backend", "js", "--batch-size", "64", ...flags];

describe("divergence on the command line", () => {
  it("exits 1 with one line naming the rule when --lr 1e6 blows the loss up, and prints no results", async () => {
    const { code, stdout, stderr } = await cli(noisy("--lr", "1e6", "--epochs", "3"));
    expect(code).toBe(1);
    expect(stdout).not.toContain("test accuracy");
    const line = stderr.split("\n").find((l) => l.startsWith("error: "))!;
    expect(line).toMatch(/^error: Training diverged: expected an epoch loss of at most \S+ \(100 × the loss training started from\), got \S+ at epoch 1\. Lower the learning rate/);
    oneLine(stderr.slice(stderr.indexOf("error: ")));
  });

  it("writes the last good state to --save: the untrained model when the first epoch diverges", async () => {
    const save = join(scratch, "diverged.wsmx");
    const { code, stderr } = await cli(noisy("--lr", "1e6", "--epochs", "3", "--save", save));
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`--save ${save} holds the last good state \\(the untrained model\\)\\.\\n$`));
    const checkpoint = await loadCheckpoint(save);
    expect(checkpoint.training!.epoch).toBe(0);
    expect(checkpoint.model.getParameters()).toEqual(new SoftmaxRegression({ inputs: 784, classes: 10, seed: 0 }).getParameters());
    expect(checkpoint.optimizer!.steps).toBe(0);
  });
});

describe("resuming past the end of a cosine schedule", () => {
  it("is a usage error (exit 2) with a hint, and the checkpoint is left as it was", async () => {
    const save = join(scratch, "cosine.wsmx");
    expect((await cli(train("--schedule", "cosine", "--epochs", "2", "--save", save))).code).toBe(0);
    const before = readFileSync(save);
    const { code, stdout, stderr } = await cli(train("--resume", save, "--epochs", "4"));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(`error: Cannot resume from ${save} up to --epochs 4: its cosine schedule spans the first run's 2 epochs ` +
      "and ends there at lr 0. Start a new run, or one with a longer schedule (--schedule cosine --epochs 4).\n" +
      'Run "wasm-softmax train --help" for usage.\n');
    expect(readFileSync(save).equals(before)).toBe(true);
  });
});

describe("expected failures print one line and exit 1", () => {
  it("a --resume that is a directory", async () => {
    const dir = join(scratch, "a-dir");
    await mkdir(dir, { recursive: true });
    const { code, stderr } = await cli(train("--resume", dir));
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^error: .*${dir}.*EISDIR`));
    oneLine(stderr);
  });

  it("a --resume over 2 GiB", async () => {
    const big = join(scratch, "huge.wsmx");
    await writeFile(big, "");
    await truncate(big, 2 ** 31 + 1);
    const { code, stderr } = await cli(train("--resume", big));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*huge\.wsmx/);
    oneLine(stderr);
  });

  it("a --save that is a directory, saying what to do", async () => {
    const { code, stderr } = await cli(train("--epochs", "1", "--save", scratch));
    expect(code).toBe(1);
    expect(stderr.slice(stderr.indexOf("error: "))).toBe(`error: Cannot write --save ${scratch}: it is a directory; give a file path (EISDIR).\n`);
  });

  it("a model over the size cap, refused before anything is allocated, as a usage error", async () => {
    const { code, stdout, stderr } = await cli(train("--hidden", "1000000000", "--epochs", "1"));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: Invalid model size: expected at most 268435456 parameters/);
  });

  // Data problems name the file and exit 1, like every other problem with the data, never a usage error (exit 2).
  it.each([
    ["a training file with 0 images", "train", [0, 28, 28], "expected at least one image, got 0 images (an empty set)"],
    ["a test file with 0 images", "t10k", [0, 28, 28], "expected at least one image, got 0 images (an empty set)"],
    ["an IDX file of 0 images of 65536×65536", "train", [0, 65536, 65536],
      "expected images of at most 134217727 pixels (the most inputs a model of 2^28 parameters takes), got 65536×65536 pixels"],
  ] as const)("%s, for train and eval", async (_, set, [count, rows, cols], why) => {
    const dir = join(scratch, `data-${set}-${count}-${rows}`);
    await writeLearnableFashionDir(dir, 64, 32);
    const images = join(dir, `${set}-images-idx3-ubyte.gz`);
    const header = makeIdxImages(0, 1, 1);
    new DataView(header.buffer).setUint32(8, rows);
    new DataView(header.buffer).setUint32(12, cols);
    await writeFile(images, gzip(header));
    await writeFile(join(dir, `${set}-labels-idx1-ubyte.gz`), gzip(makeIdxLabels([])));
    const model = join(scratch, "tiny.wsmx");
    if (!existsSync(model)) expect((await cli(train("--epochs", "1", "--save", model))).code).toBe(0);
    for (const argv of [["train", "--data", dir, "--backend", "js"], ["eval", "--model", model, "--data", dir, "--backend", "js"]]) {
      const { code, stderr } = await cli(argv);
      expect(code, argv.join(" ")).toBe(1);
      expect(stderr.slice(stderr.indexOf("error: ")).startsWith(`error: Invalid ${images}: ${why}. `), stderr).toBe(true);
      oneLine(stderr.slice(stderr.indexOf("error: ")));
    }
  });

  it.each([
    [{ code: "EACCES", syscall: "open", path: "/data/x.gz" }, "Cannot open /data/x.gz: permission denied; check the permissions, or use another path (EACCES)."],
    [{ code: "ENOSPC", syscall: "write" }, "Cannot write: no space left on the device; free some space, or write elsewhere (ENOSPC)."],
    [{ code: "ERR_FS_FILE_TOO_LARGE" }, "A file operation failed: the file is over 2 GiB, more than can be read at once; check that it is the file you meant (ERR_FS_FILE_TOO_LARGE)."],
    [{ code: "EWHATEVER", syscall: "read", path: "/p" }, "Cannot read /p: boom (EWHATEVER)."],
  ])("a file-system error %j", (fields, line) => {
    const error = Object.assign(new Error("boom.\nsecond line"), fields);
    expect(failureText(error, "1.2.3", false)).toBe(`error: ${line}\n`);
  });
});

describe("unexpected errors", () => {
  const broken = { stdout: () => { throw new TypeError("cannot read properties of undefined"); } };

  it("print one line with the version asking to report it, and exit 1", async () => {
    const { code, stderr } = await cli(["--version"], broken);
    expect(code).toBe(1);
    expect(stderr).toBe(`error: unexpected TypeError: cannot read properties of undefined (wasm-softmax ${VERSION}). ` +
      "This is a bug: please report it with the command line; --debug prints the stack.\n");
  });

  it("print the stack too with --debug, wherever it stands", async () => {
    for (const argv of [["--debug", "--version"], ["--version", "--debug"]]) {
      const { code, stderr } = await cli(argv, broken);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^error: unexpected TypeError: .*\nTypeError: cannot read properties of undefined\n\s+at /);
    }
  });

  it("--debug changes nothing when nothing fails", async () => {
    expect(await cli(["--debug", "--version"])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it("print the stack of an expected failure with --debug", async () => {
    const { code, stderr } = await cli(["train", "--data", join(scratch, "no-such-dir"), "--epochs", "1", "--debug"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*\n\w*Error: .*\n\s+at /);
  });
});

describe("the built bin and a closed pipe", () => {
  const bin = join(ROOT, "dist", "cli.js");
  it.skipIf(!existsSync(bin))("`train | head -1` ends quietly with status 0 (run `npm run build:js` first)", () => {
    const result = spawnSync("bash", ["-c", `"${process.execPath}" "${bin}" "$@" 2>"$ERR" | head -1; echo "status=\${PIPESTATUS[0]}"`, "bash",
      ...train("--epochs", "2")], { encoding: "utf8", timeout: 120_000, env: { ...process.env, ERR: join(scratch, "stderr.txt") } });
    const stderr = readFileSync(join(scratch, "stderr.txt"), "utf8");
    expect(result.stdout).toMatch(/^backend: js .*\nstatus=0\n$/);
    expect(stderr).not.toMatch(/EPIPE|error|^\s+at /m);
  }, 120_000);
});
