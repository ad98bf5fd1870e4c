// init() and createRuntime() given wasm they cannot use, and the library used before init(): each is a
// WasmError that says what went wrong and what to do.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, init, WasmError } from "../../src/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/page.wasm") {
      // What a single-page-app server answers for any path: its index page, with status 200.
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title><p>Hello</p>");
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

async function initError(wasm: URL | string | Response): Promise<WasmError> {
  const error = await init({ wasm }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WasmError);
  return error as WasmError;
}

describe("init() with wasm it cannot use", () => {
  it("throws a WasmError naming the 404 and saying where to serve the .wasm files when the URL is missing", async () => {
    const url = new URL("/missing/simd.wasm", origin);
    const error = await initError(url);
    expect(error.message).toContain(url.href);
    expect(error.message).toMatch(/expected HTTP 200, got 404/);
    expect(error.hint).toMatch(/build\/simd\.wasm/);
    expect(error.hint).toMatch(/init\(\{ wasm \}\)/);
  });

  it("throws the same WasmError when the missing URL is given as a string", async () => {
    const error = await initError(`${origin}/missing/scalar.wasm`);
    expect(error.message).toMatch(/404/);
  });

  it("throws a WasmError naming the URL when the server answers an HTML page instead of wasm", async () => {
    const error = await initError(`${origin}/page.wasm`);
    expect(error.message).toContain(`${origin}/page.wasm`);
    expect(error.message).toMatch(/expected a wasm-softmax \.wasm file, got an HTML page/);
    expect(error.hint).toMatch(/Check the URL/);
  });

  it("throws a WasmError for a Response that is not ok", async () => {
    const error = await initError(new Response("gone", { status: 410, statusText: "Gone" }));
    expect(error.message).toMatch(/got 410 Gone/);
  });

  it("throws a WasmError for bytes that are not wasm", async () => {
    const error = await init({ wasm: new TextEncoder().encode("<!doctype html>") }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WasmError);
  });

  it("throws the same WasmErrors from createRuntime(), naming the source", async () => {
    const error = await createRuntime({ wasm: new URL("/missing/simd.wasm", origin) }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WasmError);
    expect((error as WasmError).message).toMatch(/expected HTTP 200, got 404/);
    const html = await createRuntime({ wasm: `${origin}/page.wasm` }).then(() => undefined, (e: unknown) => e);
    expect((html as WasmError).message).toContain(`the wasm passed to createRuntime() (${origin}/page.wasm)`);
  });

  it("still loads a good backend afterwards", async () => {
    expect((await init({ backend: "wasm" })).backend).toBe("wasm");
  });
});

/** Runs an ES module script with node in the repo root (where "wasm-softmax" resolves to the built package). */
function runNode(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => ok({ code, stdout, stderr }));
  });
}

describe("the library before init()", () => {
  it.skipIf(!existsSync(`${ROOT}/dist/index.js`))("fails in a fresh process with a WasmError that says to call init() first", async () => {
    const { code, stdout, stderr } = await runNode(`
      import { fit, evaluate, kernels, confusionMatrix, Dataset, SoftmaxRegression, Trainer, WasmError } from "wasm-softmax";
      const data = Dataset.fromArrays(new Float32Array([0, 1, 1, 0]), [0, 1], { features: 2, classes: 2 });
      const model = new SoftmaxRegression({ inputs: 2, classes: 2 });
      const attempts = {
        fit: () => fit(model, data, { epochs: 1 }),
        evaluate: () => evaluate(model, data),
        predict: () => model.predict(data),
        predictProba: () => model.predictProba(data),
        confusionMatrix: () => confusionMatrix(model, data),
        Trainer: () => new Trainer(model),
        softmax: () => kernels.softmax(new Float32Array([1, 2]), 1, 2),
      };
      const out = {};
      for (const [name, attempt] of Object.entries(attempts)) {
        try { await attempt(); out[name] = null; }
        catch (e) { out[name] = { name: e.name, wasmError: e instanceof WasmError, message: e.message }; }
      }
      console.log(JSON.stringify(out));
    `);
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as Record<string, { name: string; wasmError: boolean; message: string } | null>;
    for (const [name, error] of Object.entries(out)) {
      expect(error, `${name} before init()`).not.toBeNull();
      expect(error!.wasmError, `${name}: ${error!.name}`).toBe(true);
      expect(error!.message).toMatch(/not initialized/);
      expect(error!.message).toMatch(/await init\(\)/);
      expect(error!.message).toMatch(/pass `\{ runtime \}` from createRuntime\(\)/);
    }
  });
});
