// The shipped declarations (dist/types, pruned to what the entries reach) compile for a strict consumer, in the
// browser entry and in the Node entry, with the library checks on.
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
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
      import { init, MLP, Adam, fit, evaluate, kernels, earlyStopping, loadModel, type History } from "wasm-softmax";
      import { loadFashionMNIST, saveCheckpointFile } from "wasm-softmax/node";
      await init({ backend: "wasm-simd" });
      const { train, test } = await loadFashionMNIST({ dir: "/data" });
      const model = new MLP({ layers: [784, 256, 10] });
      const history: History = await fit(model, train, { optimizer: new Adam(), validationData: test, callbacks: [earlyStopping()] });
      const classes: Int32Array = model.predict(test);
      const { loss } = kernels.softmaxCrossEntropy(new Float32Array(3), [1], 1, 3);
      await saveCheckpointFile("m.wsmx", { model });
      console.log(history, classes, loss, evaluate(loadModel(model.save()), test));
    `);
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, 60_000);
});
