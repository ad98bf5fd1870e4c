// The README's "Train in Node, serve at the edge", done: a model trained in Node and encoded as the recipe does,
// the recipe's Worker bundled as wrangler bundles it (the "workerd" condition, the .wasm builds as modules, the model
// file as a data module), served by workerd. POST /predict answers Node's probabilities bit for bit, and bad input
// answers 400 with the typed error's message.
import { writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, bundle, scratch, serveWorkerd, workerdConfig } from "./harness.js";
import { init } from "../../src/runtime/runtime.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { SGD } from "../../src/optim/optimizer.js";
import { fit } from "../../src/train/fit.js";
import { decodeModel, encodeModel } from "../../src/io/checkpoint.js";
import { blobs } from "../helpers/data.js";

const LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** The recipe's Worker, as the README has it. */
function recipeWorker(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Train in Node, serve at the edge");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const worker = [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).find((code) => code.startsWith("// src/index.js"));
  if (start < 0 || !worker) throw new Error('README.md has no "Train in Node, serve at the edge" section with a src/index.js Worker.');
  return worker;
}

let work: Awaited<ReturnType<typeof scratch>>, bytes: Uint8Array, images: Uint8Array | Float32Array;
beforeAll(async () => {
  await init({ threads: 1 });
  const data = blobs(600, 784, 10, 1, true);
  const model = new SoftmaxRegression({ inputs: 784, classes: 10, labels: LABELS });
  await fit(model, data, { epochs: 1, batchSize: 64, optimizer: new SGD({ lr: 0.1 }), seed: 2 });
  bytes = encodeModel(model, { dtype: "int8" });
  images = data.x.subarray(0, 3 * 784);
  work = await scratch();
  await writeFile(join(work.dir, "fashion.wsmx"), bytes);
});
afterAll(() => work?.dispose());

describe("the edge recipe in workerd", () => {
  it("answers POST /predict with Node's probabilities bit for bit, and bad input with status 400 and the typed error", async () => {
    const { files } = await bundle({ contents: recipeWorker() }, work.dir,
      { platform: "neutral", conditions: ["workerd", "worker", "browser"], mainFields: ["module", "main"], loader: { ".wasm": "copy" }, external: ["*.wsmx"] });
    const wasm = files.filter((f) => f.endsWith(".wasm")).map((f) => basename(f));
    const main = basename(files.find((f) => f.endsWith(".js"))!);
    expect(wasm.map((f) => f.replace(/-\w+\.wasm$/, "")).sort()).toEqual(["scalar", "simd"]);
    await writeFile(join(work.dir, "config.capnp"), workerdConfig(main, wasm, ["fashion.wsmx"]));
    const answers = await serveWorkerd(work.dir, async (origin) => {
      const post = async (body: string) => {
        const response = await fetch(`${origin}/predict`, { method: "POST", body, headers: { "content-type": "application/json" } });
        return { status: response.status, json: await response.json() as Record<string, unknown> };
      };
      return {
        rows: await post(JSON.stringify({ inputs: [0, 1, 2].map((r) => Array.from(images.subarray(r * 784, (r + 1) * 784))) })),
        floats: await post(JSON.stringify({ inputs: new Array(784).fill(0.5) })),
        narrow: await post(JSON.stringify({ inputs: new Array(783).fill(7) })),
        broken: await post("{ inputs: "),
        get: await fetch(`${origin}/predict`).then((r) => r.status),
      };
    });
    const node = decodeModel(bytes).predictProba(images);
    expect(answers.rows.status, JSON.stringify(answers.rows.json).slice(0, 2000)).toBe(200);
    const edge = Float32Array.from(answers.rows.json.probabilities as number[]);
    expect(new Uint32Array(edge.buffer)).toEqual(new Uint32Array(node.buffer));
    const top = answers.rows.json.top as { label: string; index: number }[][];
    expect(top.map((row) => row[0]!.label)).toEqual(decodeModel(bytes).topK(images).map((row) => row[0]!.label));
    expect(answers.floats).toMatchObject({ status: 400, json: { error: "OptionError", message: expect.stringMatching(/integer in \[0, 255\]/) } });
    expect(answers.narrow).toMatchObject({ status: 400, json: { error: "ShapeError", message: expect.stringMatching(/multiple of 784/) } });
    expect(answers.broken).toMatchObject({ status: 400, json: { error: "SyntaxError" } });
    expect(answers.get).toBe(404);
  });
});
