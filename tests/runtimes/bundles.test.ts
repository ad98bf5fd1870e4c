// The public entry bundles with esbuild as browsers and edge runtimes need it: the right export condition is
// picked, the .wasm builds come along as modules where the edge entry imports them, and no Node built-in is
// imported anywhere in the bundle.
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildOptions } from "esbuild";
import { ROOT, bundle, flavourOptions, nodeImports, scratch } from "./harness.js";
import type { Flavour } from "./harness.js";

const PUBLIC_API = ["init", "Dataset", "SoftmaxRegression", "MLP", "SGD", "fit", "evaluate", "kernels"];
const ENTRY = { contents: `export * from "wasm-softmax";` };

let work: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => { work = await scratch(); });
afterAll(async () => { await work?.dispose(); });

async function bundleEntry(name: string, flavour: Flavour | BuildOptions) {
  const { files, metafile } = await bundle(ENTRY, `${work.dir}/${name}`, flavour);
  const js = files.find((f) => f.endsWith(".js"))!;
  const code = await readFile(js, "utf8");
  const inputs = Object.keys(metafile.inputs).map((f) => relative(ROOT, f));
  const exports = Object.values(metafile.outputs).find((o) => o.entryPoint)!.exports;
  return { metafile, code, inputs, exports };
}

describe("an esbuild bundle of the public entry", () => {
  it("for --platform=browser uses dist/index.js, exports the public API and imports nothing from Node", async () => {
    const { metafile, code, inputs, exports } = await bundleEntry("browser", "browser");
    expect(inputs).toContain("dist/index.js");
    expect(inputs).not.toContain("dist/node.js");
    expect(inputs).not.toContain("dist/edge.js");
    expect(inputs.filter((f) => f.includes("fashion-mnist/node"))).toEqual([]);
    expect(nodeImports(metafile, code)).toEqual([]);
    for (const name of PUBLIC_API) expect(exports).toContain(name);
  });

  it.each<[string, BuildOptions]>([
    ["workerd", flavourOptions("workerd")],
    ["edge-light", { ...flavourOptions("workerd"), conditions: ["edge-light", "browser"] }],
  ])("for the %s condition uses dist/edge.js with simd.wasm and scalar.wasm as modules, and nothing from Node", async (condition, options) => {
    const { metafile, code, inputs, exports } = await bundleEntry(condition, options);
    expect(inputs).toContain("dist/edge.js");
    expect(inputs).toContain("build/simd.wasm");
    expect(inputs).toContain("build/scalar.wasm");
    // The .wasm files stay module imports, which workerd and Vercel Edge compile before any request.
    expect(code).toMatch(/import \w+ from "\.\/simd-[A-Z0-9]+\.wasm"/);
    expect(code).toMatch(/import \w+ from "\.\/scalar-[A-Z0-9]+\.wasm"/);
    expect(nodeImports(metafile, code)).toEqual([]);
    for (const name of PUBLIC_API) expect(exports).toContain(name);
  });
});
