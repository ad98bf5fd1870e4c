// Builds the shipped JavaScript: one ESM bundle per entry (shared code split into chunks), not minified, so a
// stack trace names the package's own functions and classes at a line of readable code, and Node's report of an
// uncaught error quotes one statement, not a one-line bundle. Apps minify when they bundle (docs/how-it-is-built.md
// has the sizes that led here). Every file lands directly in dist/, one level below the package root
// like src/assets.ts, so the wasm URLs hold.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";
import { reindent } from "./reindent.js";

// Chunk names carry content hashes: clear the old ones so dist/ (and the package) holds only this build's.
for (const file of existsSync("dist") ? readdirSync("dist", { withFileTypes: true }) : []) {
  if (file.isFile() && file.name.endsWith(".js")) rmSync(`dist/${file.name}`);
}

const { outputFiles } = await build({
  entryPoints: {
    index: "src/index.ts",   // browsers and the "default" condition
    node: "src/node.ts",     // Node, Deno, Bun
    edge: "src/edge.ts",     // workerd, Vercel Edge: the .wasm files as module imports
    io: "src/io.ts",         // wasm-softmax/io: ONNX, safetensors, weights JSON
    image: "src/image.ts",   // wasm-softmax/image: PNG and PGM decoders, imageToPixels
    plot: "src/plot.ts",     // wasm-softmax/plot: learning curves and image grids as SVG
    predict: "src/predict.ts",            // wasm-softmax/predict
    "predict-edge": "src/predict-edge.ts", // wasm-softmax/predict in workerd, Vercel Edge
    cli: "src/cli/bin.ts",   // the wasm-softmax command
    internal: "src/internal.ts", // the benchmark's view of the internals (not exported)
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  minify: false,
  // node: built-ins are imported only by the Node entries; .wasm imports stay module imports for edge runtimes.
  external: ["node:*", "*.wasm"],
  logLevel: "warning",
  write: false,
});

// esbuild turns a top-level class that names itself inside its body into `var X = class _X`, so its name (in
// stack traces, console.log, error.constructor.name) would read `_X`; the inner name binds the same class, so
// it can be X again. Then one tab per level instead of esbuild's two spaces: the same lines, 5 % fewer bytes.
// A call to a function marked @__NO_SIDE_EFFECTS__ (the rule makers of src/validate.ts) is pure, but an app's bundler
// knows that only for calls in the chunk that declares the function; so calls in other chunks get the per-call
// /* @__PURE__ */ mark, and an app drops the rules of modules it does not use (the subpath entries split dist/
// into chunks).
const noSideEffects = new Set(outputFiles.flatMap((f) => [...f.text.matchAll(/\/\/ @__NO_SIDE_EFFECTS__\nfunction (\w+)\(/g)].map((m) => m[1])));
const pureCall = new RegExp(`(?<![.\\w$]|@__PURE__ \\*/ )((?:${[...noSideEffects].join("|")})\\d*)\\(`, "g");
mkdirSync("dist", { recursive: true });
for (const file of outputFiles) {
  let text = noSideEffects.size > 0 ? file.text.replace(pureCall, (call, name, at, all) =>
    /function\s+$/.test(all.slice(Math.max(0, at - 9), at)) ? call : `/* @__PURE__ */ ${name}(`) : file.text;
  for (const [, name] of text.matchAll(/\bvar (\w+) = class _\1\b/g)) text = text.replaceAll(new RegExp(`\\b_${name}\\b`, "g"), name);
  text = reindent(text, 2, file.path);
  writeFileSync(file.path, text, { mode: file.path.endsWith("cli.js") ? 0o755 : 0o644 });
}
