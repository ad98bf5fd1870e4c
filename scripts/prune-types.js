// Keeps only the declaration files reachable from the package's entries: tsc emits one per source file, but
// internals that no public type mentions (the plain-TS kernels, the training session, …) need not ship.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { reindent } from "./reindent.js";

const root = "dist/types";
const reachable = new Set();
const stack = ["index.d.ts", "node.d.ts", "edge.d.ts", "io.d.ts", "image.d.ts", "plot.d.ts", "predict.d.ts", "predict-edge.d.ts"]
  .map((entry) => join(root, entry));
while (stack.length > 0) {
  const file = stack.pop();
  if (reachable.has(file) || !existsSync(file)) continue;
  reachable.add(file);
  for (const [, spec] of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
    stack.push(join(dirname(file), spec.replace(/\.js$/, ".d.ts")));
  }
}
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
// What ships is re-indented with one tab per level instead of tsc's four spaces (TSDoc and hovers are unchanged).
for (const file of walk(root)) {
  if (!reachable.has(file)) rmSync(file);
  else writeFileSync(file, reindent(readFileSync(file, "utf8"), 4, file));
}

// The `./simd.wasm` and `./scalar.wasm` subpaths: bundlers give a URL string (esbuild's file loader, Vite's ?url)
// and workerd / Vercel Edge a compiled module; init() and createRuntime() take either.
writeFileSync(join(root, "wasm.d.ts"), `/** One of wasm-softmax's builds, as your bundler or edge runtime imports a .wasm file. */
declare const wasm: WebAssembly.Module | string;
export default wasm;
`);
