// The shipped declarations (dist/types, pruned to what the entries reach) compile for a strict consumer, in the
// browser entry and in the Node entry, with the library checks on.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

describe("the published type declarations", () => {
  it("type-check a consumer that uses the browser and Node entries", () => {
    if (!existsSync(join(ROOT, "dist/types/index.d.ts"))) throw new Error("dist/types is missing: run `npm run build` first.");
    const dir = mkdtempSync(join(tmpdir(), "wsmx-consumer-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "wasm-softmax"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, skipLibCheck: false },
      files: ["app.ts"],
    }));
    writeFileSync(join(dir, "app.ts"), `
      import { init, createRuntime, Trainer, MLP, Adam, fit, evaluate, kernels, earlyStopping, decodeModel, encodeModel,
        resumeOptions, decodeCheckpoint, type History, type Runtime } from "wasm-softmax";
      import { loadFashionMNIST, saveCheckpoint, loadModel } from "wasm-softmax/node";
      import { encodeONNX, encodeSafetensors, decodeSafetensors, encodeWeightsJSON, type ONNXOptions } from "wasm-softmax/io";
      import { decodeImage, imageToPixels, type DecodedImage } from "wasm-softmax/image";
      import { learningCurvesSVG, imageGridSVG } from "wasm-softmax/plot";
      import simd from "wasm-softmax/simd.wasm";
      await init({ backend: "wasm-simd" });
      const runtime: Runtime = await createRuntime({ wasm: simd });
      const { train, test } = await loadFashionMNIST({ dir: "/data" });
      const model = new MLP({ layers: [784, 256, 10] });
      const history: History = await fit(model, train, { optimizer: new Adam(), validationData: test, callbacks: [earlyStopping()], runtime });
      const classes: Int32Array = model.predict(test, { runtime });
      const { loss } = kernels.softmaxCrossEntropy(new Float32Array(3), [1], 1, 3, { runtime });
      await saveCheckpoint({ model }, "m.wsmx");
      const trainer = new Trainer(model, { batchSize: 64, runtime });
      const step: { loss: number; accuracy: number } = trainer.trainOnBatch(test.x.subarray(0, 784), [3]);
      trainer.close();
      const checkpoint = decodeCheckpoint(encodeModel(model));
      await fit(checkpoint.model, train, { ...resumeOptions(checkpoint), epochs: 2 });
      console.log(history, classes, loss, step, evaluate(decodeModel(encodeModel(model)), test).n);
      const options: ONNXOptions = { imageShape: [28, 28] };
      const onnx: Uint8Array = encodeONNX(await loadModel("m.wsmx"), options);
      const back = decodeSafetensors(encodeSafetensors(model), { layers: [784, 256, 10] });
      const image: DecodedImage = await decodeImage(onnx);
      const pixels: Uint8Array = imageToPixels(image, { size: 28 });
      const svg: string = learningCurvesSVG(history.epochs) + imageGridSVG({ images: pixels, imageShape: [28, 28], labels: [3] });
      console.log(back.size, encodeWeightsJSON(back).layers.length, svg.length);
    `);
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, 60_000);
});

// The documentation ships: every export of every entry has TSDoc (hover works), and nothing that takes kernel
// pointers is declared (internals are stripped).
describe("the published declarations' contents", () => {
  const typesDir = join(ROOT, "dist/types");
  const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]);

  it("carry TSDoc on every export of every entry", async () => {
    const ts = (await import("typescript")).default;
    const entries = ["index.d.ts", "node.d.ts", "edge.d.ts", "io.d.ts", "image.d.ts", "plot.d.ts"].map((f) => join(typesDir, f));
    const program = ts.createProgram(entries, { strict: true, skipLibCheck: true, noEmit: true });
    const checker = program.getTypeChecker();
    const undocumented = entries.flatMap((entry) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
      return checker.getExportsOfModule(module).filter((sym) => {
        const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
        return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === "";
      }).map((sym) => sym.name);
    });
    expect(checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entries[0]!)!)!).length).toBeGreaterThan(50);
    expect([...new Set(undocumented)]).toEqual([]);
  }, 60_000);

  it("declare no pointer-taking method and none of the training internals", () => {
    const text = files(typesDir).map((f) => readFileSync(f, "utf8")).join("\n");
    expect(text.length).toBeGreaterThan(10_000);
    for (const internal of [/\bPtr\b/, /allocateActivations|allocateDeltas|\battach\(|\bdetach\(/, /\bforward\(|\bbackward\(/,
      /\bcheckWidth\b/, /\bupdate\(k/, /\bstateSize\(/, /\bhold\(/, /\bKernelFunctions\b/]) {
      expect(text).not.toMatch(internal);
    }
  });
});

// Every ```ts and ```js snippet of the README and of the reference it links to (docs/library.md,
// docs/models-in-and-out.md) compiles for a strict consumer (JavaScript with checkJs), the README's Runtimes
// section's included: those are also run by tests/runtimes/snippets.test.ts, this checks their types.
// Fragments (snippets that do not import the package) use names the prose around them defines: a trained `model`,
// the `test` set, an image's `bytes` and `pixels`; they get those declared, and the package's names imported
// from the entry that exports each (the root or a subpath), and nothing else. Two edits, each for a tool and not the snippet: Deno's `npm:` specifiers become bare names
// (tsc does not resolve them), and the import-map page's module script is checked on its own.
describe("the snippets of the README and its reference docs", () => {
  const DOCUMENTS = ["README.md", "docs/library.md", "docs/models-in-and-out.md"];
  const blocks = DOCUMENTS.flatMap((document) => {
    const text = readFileSync(join(ROOT, document), "utf8");
    const file = document.replace(/^.*\//, "").replace(/\.md$/, "");
    return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2]!, at: `${file}-line${text.slice(0, m.index).split("\n").length}` }));
  });
  const FRAGMENT_CONTEXT: Record<string, string> = {
    model: 'declare const model: import("wasm-softmax").DenseNetwork;',
    test: 'declare const test: import("wasm-softmax").Dataset;',
    pixels: "declare const pixels: Uint8Array;",
    bytes: "declare const bytes: Uint8Array;",
    readFile: 'import { readFile } from "node:fs/promises";',
  };

  it("type-check under strict, every ts and js block and the HTML page's module script", async () => {
    // Each name a fragment uses is imported from the entry that exports it: the root, or a subpath.
    const entryOf = new Map<string, string>();
    for (const [entry, file] of [["wasm-softmax", "index"], ["wasm-softmax/io", "io"], ["wasm-softmax/image", "image"], ["wasm-softmax/plot", "plot"]]) {
      for (const name of Object.keys(await import(pathToFileURL(join(ROOT, `dist/${file}.js`)).href) as object)) entryOf.set(name, entry!);
    }
    const files: { name: string; code: string; at: string }[] = [];
    for (const { lang, code, at } of blocks) {
      if (lang === "html") {
        const module = /<script type="module">\n([\s\S]*?)<\/script>/.exec(code);
        if (module) files.push({ name: `${at}.js`, code: module[1]!, at });
      } else if (lang === "ts" || lang === "js") {
        const source = code.replaceAll('"npm:wasm-softmax', '"wasm-softmax');
        if (/from "wasm-softmax/.test(source)) {
          files.push({ name: `${at}.${lang}`, code: source, at });
          continue;
        }
        const declared = (name: string) => [`\\b(const|let|var|function)\\s+${name}\\b`, `\\b(const|let)\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=`,
          `\\bimport\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from`, `\\bimport\\s+(\\*\\s*as\\s+)?${name}\\b`].some((p) => new RegExp(p).test(source));
        const used = (name: string) => new RegExp(`\\b${name}\\b`).test(source) && !declared(name);
        const names = [...entryOf.keys()].filter(used);
        const context = [
          ...[...new Set(names.map((n) => entryOf.get(n)!))].map((entry) =>
            `import { ${names.filter((n) => entryOf.get(n) === entry).join(", ")} } from "${entry}";`),
          ...Object.entries(FRAGMENT_CONTEXT).filter(([name]) => used(name)).map(([, line]) => line),
        ];
        files.push({ name: `${at}.ts`, code: `${context.join("\n")}\n${source}`, at });
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(14);
    const dir = mkdtempSync(join(tmpdir(), "wsmx-readme-"));
    mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
    symlinkSync(ROOT, join(dir, "node_modules", "wasm-softmax"));
    symlinkSync(join(ROOT, "node_modules", "onnxruntime-web"), join(dir, "node_modules", "onnxruntime-web"));
    symlinkSync(join(ROOT, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    for (const f of files) writeFileSync(join(dir, f.name), `${f.code}\nexport {};\n`);
    // The edge recipe imports its model file as a Worker "Data" module, which wrangler declares for its users.
    writeFileSync(join(dir, "data-modules.d.ts"), 'declare module "*.wsmx" { const bytes: ArrayBuffer; export default bytes; }\n');
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true,
        allowJs: true, checkJs: true, lib: ["es2022", "esnext.disposable", "dom"], types: ["node"], skipLibCheck: true },
      files: [...files.map((f) => f.name), "data-modules.d.ts"],
    }));
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    // "README-lineN" in a message is the line of README.md where that snippet's fence opens ("library-lineN":
    // docs/library.md, and so on).
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, 120_000);
});
