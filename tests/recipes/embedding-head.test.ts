// The README's embedding-head recipe runs as written: its declared feature vectors are given (embedding-like data,
// seeded), the package's import points at this build, and what it leaves behind is checked.
import { describe, expect, it, vi } from "vitest";
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { blobs } from "../helpers/data.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The recipe's one ts block, between its markers in README.md. */
function recipe(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = /<!-- embedding-head -->\n```ts\n([\s\S]*?)```\n<!-- \/embedding-head -->/.exec(readme);
  if (!section) throw new Error("README.md has no <!-- embedding-head --> ts block.");
  return section[1]!;
}

describe("the README's embedding-head recipe", () => {
  it("trains a head on 512-float vectors, reports per class, adds a class and saves model and optimizer", async () => {
    const source = recipe();
    // Its inputs, as the declare lines name them: 3 classes × 60 examples, then 4 classes × 60.
    const declared = [...source.matchAll(/^declare const .*$/gm)].map((m) => m[0]);
    expect(declared).toHaveLength(2);
    const four = blobs(240, 512, 4, 21);
    const firstThree = Array.from(four.y).flatMap((y, i) => (y < 3 ? [i] : []));
    const three = four.subset(firstThree);
    const inputs = {
      features: Array.from(three.x as Float32Array), labels: Array.from(three.y),
      allFeatures: Array.from(four.x as Float32Array), allLabels: Array.from(four.y),
    };
    const dist = pathToFileURL(join(ROOT, "dist", "index.js")).href;
    const program = source
      .replace(declared[0]!, `const features = Float32Array.from(inputs.features), labels = Int32Array.from(inputs.labels);`)
      .replace(declared[1]!, `const allFeatures = Float32Array.from(inputs.allFeatures), allLabels = Int32Array.from(inputs.allLabels);`)
      .replace('from "wasm-softmax"', `from ${JSON.stringify(dist)}`);
    const js = ts.transpileModule(`const inputs = ${JSON.stringify(inputs)};\n${program}\nexport { model, grown, bytes, validation };\n`,
      { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
    const file = join(mkdtempSync(join(tmpdir(), "wsmx-recipe-")), "recipe.mjs");
    writeFileSync(file, js);
    const table = vi.spyOn(console, "table").mockImplementation(() => undefined);
    const ran = await import(/* @vite-ignore */ pathToFileURL(file).href);
    const report = table.mock.calls[0]![0] as { name: string; precision: number; recall: number; f1: number; support: number }[];
    table.mockRestore();
    expect(report.map((c) => c.name)).toEqual(["cat", "dog", "owl"]);
    expect(report.reduce((n, c) => n + c.support, 0)).toBe(ran.validation.length);
    for (const c of report) expect(c.recall).toBeGreaterThan(0.8);
    // The fourth class was added to the trained head, and the bytes hold model and optimizer.
    const { decodeCheckpoint } = await import(/* @vite-ignore */ dist);
    const saved = decodeCheckpoint(ran.bytes);
    expect(saved.model.layers).toEqual([512, 100, 4]);
    expect(saved.optimizer.config.type).toBe("adam");
    expect(saved.optimizer.steps).toBe(ran.grown.optimizer.steps);
  }, 120_000);
});
