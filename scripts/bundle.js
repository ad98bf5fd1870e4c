// Builds the shipped JavaScript: one ESM bundle per entry (shared code split into chunks), minified. Every file
// lands directly in dist/, one level below the package root like src/assets.ts, so the wasm URLs hold.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names carry content hashes: clear the old ones so dist/ (and the package) holds only this build's.
for (const file of existsSync("dist") ? readdirSync("dist", { withFileTypes: true }) : []) {
  if (file.isFile() && file.name.endsWith(".js")) rmSync(`dist/${file.name}`);
}

await build({
  entryPoints: {
    index: "src/index.ts",   // browsers and the "default" condition
    node: "src/node.ts",     // Node, Deno, Bun
    edge: "src/edge.ts",     // workerd, Vercel Edge: the .wasm files as module imports
    cli: "src/cli/bin.ts",   // the wasm-softmax command
    internal: "src/internal.ts", // the benchmark's view of the internals (not exported)
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  minify: true,
  // node: built-ins are imported only by the Node entries; .wasm imports stay module imports for edge runtimes.
  external: ["node:*", "*.wasm"],
  logLevel: "warning",
});
