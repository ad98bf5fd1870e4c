// The shipped declarations (dist/types, pruned to what the entries reach) compile for a strict consumer, in the
// browser entry and in the Node entry, with the library checks on.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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
      import { init, createRuntime, Trainer, MLP, Adam, fit, evaluate, kernels, earlyStopping, loadModel, saveModel,
        resumeOptions, loadCheckpoint, type History, type Runtime } from "wasm-softmax";
      import { loadFashionMNIST, saveCheckpointFile } from "wasm-softmax/node";
      import simd from "wasm-softmax/simd.wasm";
      await init({ backend: "wasm-simd" });
      const runtime: Runtime = await createRuntime({ wasm: simd });
      const { train, test } = await loadFashionMNIST({ dir: "/data" });
      const model = new MLP({ layers: [784, 256, 10] });
      const history: History = await fit(model, train, { optimizer: new Adam(), validationData: test, callbacks: [earlyStopping()], runtime });
      const classes: Int32Array = model.predict(test, { runtime });
      const { loss } = kernels.softmaxCrossEntropy(new Float32Array(3), [1], 1, 3, { runtime });
      await saveCheckpointFile("m.wsmx", { model });
      const trainer = new Trainer(model, { batchSize: 64, runtime });
      const step: { loss: number; acc: number } = trainer.trainOnBatch(test.x.subarray(0, 784), [3]);
      trainer.close();
      const checkpoint = loadCheckpoint(saveModel(model));
      await fit(checkpoint.model, train, { ...resumeOptions(checkpoint), epochs: 2 });
      console.log(history, classes, loss, step, evaluate(loadModel(saveModel(model)), test).n);
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

  it("carry TSDoc on every export of the index, node and edge entries", async () => {
    const ts = (await import("typescript")).default;
    const entries = ["index.d.ts", "node.d.ts", "edge.d.ts"].map((f) => join(typesDir, f));
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

// Every TypeScript snippet of the README's library section compiles for a strict consumer.
describe("the README's library snippets", () => {
  it("type-check under strict", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Use it as a library"), readme.indexOf("## Command line"));
    const snippets = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    const dir = mkdtempSync(join(tmpdir(), "wsmx-readme-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "wasm-softmax"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const names = snippets.map((code, i) => { writeFileSync(join(dir, `snippet${i}.ts`), `${code}\nexport {};\n`); return `snippet${i}.ts`; });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true,
        lib: ["es2022", "esnext.disposable", "dom"], types: [], skipLibCheck: false },
      files: names,
    }));
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, 60_000);
});
