// What a user of the published package gets: the sources as a fresh clone has them (no dist/, no build/) are
// packed with `npm pack`, whose prepack script builds them; the tarball is installed into an app outside the
// repository, where it trains and predicts from ES modules and from CommonJS and runs its bin, with the same bits
// as the sources in this process.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as source from "../../src/node.js";
import * as predictSource from "../../src/predict.js";

const ROOT = resolve(import.meta.dirname, "../..");
const TEMP = mkdtempSync(join(tmpdir(), "wsmx-pack-install-"));
const CLONE = join(TEMP, "clone"), APP = join(TEMP, "app");
const INSTALLED = join(APP, "node_modules", "wasm-softmax");

// The body of an async function given the package's exports: a few steps of an MLP and a softmax regression on
// 12 four-pixel images, then their predictions. Run in the app from the tarball, and here from the sources.
const RECIPE = `
  const runtime = await api.createRuntime({ threads: 1 });
  const pixels = new Uint8Array(Array.from({ length: 48 }, (_, i) => ((i * 37) % 11) * 20 + (i % 4 === (i >> 4) ? 40 : 0)));
  const labels = Array.from({ length: 12 }, (_, i) => i >> 2);
  const data = api.Dataset.fromArrays(pixels, labels, { features: 4, classes: 3 });
  const models = [new api.SoftmaxRegression({ inputs: 4, classes: 3, seed: 1 }), new api.MLP({ layers: [4, 8, 3], seed: 2 })];
  const result = { backend: runtime.backend, models: [] };
  for (const model of models) {
    const history = await api.fit(model, data, { epochs: 4, batchSize: 4, optimizer: new api.SGD({ lr: 0.5 }), seed: 3, runtime });
    result.models.push({
      losses: history.epochs.map((epoch) => epoch.loss),
      parameters: Array.from(model.getParameters()),
      probabilities: Array.from(model.predictProba(data, { runtime })),
      classes: Array.from(model.predict(data, { runtime })),
    });
    // The predict-only entry reads the int8 file with the full package's bits.
    const bytes = api.encodeModel(model, { dtype: "int8" });
    await api.predict.init();
    result.models.push({
      predictOnly: Array.from(api.predict.decodeModel(bytes).predictProba(pixels)),
      full: Array.from(api.decodeModel(bytes).predictProba(pixels, { runtime })),
    });
  }
  runtime.close();
  return result;
`;
const API = "createRuntime, Dataset, SoftmaxRegression, MLP, SGD, fit, encodeModel, decodeModel";
const APP_BODY = `(async () => { const result = await (async (api) => { ${RECIPE} })({ ${API}, predict });
  console.log(JSON.stringify({ ...result, cacheDir: typeof fashionMNISTCacheDir() })); })();`;

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
let tarball: string;

beforeAll(() => {
  // A fresh clone: the files git tracks or would track, without the ignored dist/ and build/.
  const listed = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).split("\0");
  for (const file of listed.filter((f) => f !== "" && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(CLONE, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(CLONE, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(CLONE, "node_modules"));
  expect(existsSync(join(CLONE, "dist")) || existsSync(join(CLONE, "build"))).toBe(false);

  run("npm", ["pack", "--pack-destination", TEMP, "--silent"], CLONE);
  tarball = join(TEMP, readdirSync(TEMP).find((f) => f.endsWith(".tgz"))!);

  mkdirSync(APP);
  writeFileSync(join(APP, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
  run("npm", ["install", tarball, "--offline", "--no-audit", "--no-fund", "--cache", join(TEMP, "npm-cache")], APP);
  writeFileSync(join(APP, "app.mjs"), `import { ${API} } from "wasm-softmax";\nimport * as predict from "wasm-softmax/predict";\n` +
    `import { fashionMNISTCacheDir } from "wasm-softmax/node";\n${APP_BODY}\n`);
  writeFileSync(join(APP, "app.cjs"), `const { ${API} } = require("wasm-softmax");\nconst predict = require("wasm-softmax/predict");\n` +
    `const { fashionMNISTCacheDir } = require("wasm-softmax/node");\n${APP_BODY}\n`);
}, 300_000);

afterAll(() => rmSync(TEMP, { recursive: true, force: true }));

describe("npm pack from a fresh clone", () => {
  it("builds first, so the tarball holds the bundles, the declarations and the three wasm builds", () => {
    const files = run("tar", ["-tzf", tarball], TEMP).split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
    expect(files).toEqual(expect.arrayContaining([
      "dist/index.js", "dist/node.js", "dist/edge.js", "dist/cli.js", "dist/types/index.d.ts", "dist/types/node.d.ts",
      "build/simd.wasm", "build/scalar.wasm", "build/simd-threads.wasm",
    ]));
  });
});

describe("the tarball installed into an app outside the repository", () => {
  const runApp = (file: string) => {
    const child = spawnSync(process.execPath, [file], { cwd: APP, encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    return JSON.parse(child.stdout) as Record<string, unknown>;
  };

  it("holds every file its exports and its modules' relative imports name", () => {
    const targets: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === "string") targets.push(value);
      else if (value && typeof value === "object") Object.values(value).forEach(collect);
    };
    const pkg = JSON.parse(readFileSync(join(INSTALLED, "package.json"), "utf8"));
    collect(pkg.exports);
    collect(pkg.bin);
    // The bundles' chunks and wasm URLs, and the declarations' imports (written with .js, read as .d.ts).
    for (const file of readdirSync(join(INSTALLED, "dist"), { recursive: true, encoding: "utf8" }).filter((f) => /\.(js|d\.ts)$/.test(f))) {
      const text = readFileSync(join(INSTALLED, "dist", file), "utf8");
      for (const [, specifier] of text.matchAll(/(?:from|import\(|new URL\()\s*"(\.\.?\/[^"]+)"/g)) {
        const target = join("dist", dirname(file), specifier!);
        targets.push(file.endsWith(".d.ts") ? target.replace(/\.js$/, ".d.ts") : target);
      }
    }
    expect(targets.length).toBeGreaterThan(20);
    expect(targets.filter((target) => !existsSync(join(INSTALLED, target)))).toEqual([]);
  });

  it("trains and predicts from an ES module, with the same bits as the sources, and the same from wasm-softmax/predict", async () => {
    const expected = await new (Object.getPrototypeOf(async () => {}).constructor)("api", RECIPE)({ ...source, predict: predictSource });
    expect(expected.backend).toBe("wasm-simd");
    for (const { predictOnly, full } of expected.models.filter((m: { full?: number[] }) => m.full)) expect(predictOnly).toEqual(full);
    expect(runApp("app.mjs")).toEqual({ ...expected, cacheDir: "string" });
  });

  it("trains and predicts from CommonJS through require(), the same bits as from an ES module", () => {
    // The package is ES modules only: Node ≥ 20.19 and ≥ 22.12 require() them (the README says so); the bundles
    // have no top-level await, which require() would refuse.
    expect(process.features).toHaveProperty("require_module", true);
    expect(runApp("app.cjs")).toEqual(runApp("app.mjs"));
  });

  it("runs its bin, which reports the package's version", () => {
    expect(run(join(APP, "node_modules", ".bin", "wasm-softmax"), ["--version"], APP).trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });
});
