// The README's "Runtimes" section is code users copy, so its snippets are run, not just read: the Node, Deno and
// Bun ones verbatim (file name and command from each snippet's first comment) in a throwaway project whose
// node_modules/wasm-softmax links to this package; the browser ones in headless Chromium (the import-map page
// as written, the Vite and esbuild ones bundled by those tools); the Workers one bundled as wrangler does and
// served by workerd. Only the Fashion-MNIST source is swapped for a tiny generated set: the server runtimes find
// it in the user cache ($HOME is a temporary directory), the others get it as `{ files }`. Everything else
// (Vercel Edge, wrangler.toml) is parsed.
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, extname, join, resolve, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transform } from "esbuild";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, binary, bundle, exec, scratch, serveWorkerd, workerdConfig } from "./harness.js";
import { learnableFashionFiles } from "../helpers/idx.js";
import { FASHION_MNIST_FILES, FASHION_MNIST_KEYS } from "../../src/data/fashion-mnist.js";
import type { FashionMNISTFileKey } from "../../src/data/fashion-mnist.js";

// ---------------------------------------------------------------------------------------------------------------
// The section and its snippets

interface Snippet { heading: string; lang: string; code: string }

function runtimesSection(readme: string): string {
  const start = readme.indexOf("<!-- runtimes -->"), end = readme.indexOf("<!-- /runtimes -->");
  if (start < 0 || end < start) throw new Error("README.md has no <!-- runtimes --> … <!-- /runtimes --> section.");
  return readme.slice(start, end);
}

function parseSnippets(section: string): Snippet[] {
  const out: Snippet[] = [];
  for (const part of section.split(/^### /m).slice(1)) {
    const heading = part.slice(0, part.indexOf("\n")).trim();
    for (const m of part.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) out.push({ heading, lang: m[1]!, code: m[2]! });
  }
  return out;
}

const section = runtimesSection(await readFile(join(ROOT, "README.md"), "utf8"));
const snippets = parseSnippets(section);

/** The one snippet of `lang` under the heading matching `heading`. */
function snippet(heading: RegExp, lang: string): Snippet {
  const found = snippets.filter((s) => heading.test(s.heading) && s.lang === lang);
  if (found.length !== 1) throw new Error(`Expected one \`\`\`${lang} snippet under a heading matching ${heading}, found ${found.length}.`);
  return found[0]!;
}

/** "// train.mjs — node train.mjs" → the file name and the command. */
function fileAndCommand(s: Snippet): { file: string; command: string[] } {
  const m = /^\/\/ (\S+) — (.+)$/m.exec(s.code.split("\n")[0]!);
  if (!m) throw new Error(`The ${s.heading} snippet does not start with "// <file> — <command>".`);
  return { file: m[1]!, command: m[2]!.trim().split(/\s+/) };
}

/** The snippet with its Fashion-MNIST source replaced by the tiny set on globalThis.__TINY. */
function withTinyData(code: string): string {
  const call = /loadFashionMNIST\(\{[^)]*\}\)/g;
  expect(code.match(call), "one loadFashionMNIST({ … }) call to swap for the tiny set").toHaveLength(1);
  return code.replace(call, "loadFashionMNIST({ files: globalThis.__TINY })");
}

// ---------------------------------------------------------------------------------------------------------------
// The tiny data set: the banded Fashion-MNIST look-alike (bench/shared/banded.js) as the four gzipped files

/** A script that puts the tiny set on globalThis.__TINY, for a page or a worker. */
function tinyScript(files: Record<FashionMNISTFileKey, Uint8Array>): string {
  const b64 = Object.fromEntries(FASHION_MNIST_KEYS.map((k) => [k, Buffer.from(files[k]).toString("base64")]));
  return `globalThis.__TINY = Object.fromEntries(Object.entries(${JSON.stringify(b64)}).map(([k, v]) => ` +
    `[k, Uint8Array.from(atob(v), (c) => c.charCodeAt(0))]));\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// A user's project: node_modules/wasm-softmax → this package, $HOME with the tiny set in the user cache

let work: Awaited<ReturnType<typeof scratch>>;
let project: string;
let home: string;

beforeAll(async () => {
  work = await scratch();
  project = join(work.dir, "project");
  home = join(work.dir, "home");
  await mkdir(join(project, "node_modules"), { recursive: true });
  await symlink(ROOT, join(project, "node_modules", "wasm-softmax"), "dir");
  await writeFile(join(project, "package.json"), JSON.stringify({ type: "module", private: true, dependencies: { "wasm-softmax": "*" } }));
  // Deno: npm: specifiers from this node_modules, offline.
  await writeFile(join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
  const cache = join(home, ".cache", "wasm-softmax", "fashion-mnist");
  await mkdir(cache, { recursive: true });
  const files = learnableFashionFiles(300, 100);
  for (const key of FASHION_MNIST_KEYS) await writeFile(join(cache, FASHION_MNIST_FILES[key]), files[key]);
});
afterAll(async () => { await work?.dispose(); });

function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  delete env.FASHION_MNIST_DIR;
  delete env.XDG_CACHE_HOME;
  return env;
}

const BINARIES: Record<string, () => string> = { node: () => process.execPath, deno: () => binary("deno"), bun: () => binary("bun") };

/** Writes the snippet under its own file name and runs its own command; returns its stdout. */
async function runServerSnippet(s: Snippet): Promise<string> {
  const { file, command } = fileAndCommand(s);
  const [program, ...args] = command;
  expect(Object.keys(BINARIES), `the command in the ${s.heading} snippet`).toContain(program);
  await writeFile(join(project, file), s.code);
  const out = await exec(BINARIES[program!]!(), args, { cwd: project, env: userEnv(), timeoutMs: 60_000 });
  expect(out.code, `${command.join(" ")} failed:\n${out.stderr.slice(-3000)}`).toBe(0);
  return out.stdout;
}

describe("the README's Runtimes section", () => {
  it("has a snippet for Node, Deno, Bun, browsers (import map, Vite, esbuild), Workers and Vercel Edge", () => {
    for (const [heading, lang] of [[/^Node/, "js"], [/^Deno/, "ts"], [/^Bun/, "js"], [/import map/, "html"],
      [/Cloudflare Workers/, "js"], [/Cloudflare Workers/, "toml"], [/Vercel Edge/, "js"]] as const) {
      expect(() => snippet(heading, lang)).not.toThrow();
    }
    expect(snippets.filter((s) => /bundler/.test(s.heading) && s.lang === "js")).toHaveLength(2);
  });

  it("has only snippets that parse", async () => {
    for (const s of snippets) {
      if (s.lang === "js" || s.lang === "ts") {
        await expect(transform(s.code, { loader: s.lang, format: "esm", target: "es2022" }), s.heading).resolves.toBeDefined();
      } else if (s.lang === "html") {
        const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(s.code);
        expect(() => JSON.parse(map![1]!), "the import map is JSON").not.toThrow();
        const module = /<script type="module">([\s\S]*?)<\/script>/.exec(s.code);
        await expect(transform(module![1]!, { loader: "js", format: "esm", target: "es2022" })).resolves.toBeDefined();
      } else if (s.lang === "toml") {
        for (const line of s.code.trim().split("\n")) expect(line).toMatch(/^(#.*|[\w.]+ = "[^"]*")$/);
        // wrangler.toml's main is the worker snippet's file.
        expect(s.code).toContain(`main = "${fileAndCommand(snippet(/Cloudflare Workers/, "js")).file}"`);
      } else {
        throw new Error(`A \`\`\`${s.lang} snippet under "${s.heading}" that this test does not know how to check.`);
      }
    }
  });
});

describe("the server-runtime snippets run as written", () => {
  it.each([["Node", /^Node/, "js"], ["Deno", /^Deno/, "ts"], ["Bun", /^Bun/, "js"]] as const)(
    "%s: trains 10 epochs on Fashion-MNIST found in the user cache", async (_name, heading, lang) => {
      const stdout = await runServerSnippet(snippet(heading, lang));
      expect(stdout).toMatch(/epoch:\s*10/);
      expect(stdout).toMatch(/valAccuracy:\s*[01]/);
    });
});

// ---------------------------------------------------------------------------------------------------------------
// Browsers

const MIME: Record<string, string> = { ".js": "text/javascript", ".html": "text/html", ".wasm": "application/wasm", ".json": "application/json" };

/** Serves `dir` (following its symlinks, as a dev server would) on 127.0.0.1. */
async function serve(dir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/favicon.ico") return void res.writeHead(204).end();
    const file = resolve(dir, "." + path);
    if (!(file === dir || file.startsWith(dir + sep))) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

describe("the browser snippets run in Chromium", () => {
  let browser: import("playwright-core").Browser | undefined;
  const tiny = tinyScript(learnableFashionFiles(256, 64));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (or set $CHROMIUM_PATH).`);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => { await browser?.close(); });

  /** Opens `page` of a server for `dir` and returns the first console.log's first argument (or throws a page error). */
  async function firstLog(dir: string, page: string): Promise<unknown> {
    const server = await serve(dir);
    const tab = await browser!.newPage();
    try {
      await tab.addInitScript(tiny);
      const logged = new Promise<unknown>((ok, fail) => {
        tab.on("pageerror", (e) => fail(new Error(`${page}: ${String(e)}`)));
        tab.on("console", (m) => {
          if (m.type() === "error") fail(new Error(`${page}: ${m.text()}`));
          else if (m.type() === "log") void m.args()[0]?.jsonValue().then(ok, fail);
        });
        setTimeout(() => fail(new Error(`${page} logged nothing in 30 s`)), 30_000);
      });
      await tab.goto(`${server.origin}/${page}`);
      return await logged;
    } finally {
      await tab.close();
      await server.close();
    }
  }

  it("the import-map page, served from a project's node_modules, trains on the tiny set", async () => {
    await writeFile(join(project, "index.html"), `<!doctype html><meta charset="utf-8">\n${withTinyData(snippet(/import map/, "html").code)}`);
    const result = await firstLog(project, "index.html") as { loss: number; accuracy: number };
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.accuracy).toBeGreaterThan(0.5);
  });

  /** The snippet, then a line that logs the backend init() settled on. */
  const bundlerEntry = (code: string) => `${code}\nconsole.log({ backend: (await init()).backend });\n`;
  const page = (script: string) => `<!doctype html><meta charset="utf-8"><script type="module" src="./${script}"></script>\n`;

  it("the Vite snippet, a plain init() after `vite build`, loads simd.wasm", async () => {
    const [viteSnippet] = snippets.filter((s) => /bundler/.test(s.heading) && s.code.includes("Vite"));
    expect(viteSnippet!.code).toMatch(/await init\(\);/);
    const app = join(work.dir, "vite-app");
    await mkdir(join(app, "node_modules"), { recursive: true });
    await symlink(ROOT, join(app, "node_modules", "wasm-softmax"), "dir");
    await writeFile(join(app, "main.js"), bundlerEntry(viteSnippet!.code));
    await writeFile(join(app, "index.html"), page("main.js"));
    const { build } = await import("vite");
    await build({ root: app, configFile: false, logLevel: "silent", build: { outDir: join(app, "dist"), emptyOutDir: true } });
    expect(await firstLog(join(app, "dist"), "index.html")).toEqual({ backend: "wasm-simd" });
  });

  it("the esbuild snippet, bundled with --loader:.wasm=file, loads simd.wasm", async () => {
    const [esbuildSnippet] = snippets.filter((s) => /bundler/.test(s.heading) && s.code.includes('from "wasm-softmax/simd.wasm"'));
    const out = join(work.dir, "esbuild-app");
    const { files } = await bundle({ contents: bundlerEntry(esbuildSnippet!.code) }, out, { platform: "browser", loader: { ".wasm": "file" } });
    expect(files.filter((f) => f.endsWith(".wasm")).map((f) => basename(f).replace(/-\w+\.wasm$/, "")).sort()).toEqual(["scalar", "simd"]);
    await writeFile(join(out, "index.html"), page(basename(files.find((f) => f.endsWith(".js"))!)));
    expect(await firstLog(out, "index.html")).toEqual({ backend: "wasm-simd" });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Cloudflare Workers: bundled with wrangler's conditions (the harness's "workerd" flavour), served by workerd

async function workerdFetch(dir: string, main: string, wasm: string[]): Promise<Response> {
  await writeFile(join(dir, "config.capnp"), workerdConfig(main, wasm));
  return serveWorkerd(dir, async (origin) => {
    const response = await fetch(`${origin}/`);
    return new Response(await response.arrayBuffer(), { status: response.status });
  });
}

describe("the Cloudflare Workers snippet", () => {
  it("bundled as wrangler does, trains on the tiny set in workerd with the .wasm modules", async () => {
    const worker = snippet(/Cloudflare Workers/, "js");
    const dir = join(work.dir, "worker");
    const code = tinyScript(learnableFashionFiles(256, 64)) + withTinyData(worker.code);
    const { files } = await bundle({ contents: code }, dir, "workerd");
    const wasm = files.filter((f) => f.endsWith(".wasm")).map((f) => basename(f));
    expect(wasm.map((f) => f.replace(/-\w+\.wasm$/, "")).sort()).toEqual(["scalar", "simd"]);
    const response = await workerdFetch(dir, basename(files.find((f) => f.endsWith(".js"))!), wasm);
    const text = await response.text();
    expect(response.status, text.slice(0, 2000)).toBe(200);
    const result = JSON.parse(text) as { loss: number; accuracy: number };
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.accuracy).toBeLessThanOrEqual(1);
  });
});
