// Imports in src/ run one way: codecs → data → kernels → runtime → model / optim → train → plot / io → cli. Anyone
// may import the shared modules (errors, validation, the small utilities of util/); the entries (index, node, edge,
// io, image, plot, predict, predict-edge, internal) may import anything; nothing imports an entry or the CLI. A cycle cannot come back: every edge must go down.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");
// util/ holds the small utilities (bytes, numbers, random, limits, files); codecs/ the byte formats, below data.
const SHARED = new Set(["errors.ts", "validate.ts", "assets.ts", "wasm-module.d.ts", "util"]);
const ENTRIES = new Set(["index.ts", "node.ts", "edge.ts", "io.ts", "image.ts", "plot.ts", "predict.ts", "predict-edge.ts", "internal.ts"]);
const LAYERS: Record<string, number> = { codecs: 0, data: 1, kernels: 2, runtime: 3, model: 4, optim: 4, train: 5, plot: 6, io: 6, cli: 7 };

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

/** The folder of a source file ("model" for src/model/network.ts), or its name for a top-level file. */
const unit = (file: string) => relative(SRC, file).split("/")[0]!;

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gm), ...text.matchAll(/^\s*import\s+"(\.[^"]+)"/gm)]
    .map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
}

/** Why the edge from → to breaks the order, or undefined when it is allowed. */
function violation(from: string, to: string): string | undefined {
  const a = unit(from), b = unit(to);
  if (b.endsWith(".wasm") || SHARED.has(b) || ENTRIES.has(a)) return undefined;
  if (ENTRIES.has(b)) return "imports an entry";
  if (SHARED.has(a)) return "a shared module imports a layer";
  if (a === b) return undefined;
  const la = LAYERS[a], lb = LAYERS[b];
  if (la === undefined || lb === undefined) return `unknown layer ${la === undefined ? a : b}`;
  if (lb >= la) return `${a} (layer ${la}) imports ${b} (layer ${lb})`;
  return undefined;
}

describe("the import graph of src/", () => {
  const edges = files(SRC).filter((f) => /\.ts$/.test(f)).flatMap((f) => imports(f).map((to) => [f, to] as const));

  it("has edges to check", () => {
    expect(edges.length).toBeGreaterThan(100);
  });

  it("only goes from a later layer to an earlier one (or to shared modules)", () => {
    const bad = edges.flatMap(([from, to]) => {
      const why = violation(from, to);
      return why ? [`${relative(SRC, from)} → ${relative(SRC, to)}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it("has no cycle between files", () => {
    const graph = new Map<string, string[]>();
    for (const [from, to] of edges) graph.set(from, [...(graph.get(from) ?? []), to]);
    const state = new Map<string, "open" | "done">(), cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === "done") return;
      if (state.get(node) === "open") { cycles.push([...path.slice(path.indexOf(node)), node].map((f) => relative(SRC, f)).join(" → ")); return; }
      state.set(node, "open");
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, "done");
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it("flags an edge against the order (the check itself works)", () => {
    expect(violation(join(SRC, "model/network.ts"), join(SRC, "io/format.ts"))).toMatch(/model \(layer 4\) imports io \(layer 6\)/);
    expect(violation(join(SRC, "io/format.ts"), join(SRC, "model/network.ts"))).toBeUndefined();
    expect(violation(join(SRC, "train/fit.ts"), join(SRC, "index.ts"))).toBe("imports an entry");
  });
});
