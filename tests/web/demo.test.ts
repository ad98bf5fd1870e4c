// The live browser demo (web/): its server, and the page driven in headless Chromium on the real Fashion-MNIST.
// The browser part is skipped (with the reason in its name) when Chromium or the dataset is missing, unless $CI is
// set: CI installs both (apt-get install -y chromium dataset-fashion-mnist), so there it must run.
import { existsSync, mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, scratch } from "../runtimes/harness.js";
import { writeDataset } from "../helpers/fashion.js";
import { makeFashionFiles } from "../helpers/idx.js";
import { FASHION_MNIST_FILES } from "../../src/index.js";
import { findFashionMNIST, startDemoServer } from "../../web/server.js";
import type { DemoServer } from "../../web/server.js";

const BUILT = existsSync(join(ROOT, "dist/index.js")) && existsSync(join(ROOT, "build/simd.wasm"));
const NOT_BUILT = "dist/index.js or build/simd.wasm is missing: run `npm run build` before the demo test (`npm test` does).";
const CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

const found = BUILT ? await findFashionMNIST() : undefined;
const dataDir = found?.dir;
const missing = [
  !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`,
  !dataDir && "no Fashion-MNIST (apt-get install -y dataset-fashion-mnist, or set FASHION_MNIST_DIR)",
].filter((reason): reason is string => typeof reason === "string");
const skipBrowser = missing.length > 0 && !process.env.CI;

/** A GET with the path sent exactly as written (fetch would normalise "..", which is what we want to send). */
function rawGet(origin: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("demo server", () => {
  let server: DemoServer;
  beforeAll(async () => {
    if (!BUILT) throw new Error(NOT_BUILT);
    server = await startDemoServer({ port: 0, dataDir: null });
  });
  afterAll(async () => { await server?.close(); });

  it("serves the page, the package and the kernels with their MIME types and the cross-origin isolation headers", async () => {
    const expected: [string, RegExp][] = [
      ["/", /^text\/html/], ["/app.js", /^text\/javascript/], ["/worker.js", /^text\/javascript/],
      ["/style.css", /^text\/css/], ["/dist/index.js", /^text\/javascript/],
      ["/build/simd.wasm", /^application\/wasm$/], ["/build/scalar.wasm", /^application\/wasm$/],
    ];
    for (const [path, type] of expected) {
      const response = await fetch(new URL(path, server.url));
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toMatch(type);
      expect(response.headers.get("cross-origin-opener-policy"), path).toBe("same-origin");
      expect(response.headers.get("cross-origin-embedder-policy"), path).toBe("require-corp");
      await response.arrayBuffer();
    }
    const plain = await startDemoServer({ port: 0, dataDir: null, isolate: false });
    try {
      const response = await fetch(new URL("/", plain.url));
      expect(response.headers.get("cross-origin-opener-policy")).toBeNull();
      expect(response.headers.get("cross-origin-embedder-policy")).toBeNull();
      await response.arrayBuffer();
    } finally {
      await plain.close();
    }
  });

  it("refuses paths outside its folders, its own source, and data it does not have", async () => {
    for (const path of ["/dist/../package.json", "/dist/%2e%2e/package.json", "/build/..%2f..%2fetc/passwd",
      "/..%2fpackage.json", "/server.js", "/build/simd.wat", "/data/train-images-idx3-ubyte.gz", "/data/../package.json"]) {
      const { status, body } = await rawGet(server.url, path);
      expect(status, path).toBe(404);
      expect(body, path).not.toContain("wasm-softmax\":");
    }
    expect(await (await fetch(new URL("/api/info", server.url))).json()).toMatchObject({ data: false });
  });

  it("serves the benchmark page the data makers and allclose the tests use, and nothing else of bench/", async () => {
    for (const name of ["allclose", "banded", "random"]) {
      const response = await fetch(new URL(`/shared/${name}.js`, server.url));
      expect(response.status, name).toBe(200);
      expect(response.headers.get("content-type"), name).toMatch(/^text\/javascript/);
      expect(await response.text()).toBe(await readFile(join(ROOT, "bench/shared", `${name}.js`), "utf8"));
    }
    for (const path of ["/shared/allclose.d.ts", "/shared/../run.js", "/shared/..%2frun.js", "/bench/run.js"]) {
      expect((await rawGet(server.url, path)).status, path).toBe(404);
    }
  });

  it("sends validators with every file and answers a revalidation with 304, so a reload does not download again", async () => {
    const first = await fetch(new URL("/app.js", server.url));
    await first.arrayBuffer();
    const etag = first.headers.get("etag")!, lastModified = first.headers.get("last-modified")!;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    expect((await fetch(new URL("/app.js", server.url), { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await fetch(new URL("/app.js", server.url), { headers: { "if-modified-since": lastModified } })).status).toBe(304);
    expect((await fetch(new URL("/app.js", server.url), { headers: { "if-none-match": '"other"' } })).status).toBe(200);
    // If-None-Match decides when both are sent.
    expect((await fetch(new URL("/app.js", server.url), { headers: { "if-none-match": '"other"', "if-modified-since": lastModified } })).status)
      .toBe(200);
    expect((await fetch(new URL("/app.js", server.url), { headers: { "if-modified-since": "Thu, 01 Jan 1970 00:00:00 GMT" } })).status)
      .toBe(200);
  });
});

describe("where the demo server finds Fashion-MNIST", () => {
  let work: Awaited<ReturnType<typeof scratch>>;
  beforeAll(async () => {
    if (!BUILT) throw new Error(NOT_BUILT);
    work = await scratch();
  });
  afterAll(async () => { await work?.dispose(); });

  it("is where the package's loader finds it: $FASHION_MNIST_DIR before the user cache, each file under its own name", async () => {
    const envDir = join(work.dir, "env"), home = join(work.dir, "home");
    const cache = join(home, ".cache", "wasm-softmax", "fashion-mnist");
    await writeDataset(envDir, makeFashionFiles());
    await writeDataset(cache, makeFashionFiles({ mark: 1 }), { gz: false });

    const fromEnv = await findFashionMNIST({ env: { FASHION_MNIST_DIR: envDir, HOME: home } });
    expect(fromEnv?.dir).toBe(envDir);
    expect(fromEnv?.files[FASHION_MNIST_FILES.trainImages]).toBe(join(envDir, FASHION_MNIST_FILES.trainImages));

    const fromCache = await findFashionMNIST({ env: { HOME: home } });
    expect(fromCache?.dir).toBe(cache);
    expect(Object.keys(fromCache!.files).sort()).toEqual(Object.values(FASHION_MNIST_FILES).sort());
    expect(fromCache?.files[FASHION_MNIST_FILES.testLabels]).toBe(join(cache, "t10k-labels-idx1-ubyte"));
  });

  it("serves a file under its canonical .gz name whether the directory holds it gzipped or not", async () => {
    const dir = join(work.dir, "raw");
    await writeDataset(dir, makeFashionFiles({ mark: 2 }), { gz: false });
    const server = await startDemoServer({ port: 0, dataDir: dir });
    try {
      const response = await fetch(new URL(`/data/${FASHION_MNIST_FILES.trainLabels}`, server.url));
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(await readFile(join(dir, "train-labels-idx1-ubyte"))));
      expect(await (await fetch(new URL("/api/info", server.url))).json()).toEqual({ data: true });
    } finally {
      await server.close();
    }
  });

  it("refuses a given directory the loader cannot load, with the loader's own error", async () => {
    const empty = join(work.dir, "empty");
    mkdirSync(empty, { recursive: true });
    // The built package's error class (dist/), so matched by name.
    await expect(startDemoServer({ port: 0, dataDir: empty })).rejects.toMatchObject({
      name: "DatasetNotFoundError", message: expect.stringContaining(`${empty} (no Fashion-MNIST files)`),
    });
  });
});

describe("demo server with data", () => {
  it("serves Fashion-MNIST cacheable for a day, with validators", async ({ skip }) => {
    skip(!dataDir, "no Fashion-MNIST here");
    if (!BUILT) throw new Error(NOT_BUILT);
    const server = await startDemoServer({ port: 0, dataDir: dataDir! });
    try {
      const url = new URL(`/data/${FASHION_MNIST_FILES.trainLabels}`, server.url);
      const response = await fetch(url);
      await response.arrayBuffer();
      expect(response.headers.get("cache-control")).toBe("public, max-age=86400");
      expect(response.headers.get("cache-control")).not.toMatch(/no-store/);
      const etag = response.headers.get("etag")!;
      const again = await fetch(url, { headers: { "if-none-match": etag } });
      expect(again.status).toBe(304);
      expect((await again.arrayBuffer()).byteLength).toBe(0);
    } finally {
      await server.close();
    }
  });
});

const SKIP_NOTE = `skipped: ${missing.join("; ")}`;
if (skipBrowser) console.warn(`tests/web/demo.test.ts: the browser demo tests are ${SKIP_NOTE} (set CI=1 to make them fail instead).`);

describe("browser demo in headless Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    if (skipBrowser) return;
    if (!BUILT) throw new Error(NOT_BUILT);
    if (missing.length) throw new Error(`The browser demo test cannot run ($CI is set, so it must): ${missing.join("; ")}.`);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);
  afterAll(async () => { await browser?.close(); });

  /** A page that records its animation frames (to show the main thread keeps painting) and its errors. */
  async function openPage(url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.addInitScript(() => {
      const w = window as unknown as { __frames: number[] };
      w.__frames = [];
      const tick = (t: number) => { w.__frames.push(t); requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    await page.goto(url);
    return { page, errors };
  }

  const now = (page: Page) => page.evaluate(() => performance.now());
  /** Frames painted between two page times, and the longest gap between consecutive frames. */
  const frames = (page: Page, from: number, to: number) => page.evaluate(([a, b]) => {
    const t = (window as unknown as { __frames: number[] }).__frames.filter((x) => x >= a! && x <= b!);
    let maxGap = 0;
    for (let i = 1; i < t.length; i++) maxGap = Math.max(maxGap, t[i]! - t[i - 1]!);
    return { count: t.length, maxGap };
  }, [from, to]);
  const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim() ?? "";
  const waitState = (page: Page, states: string[], timeout: number) =>
    page.waitForFunction((s) => s.includes(document.body.dataset.state ?? ""), states, { timeout }).catch(async (error) => {
      throw new Error(`The page did not reach ${states.join(" or ")}: state ${await page.evaluate(() => document.body.dataset.state)}, ` +
        `status "${await text(page, "#status")}" (${(error as Error).message})`);
    });

  it("trains softmax regression on Fashion-MNIST in a worker past 0.8 test accuracy, drawing curves, images and the confusion matrix", async ({ skip }) => {
    skip(skipBrowser, SKIP_NOTE);
    const server = await startDemoServer({ port: 0, dataDir: dataDir! });
    const { page, errors } = await openPage(server.url);
    try {
      await waitState(page, ["ready"], 30_000);
      expect(await page.evaluate(() => crossOriginIsolated), "the demo server isolates the page").toBe(true);
      expect(await text(page, "#data-status")).toMatch(/60\u202f000 training and 10\u202f000 test images/);
      // Before training the grid shows the test images with their true labels only.
      expect(await page.locator("#grid .cell").count()).toBe(18);

      await page.fill("#epochs", "3");
      await page.click("#start");
      const started = await now(page);
      await waitState(page, ["training", "done"], 10_000);
      expect(page.workers().length, "training runs in a Web Worker").toBeGreaterThanOrEqual(1);
      const t0 = Date.now();
      expect(await page.evaluate(() => 1 + 1)).toBe(2);
      expect(Date.now() - t0, "the page answers while it trains").toBeLessThan(1000);

      await waitState(page, ["done", "error", "stopped"], 120_000);
      const ended = await now(page);
      expect(await page.evaluate(() => document.body.dataset.state), await text(page, "#status")).toBe("done");
      expect(errors).toEqual([]);

      // The main thread kept painting all along: frames throughout, none held up for long.
      const painted = await frames(page, started, ended);
      expect(painted.count, "requestAnimationFrame kept ticking").toBeGreaterThanOrEqual(Math.floor((ended - started) / 1000 * 10));
      expect(painted.maxGap, "longest gap between frames (ms)").toBeLessThan(500);

      const testAccuracy = Number(await text(page, "#test-acc"));
      expect(testAccuracy).toBeGreaterThan(0.8);
      expect(testAccuracy).toBeLessThan(0.9);
      // Isolated, the worker trains on every core the browser reports (at most 8).
      const cores = Math.min(8, await page.evaluate(() => navigator.hardwareConcurrency));
      const active = cores > 1 ? `wasm-simd ×${cores}` : "wasm-simd";
      expect(await text(page, "#backend-active")).toBe(active);
      expect(await text(page, "#status")).toContain(`backend ${active}`);
      expect(await text(page, "#epoch-time")).toMatch(/^\d+\.\d+ s$/);
      expect(await page.locator("#epoch-table tbody tr").count()).toBe(3);

      // Learning curves: three series (train loss, train acc, test acc), three points each.
      expect(await page.getAttribute("#curves", "data-points")).toBe("3");
      const series = page.locator("#curves g.series");
      expect(await series.count()).toBe(3);
      for (let i = 0; i < 3; i++) expect(await series.nth(i).getAttribute("data-points")).toBe("3");
      expect(await page.locator("#curves circle.point").count()).toBe(9);
      expect(await page.locator("#curves polyline").count()).toBe(3);

      // The image grid: 18 test images, each with its true and predicted label; mistakes are marked.
      const cells = await page.$$eval("#grid .cell", (els) => els.map((el) => ({
        truth: el.querySelector(".true")?.textContent, pred: el.querySelector(".pred")?.textContent?.replace(/^✗\s*/, ""),
        wrong: el.classList.contains("wrong"), drawn: el.querySelector("canvas")?.width,
      })));
      expect(cells).toHaveLength(18);
      for (const cell of cells) {
        expect(CLASSES).toContain(cell.truth);
        expect(CLASSES).toContain(cell.pred);
        expect(cell.wrong).toBe(cell.truth !== cell.pred);
        expect(cell.drawn).toBe(28);
      }
      // The canvases hold the images, not blank squares.
      const lit = await page.$eval("#grid canvas", (c) => {
        const d = (c as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 28, 28).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i]! > 0) n++;
        return n;
      });
      expect(lit).toBeGreaterThan(50);

      // The confusion matrix: 10×10 counts over the 10 000 test images, 1 000 per true class.
      const matrix = await page.$$eval("#confusion tbody tr", (rows) =>
        rows.map((row) => [...row.querySelectorAll("td[data-count]")].map((td) => Number((td as HTMLElement).dataset.count))));
      expect(matrix).toHaveLength(10);
      for (const row of matrix) {
        expect(row).toHaveLength(10);
        expect(row.reduce((a, b) => a + b, 0)).toBe(1000);
      }
      const correct = matrix.reduce((sum, row, i) => sum + row[i]!, 0);
      expect(correct / 10_000).toBeCloseTo(testAccuracy, 4);
      expect(await page.$$eval("#confusion thead th", (ths) => ths.map((th) => th.textContent))).toEqual(expect.arrayContaining(CLASSES));

      await expectNoOverflow(page);
      await page.screenshot({ path: join(SCREENSHOTS, "demo-1280.png"), fullPage: true });
    } finally {
      await page.close();
      await server.close();
    }
  }, 120_000);

  /** Nothing on the page is wider than the viewport, and every caption and figure shows its whole text. */
  async function expectNoOverflow(page: Page): Promise<void> {
    const layout = await page.evaluate(() => {
      const clipped = (selector: string) => [...document.querySelectorAll<HTMLElement>(selector)]
        .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${selector}: ${e.textContent}`);
      const confusion = document.getElementById("confusion")!;
      return {
        scrollWidth: document.documentElement.scrollWidth, innerWidth,
        wider: [...document.querySelectorAll<HTMLElement>("body *")]
          .filter((e) => e.closest("#confusion") === null && e.getBoundingClientRect().right > innerWidth + 0.5)
          .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`),
        clipped: [...clipped("#grid .true"), ...clipped("#grid .pred"), ...clipped(".stat .value")],
        statusWidth: document.getElementById("status")!.getBoundingClientRect().width,
        confusion: { right: confusion.getBoundingClientRect().right, scroll: confusion.scrollWidth > confusion.clientWidth,
          overflowX: getComputedStyle(confusion).overflowX },
      };
    });
    expect(layout.scrollWidth, "document.documentElement.scrollWidth").toBeLessThanOrEqual(layout.innerWidth);
    expect(layout.wider, "elements wider than the viewport").toEqual([]);
    expect(layout.clipped, "captions and figures cut short").toEqual([]);
    // The status is a line across the page, not a column of single words.
    expect(layout.statusWidth).toBeGreaterThan(Math.min(300, layout.innerWidth - 40));
    // The confusion matrix fits its panel, or scrolls inside it.
    expect(layout.confusion.right).toBeLessThanOrEqual(layout.innerWidth);
    if (layout.confusion.scroll) expect(layout.confusion.overflowX).toBe("auto");
  }

  it("fits a 375 px phone screen: no horizontal overflow, whole captions, a confusion matrix inside its panel", async ({ skip }) => {
    skip(skipBrowser, SKIP_NOTE);
    const server = await startDemoServer({ port: 0, dataDir: dataDir! });
    const { page, errors } = await openPage(server.url, { width: 375, height: 812 });
    try {
      await waitState(page, ["ready"], 30_000);
      await expectNoOverflow(page);
      // Loaded: the chart no longer says it is waiting for the data.
      expect(await text(page, "#curves .placeholder")).toBe("Press Start to train");
      await page.fill("#epochs", "2");
      await page.click("#start");
      await waitState(page, ["done", "error", "stopped"], 120_000);
      expect(await page.evaluate(() => document.body.dataset.state), await text(page, "#status")).toBe("done");
      expect(errors).toEqual([]);
      expect(await page.locator("#confusion td[data-count]").count()).toBe(100);
      await expectNoOverflow(page);
      await page.screenshot({ path: join(SCREENSHOTS, "demo-375.png"), fullPage: true });
    } finally {
      await page.close();
      await server.close();
    }
  }, 150_000);

  it("refuses a learning rate of 0 with a message, and keeps the chart when Stop is pressed during epoch 1", async ({ skip }) => {
    skip(skipBrowser, SKIP_NOTE);
    const server = await startDemoServer({ port: 0, dataDir: dataDir! });
    const { page, errors } = await openPage(server.url);
    try {
      await waitState(page, ["ready"], 30_000);
      await page.fill("#lr", "0");
      await page.click("#start");
      expect(await page.evaluate(() => document.body.dataset.state)).toBe("ready");
      expect(await page.$eval("#lr", (e) => (e as HTMLInputElement).validationMessage)).toBe("The learning rate must be greater than 0 (try 0.1).");
      await page.fill("#lr", "0.1");
      expect(await page.$eval("#lr", (e) => (e as HTMLInputElement).validity.valid)).toBe(true);

      // The JS kernels take seconds per epoch: Stop lands inside epoch 1.
      await page.selectOption("#backend", "js");
      await page.fill("#epochs", "3");
      await page.click("#start");
      await page.waitForFunction(() => /Epoch 1\/3: batch ([3-9]|\d\d+)\//.test(document.getElementById("status")!.textContent ?? ""),
        undefined, { timeout: 30_000 });
      const loss = await text(page, "#train-loss");
      await page.click("#stop");
      await waitState(page, ["stopped", "done", "error"], 30_000);
      expect(await page.evaluate(() => document.body.dataset.state)).toBe("stopped");
      expect(errors).toEqual([]);
      expect(await text(page, "#status")).toMatch(/^Stopped during epoch 1 \(batch \d+\/235: train loss \d\.\d{4}, train acc \d\.\d{4} so far\); no epoch finished/);
      // What was shown stays: the running point of each training series, the cursor, the figures.
      expect(await page.locator("#curves circle.live").count()).toBe(2);
      expect(await page.locator("#curves .cursor").count()).toBe(1);
      expect(await text(page, "#curves .stopped-note")).toBe("stopped here");
      expect(await page.locator("#curves .placeholder").count()).toBe(0);
      expect(await text(page, "#train-loss")).not.toBe("—");
      expect(Number(await text(page, "#train-loss"))).toBeLessThanOrEqual(Number(loss) + 1);
      expect(await text(page, "#epoch")).toBe("1 / 3");
    } finally {
      await page.close();
      await server.close();
    }
  }, 120_000);

  it("trains with the JS backend on files the user picks when the server has no dataset, staying responsive, without isolation", async ({ skip }) => {
    skip(skipBrowser, SKIP_NOTE);
    const server = await startDemoServer({ port: 0, dataDir: null, isolate: false });
    const { page, errors } = await openPage(server.url);
    try {
      await waitState(page, ["need-files"], 15_000);
      expect(await page.evaluate(() => crossOriginIsolated), "the library works without isolation").toBe(false);
      expect(await page.isVisible("#file-hint")).toBe(true);
      expect(await text(page, "#curves .placeholder")).toBe("Waiting for the Fashion-MNIST files");
      const files = Object.values(found!.files);
      await page.setInputFiles("#files", files);
      await waitState(page, ["ready"], 30_000);

      await page.selectOption("#backend", "js");
      await page.fill("#epochs", "1");
      await page.click("#start");
      // Mid-epoch (the JS kernels take seconds per epoch): the page answers at once and keeps painting.
      await page.waitForFunction(() => /batch \d+\/\d+/.test(document.getElementById("status")!.textContent ?? ""), undefined, { timeout: 30_000 });
      const t0 = Date.now();
      expect(await page.evaluate(() => 1 + 1)).toBe(2);
      expect(Date.now() - t0, "evaluate() round trip while training (ms)").toBeLessThan(500);
      const from = await now(page);
      await page.waitForTimeout(400);
      const to = await now(page);
      expect(await page.evaluate(() => document.body.dataset.state)).toBe("training");
      const painted = await frames(page, from, to);
      expect(painted.count, "frames painted in 400 ms of training").toBeGreaterThanOrEqual(8);
      expect(await text(page, "#backend-active")).toBe("js");

      await waitState(page, ["done", "error", "stopped"], 60_000);
      expect(await page.evaluate(() => document.body.dataset.state), await text(page, "#status")).toBe("done");
      expect(errors).toEqual([]);
      expect(await text(page, "#status")).toMatch(/backend js/);
      expect(await page.getAttribute("#curves", "data-points")).toBe("1");
      // d2l's first epoch: ≈ 0.79 test accuracy.
      expect(Number(await text(page, "#test-acc"))).toBeGreaterThan(0.7);
      expect(await page.locator("#grid .cell").count()).toBe(18);
      expect(await page.locator("#confusion td[data-count]").count()).toBe(100);
    } finally {
      await page.close();
      await server.close();
    }
  }, 120_000);
});
