// The shipped bundles are readable in production: an uncaught error prints its own statement and a stack of the
// package's real function names, not a bundle minified onto one line; classes keep their names; console.log and
// JSON.stringify show what a model, an optimizer, a runtime and a trainer are.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { inspect } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DIST = join(ROOT, "dist");
type Entry = typeof import("../../src/node.js");
let pkg: Entry;

beforeAll(async () => {
  if (!existsSync(join(DIST, "node.js"))) throw new Error("dist/ is missing: run `npm run build` first.");
  pkg = await import(pathToFileURL(join(DIST, "node.js")).href) as Entry;
  await pkg.init();
});

describe("an uncaught error from the shipped bundle", () => {
  const dir = mkdtempSync(join(tmpdir(), "wsmx-uncaught-"));
  const script = join(dir, "app.mjs");
  writeFileSync(script, `import { SGD } from ${JSON.stringify(pathToFileURL(join(DIST, "node.js")).href)};\nnew SGD({ lr: "0.1" });\n`);

  for (const flags of [[], ["--enable-source-maps"]]) {
    it(`prints a few lines naming OptionError and SGD (node ${flags.join(" ") || "without flags"})`, () => {
      const run = spawnSync(process.execPath, [...flags, script], { encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stderr.length).toBeLessThan(2048);
      expect(run.stderr).toMatch(/^OptionError: Invalid lr: expected a finite number > 0, got "0\.1"\.$/m);
      expect(run.stderr).toMatch(/at new SGD \(file:.*\/dist\/[\w-]+\.js:\d+:\d+\)/);
      expect(run.stderr.split("\n").length).toBeLessThan(30);
    });
  }
});

describe("the shipped bundles", () => {
  it("are not minified: no line of dist/*.js is longer than 400 characters", () => {
    const files = readdirSync(DIST).filter((f) => f.endsWith(".js"));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const longest = Math.max(...readFileSync(join(DIST, f), "utf8").split("\n").map((l) => l.length));
      expect(longest, f).toBeLessThanOrEqual(400);
    }
  });

  it("keep every exported class's own name, error classes included", () => {
    const classes = Object.entries(pkg).filter(([, v]) => typeof v === "function" && /^class\b/.test(Function.prototype.toString.call(v)));
    expect(classes.map(([k]) => k)).toEqual(expect.arrayContaining(["OptionError", "ShapeError", "WasmSoftmaxError", "Dataset", "Trainer", "SGD", "MLP"]));
    for (const [name, value] of classes) expect((value as { name: string }).name, name).toBe(name);
    const error = new pkg.OptionError("lr", "a number", "x");
    expect([error.constructor.name, error.name]).toEqual(["OptionError", "OptionError"]);
  });
});

describe("an app that bundles the package and minifies it", () => {
  it("still gets the error classes' names (they are spelled out, not taken from the minified class)", async () => {
    const { build } = await import("esbuild");
    const dir = mkdtempSync(join(tmpdir(), "wsmx-minified-"));
    const result = await build({
      stdin: { contents: `import { SGD, OptionError } from ${JSON.stringify(join(DIST, "index.js"))};
        try { new SGD({ lr: "0.1" }); } catch (e) { console.log(JSON.stringify([e.name, e instanceof OptionError, e.option, String(e).split(":")[0]])); }`,
      resolveDir: dir, loader: "js" },
      bundle: true, minify: true, format: "esm", platform: "neutral", outfile: join(dir, "app.mjs"), logLevel: "error",
    });
    expect(result.errors).toEqual([]);
    expect(readFileSync(join(dir, "app.mjs"), "utf8")).not.toMatch(/class OptionError/);
    const run = spawnSync(process.execPath, [join(dir, "app.mjs")], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual(["OptionError", true, "lr", "OptionError"]);
  }, 60_000);
});

describe("console.log and JSON.stringify of the package's objects", () => {
  it("show a model's class, config and parameter count", () => {
    const model = new pkg.SoftmaxRegression({ inputs: 784, classes: 10, seed: 3 });
    expect(JSON.parse(JSON.stringify(model))).toEqual({ type: "softmax-regression", inputs: 784, classes: 10, seed: 3, weightStd: 0.01, parameters: 7850 });
    expect(inspect(model)).toMatch(/^SoftmaxRegression \{\n  type: 'softmax-regression',\n  inputs: 784,[\s\S]*parameters: 7850\n\}$/);
    expect(inspect(new pkg.MLP({ layers: [4, 3, 2] }), { breakLength: Infinity })).toBe(
      "MLP { type: 'mlp', layers: [ 4, 3, 2 ], activation: 'relu', seed: 0, weightStd: 0.01, parameters: 23 }");
  });

  it("show an optimizer's class, hyperparameters and steps", () => {
    expect(inspect(new pkg.SGD({ lr: 0.5 }), { breakLength: Infinity })).toBe("SGD { type: 'sgd', lr: 0.5, weightDecay: 0, momentum: 0, steps: 0 }");
    expect(inspect(new pkg.Adam(), { breakLength: Infinity })).toMatch(/^Adam \{ type: 'adam', lr: 0\.001, .*steps: 0 \}$/);
    expect(JSON.parse(JSON.stringify(new pkg.Adam()))).toMatchObject({ type: "adam", beta1: 0.9, steps: 0 });
  });

  it("show a runtime's backend and a trainer's parts, nested as they print themselves", async () => {
    const runtime = await pkg.createRuntime({ backend: "js" });
    expect(inspect(runtime, { breakLength: Infinity })).toMatch(
      /^Runtime \{ backend: 'js', build: 'default', threads: 1, threadsReason: 'the js backend runs on one thread', memoryBytes: \d+, closed: false \}$/);
    const trainer = new pkg.Trainer(new pkg.SoftmaxRegression({ inputs: 4, classes: 2 }), { batchSize: 8, runtime });
    const text = inspect(trainer, { breakLength: Infinity });
    expect(text).toMatch(/^Trainer \{ model: SoftmaxRegression \{ type: 'softmax-regression', .* \}, optimizer: SGD \{ type: 'sgd', lr: 0\.1, .*batchSize: 8, backend: 'js', closed: false \}$/);
    expect(inspect(trainer, { depth: 0 })).toMatch(/model: \[SoftmaxRegression\]/);
    trainer.close();
    expect(JSON.parse(JSON.stringify(trainer))).toMatchObject({ model: { parameters: 10 }, optimizer: { type: "sgd" }, batchSize: 8, backend: "js", closed: true });
  });
});
