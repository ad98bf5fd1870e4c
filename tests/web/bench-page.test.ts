// The benchmark page (web/bench.html) in headless Chromium: it runs the kernels and an epoch on the three
// runtimes, checks each against js before timing, and refuses to show timings when a check fails.
// Skipped (with the reason) without Chromium, unless $CI is set.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS } from "../runtimes/harness.js";
import { startDemoServer } from "../../web/server.js";
import type { DemoServer } from "../../web/server.js";

const BUILT = existsSync(join(ROOT, "dist/index.js")) && existsSync(join(ROOT, "build/simd.wasm"));
const missing = existsSync(CHROMIUM) ? "" : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
const skip = missing !== "" && !process.env.CI;
const BACKENDS = ["wasm-simd", "wasm", "js"];

interface Report {
  environment: { userAgent: string; hardwareConcurrency: number | null; simd: boolean };
  backends: string[];
  cases: { name: string; kind: string; results: Record<string, { check: { ok: boolean }; medianMs: number; minMs: number; runs: number; speedup: number }> }[];
}

describe.skipIf(skip)("benchmark page in headless Chromium", () => {
  let browser: Browser, server: DemoServer;

  beforeAll(async () => {
    if (missing) throw new Error(`The benchmark page test cannot run ($CI is set, so it must): ${missing}.`);
    if (!BUILT) throw new Error("dist/index.js or build/simd.wasm is missing: run `npm run build` first.");
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    server = await startDemoServer({ port: 0, dataDir: null });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(query = ""): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(new URL(`bench.html${query}`, server.url).href);
    return { page, errors };
  }
  const finished = (page: Page) => page.waitForFunction(() => !["idle", "running"].includes(document.body.dataset.state ?? ""),
    undefined, { timeout: 240_000 });

  it("is linked from the demo page", async () => {
    const { page } = await open();
    try {
      await page.goto(server.url);
      await Promise.all([page.waitForURL(/\/bench\.html$/, { waitUntil: "domcontentloaded" }), page.click("[data-testid=bench-link]")]);
      expect(await page.title()).toMatch(/benchmark in your browser/);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("checks every runtime against js, then times the kernels and an epoch and charts the speed-ups, naming the browser", async () => {
    const { page, errors } = await open();
    try {
      // The browser and its logical cores are named before anything runs.
      const env = await page.textContent("#env");
      expect(env).toContain(await page.evaluate(() => navigator.userAgent));
      expect(env).toContain(String(await page.evaluate(() => navigator.hardwareConcurrency)));
      await page.click("#run");
      await finished(page);
      expect(await page.evaluate(() => document.body.dataset.state), (await page.textContent("#status")) ?? "").toBe("done");
      expect(errors).toEqual([]);

      const report = JSON.parse(await page.inputValue("#json")) as Report;
      expect(report.backends.sort()).toEqual([...BACKENDS].sort());
      expect(report.environment.userAgent).toBe(await page.evaluate(() => navigator.userAgent));
      expect(report.environment.hardwareConcurrency).toBe(await page.evaluate(() => navigator.hardwareConcurrency));
      expect(report.cases.map((c) => c.name)).toEqual([
        "matmul 256×784→10", "matmul 256×784→256", "softmax cross-entropy 256×10",
        "softmax-regression epoch (8,192 examples, batch 256)",
      ]);
      for (const c of report.cases) {
        expect(Object.keys(c.results).sort()).toEqual([...BACKENDS].sort());
        for (const [backend, r] of Object.entries(c.results)) {
          expect(r.check.ok, `${c.name} on ${backend}`).toBe(true);
          expect(r.medianMs).toBeGreaterThan(0);
          expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
          expect(r.runs).toBeGreaterThanOrEqual(3);
          expect(r.speedup).toBeGreaterThan(0);
        }
        expect(c.results.js!.speedup).toBe(1);
      }
      // SIMD pays off on the big product at least.
      expect(report.cases[1]!.results["wasm-simd"]!.speedup).toBeGreaterThan(1);

      // The chart: a bar per case and runtime, labelled with its speed-up, captioned with the browser.
      const bars = await page.$$eval("#chart rect.bar", (rects) => rects.map((r) => ({
        backend: r.getAttribute("data-backend"), speedup: Number(r.getAttribute("data-speedup")), width: Number(r.getAttribute("width")),
      })));
      expect(bars).toHaveLength(12);
      const simdBig = bars.filter((b) => b.backend === "wasm-simd")[1]!, jsBig = bars.filter((b) => b.backend === "js")[1]!;
      expect(simdBig.width / jsBig.width).toBeCloseTo(simdBig.speedup, 1);
      expect(await page.textContent("#chart .chart-caption")).toContain(report.environment.userAgent);
      expect(await page.locator("#results tbody tr").count()).toBe(12);
      expect(await page.isEnabled("#copy")).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, "bench-page.png"), fullPage: true });
    } finally {
      await page.close();
    }
  }, 300_000);

  it("refuses to show timings when a runtime's result does not match js", async () => {
    const { page, errors } = await open("?fault=wasm&run");
    try {
      await finished(page);
      expect(await page.evaluate(() => document.body.dataset.state)).toBe("check-failed");
      expect(errors).toEqual([]);
      expect(await page.textContent("#status")).toMatch(/^Check failed, so no timings are shown: matmul 256×784→10 on wasm: differs from js by /);
      expect(await page.inputValue("#json")).toBe("");
      expect(await page.locator("#chart rect.bar").count()).toBe(0);
      expect(await page.isEnabled("#copy")).toBe(false);
      // The table names each check; no timing is in it.
      const rows = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
      expect(rows.filter((r) => r[1] === "wasm").every((r) => r[2]!.startsWith("FAILED"))).toBe(true);
      expect(rows.filter((r) => r[1] === "wasm-simd").every((r) => r[2]!.startsWith("ok"))).toBe(true);
      expect(rows.every((r) => r[3] === "—" && r[6] === "—")).toBe(true);
    } finally {
      await page.close();
    }
  }, 120_000);
});
