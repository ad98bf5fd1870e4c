#!/usr/bin/env node
// The live demo's static server: `npm run demo` (= build, then `node web/server.js [--port N] [--host H] [--no-isolation]`).
// Plain Node, no dependencies. It serves
//   /            web/index.html, and web/'s other pages and scripts
//   /shared/*.js the data makers and allclose shared with the tests and bench/ (bench/shared/), for the bench page
//   /dist/…      the built package (the page and its worker import /dist/index.js, the browser entry)
//   /build/*.wasm the kernels (dist/ resolves ../build/simd.wasm from its own URL)
//   /data/*.gz   Fashion-MNIST where the package's own Node loader finds it ($FASHION_MNIST_DIR, the user cache,
//                the Debian package's directory; never a download)
//   /api/info    { data: boolean } so the page knows whether to ask the user for the files
// Every response carries COOP/COEP, so the page is cross-origin isolated and trains on all cores (kernel threads
// need SharedArrayBuffer); `--no-isolation` leaves them out, and the library then runs one thread.
import { existsSync } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { basename, extname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const WEB = fileURLToPath(new URL(".", import.meta.url)).replace(/[\\/]$/, "");
const ROOT = resolve(WEB, "..");
const DIST = join(ROOT, "dist");
const BUILD = join(ROOT, "build");
const SHARED = join(ROOT, "bench", "shared");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".gz": "application/gzip",
};

const NOT_BUILT = "The demo needs the built package (dist/index.js, dist/node.js, build/simd.wasm): run `npm run build` first, or use `npm run demo`.";

function assertBuilt() {
  if (!["index.js", "node.js"].every((f) => existsSync(join(DIST, f))) || !existsSync(join(BUILD, "simd.wasm"))) throw new Error(NOT_BUILT);
}

/** The package's Node entry, built into dist/: its loader is the one search for the data. */
async function nodeEntry() {
  assertBuilt();
  return import(pathToFileURL(join(DIST, "node.js")).href);
}

/**
 * Fashion-MNIST where the package's Node loader finds it: in `dir`, else by its search order ($FASHION_MNIST_DIR,
 * the user cache, the Debian package's directory), never downloading. Returns the directory and each canonical
 * file name's path, or undefined when no place has the data (the page then takes the user's files); an explicit
 * `dir` without the data throws the loader's error. The loader reads and checks the files, so only data it loads
 * is served.
 */
export async function findFashionMNIST({ dir, env = process.env } = {}) {
  const { loadFashionMNIST, DatasetNotFoundError, FASHION_MNIST_FILES } = await nodeEntry();
  const read = [];
  try {
    const { source } = await loadFashionMNIST({ ...(dir !== undefined && { dir }), env, download: false, onProgress: ({ file }) => read.push(file) });
    const files = Object.fromEntries(Object.values(FASHION_MNIST_FILES).map((name) =>
      [name, read.find((path) => [name, name.replace(/\.gz$/, "")].includes(basename(path)))]));
    return { dir: source, files };
  } catch (error) {
    if (dir === undefined && error instanceof DatasetNotFoundError) return undefined;
    throw error;
  }
}

/** `child` resolved inside `base`, or undefined when the request tries to leave it. */
function inside(base, child) {
  const path = resolve(base, "." + sep + child);
  return path === base || path.startsWith(base + sep) ? path : undefined;
}

/**
 * Starts the demo server. `dataDir`: a directory with the four Fashion-MNIST files (one the loader cannot load is
 * its error), `null` for none (the page then asks for files), or undefined to search as the loader does. Resolves
 * once listening.
 * @example
 * const demo = await startDemoServer({ port: 0 }); console.log(demo.url); await demo.close();
 */
export async function startDemoServer({ port = 8080, host = "127.0.0.1", dataDir, isolate = true } = {}) {
  assertBuilt();
  const data = dataDir === null ? undefined : await findFashionMNIST(dataDir === undefined ? {} : { dir: resolve(dataDir) });

  const server = createServer((req, res) => {
    if (isolate) {
      res.setHeader("cross-origin-opener-policy", "same-origin");
      res.setHeader("cross-origin-embedder-policy", "require-corp");
    }
    handle(req, res, data?.files).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const bound = server.address().port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/`,
    port: bound,
    dataDir: data?.dir,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** @param {Record<string, string> | undefined} dataFiles each canonical Fashion-MNIST name's path */
async function handle(req, res, dataFiles) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed");
    return;
  }
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    res.writeHead(400, { "content-type": "text/plain" }).end("bad request");
    return;
  }
  if (path.includes("\0")) {
    res.writeHead(400, { "content-type": "text/plain" }).end("bad request");
    return;
  }

  if (path === "/api/info") {
    const body = JSON.stringify({ data: dataFiles !== undefined });
    res.writeHead(200, { "content-type": MIME[".json"], "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
    return;
  }

  let file;
  if (path.startsWith("/data/")) {
    const name = path.slice("/data/".length);
    file = dataFiles !== undefined && Object.hasOwn(dataFiles, name) ? dataFiles[name] : undefined;
  } else if (/^\/shared\/[\w-]+\.js$/.test(path)) {
    file = inside(SHARED, path.slice("/shared/".length));
  } else if (path.startsWith("/dist/")) {
    file = inside(DIST, path.slice("/dist/".length));
  } else if (path.startsWith("/build/")) {
    file = path.endsWith(".wasm") ? inside(BUILD, path.slice("/build/".length)) : undefined;
  } else if (path === "/" || path === "/index.html") {
    file = join(WEB, "index.html");
  } else if (/^\/[\w.-]+\.(?:js|css|html|svg|png|ico)$/.test(path) && path !== "/server.js") {
    file = inside(WEB, path.slice(1));
  }

  if (file === undefined) return notFound(res, path);
  let info;
  try {
    info = await stat(file);
  } catch {
    return notFound(res, path);
  }
  if (!info.isFile()) return notFound(res, path);

  const type = path.startsWith("/data/") ? "application/octet-stream" : MIME[extname(file)] ?? "application/octet-stream";
  // Validators for every file, so a reload costs a 304 instead of the bytes. The data set never changes under a
  // name: the browser keeps it a day without asking. The page and the package are revalidated on every load, so
  // a fresh `npm run build` shows at once.
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString();
  const headers = {
    etag,
    "last-modified": lastModified,
    "cache-control": path.startsWith("/data/") ? "public, max-age=86400" : "no-cache",
    "x-content-type-options": "nosniff",
  };
  if (notModified(req, etag, info.mtimeMs)) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, "content-type": type, "content-length": String(info.size) });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  if (info.size > 1 << 20) {
    const fh = await open(file);
    fh.createReadStream().pipe(res);
  } else {
    res.end(await readFile(file));
  }
}

// If-None-Match wins over If-Modified-Since when both are sent (RFC 9110, 13.2.2).
function notModified(req, etag, mtimeMs) {
  const match = req.headers["if-none-match"];
  if (match !== undefined) return match.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag || tag.trim() === "*");
  const since = Date.parse(req.headers["if-modified-since"] ?? "");
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

function notFound(res, path) {
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${path}`);
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--port" || flag === "-p") {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid --port: expected an integer in [0, 65535], got ${argv[i]}.`);
      options.port = port;
    } else if (flag === "--host") {
      options.host = value();
    } else if (flag === "--data") {
      options.dataDir = value();
    } else if (flag === "--no-data") {
      options.dataDir = null;
    } else if (flag === "--no-isolation") {
      options.isolate = false;
    } else if (flag === "--help" || flag === "-h") {
      options.help = true;
    } else {
      throw new Error(`Unknown option ${arg}. Usage: node web/server.js [--port N] [--host H] [--data DIR | --no-data] [--no-isolation]`);
    }
  }
  return options;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write("Usage: node web/server.js [--port N] [--host H] [--data DIR | --no-data]\n" +
      "Serves the wasm-softmax browser demo (default http://127.0.0.1:8080/; --port 0 picks a free port).\n");
    return;
  }
  const { help: _help, ...serverOptions } = options;
  let demo;
  try {
    demo = await startDemoServer(serverOptions);
  } catch (error) {
    // The default port is only a preference: take a free one rather than fail.
    if (error?.code === "EADDRINUSE" && options.port === undefined) {
      demo = await startDemoServer({ ...serverOptions, port: 0 });
      process.stdout.write("(port 8080 is in use: took a free one; pass --port N to choose)\n");
    } else {
      const message = error?.code === "EADDRINUSE" ? `port ${options.port} is in use; pass another --port (0 picks a free one).`
        : error.message;
      process.stderr.write(`wasm-softmax demo: ${message}\n`);
      process.exitCode = 1;
      return;
    }
  }
  process.stdout.write(`wasm-softmax demo: ${demo.url}\n`);
  process.stdout.write(demo.dataDir
    ? `Fashion-MNIST: serving ${demo.dataDir}\n`
    : "Fashion-MNIST: not found where the package's loadFashionMNIST looks ($FASHION_MNIST_DIR, the user cache, the " +
      "Debian package's directory); the page will ask for the four .gz files.\n");
  process.stdout.write("Press Ctrl+C to stop.\n");
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
