// Models kept in the browser, in headless Chromium: saved from a Web Worker into IndexedDB and OPFS, loaded after
// the page reloads with the same bits, listed and removed; a full quota (400 KB, set through the DevTools protocol) and
// an opaque origin (a sandboxed frame) give StorageErrors, and a failed save leaves the previous model in place.
// Skipped (with the reason in its name) without Chromium, unless $CI is set: CI installs it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, bundle, scratch, staticServer } from "../runtimes/harness.js";

const skip = !existsSync(CHROMIUM) && !process.env.CI;
// This origin's storage quota: room for the small models, not for a 784-256-10 MLP (814 KB).
const QUOTA = 400_000;
type Outcome = { value?: unknown; error?: { name: string; reason?: string; action?: string; location?: string; message: string } };

let browser: Browser, context: BrowserContext, page: Page, origin: string;
let close: () => Promise<void>;

async function open(target: Page): Promise<void> {
  await target.goto(`${origin}/storage.html`);
  await target.waitForFunction(() => "ready" in window, undefined, { timeout: 30_000 });
}
const inPage = (task: string, ...args: unknown[]) =>
  page.evaluate(([t, a]) => (window as unknown as { run: (t: string, ...a: unknown[]) => Promise<Outcome> }).run(t, ...a), [task, args] as const);
const inWorker = (task: string, ...args: unknown[]) =>
  page.evaluate(([t, a]) => (window as unknown as { runInWorker: (t: string, ...a: unknown[]) => Promise<Outcome> }).runInWorker(t, ...a), [task, args] as const);

describe.skipIf(skip)(`models kept in Chromium${skip ? ` (skipped: no Chromium at ${CHROMIUM})` : ""}`, () => {
  let saved: number[];

  beforeAll(async () => {
    const work = await scratch();
    for (const entry of ["page", "worker", "sandboxed"]) await bundle(`tests/web/storage/${entry}.js`, work.dir, "browser");
    const sandboxed = readFileSync(join(work.dir, "sandboxed.js"), "utf8").replaceAll("</script", "<\\/script");
    const server = await staticServer({ storage: work.dir }, {
      "/storage.html": '<!doctype html><meta charset="utf-8"><script type="module" src="/bundle-storage/page.js"></script>',
      "/sandboxed.html": `<!doctype html><meta charset="utf-8">
        <script>addEventListener("message", (e) => console.log("sandboxed:" + JSON.stringify(e.data)));</script><iframe sandbox="allow-scripts" srcdoc="${
        `<script type=module>${sandboxed}</script>`.replaceAll("&", "&amp;").replaceAll('"', "&quot;")}"></iframe>`,
    });
    origin = server.origin;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext();
    page = await context.newPage();
    // Set before anything is stored: IndexedDB reads an origin's quota once, when it first opens its storage.
    await (await context.newCDPSession(page)).send("Storage.overrideQuotaForOrigin", { origin, quotaSize: QUOTA });
    await open(page);
    close = async () => { await browser.close(); await server.close(); await work.dispose(); };
  }, 120_000);

  afterAll(async () => { await close?.(); });

  it("saves from a Web Worker into IndexedDB and OPFS, and after a reload the page loads both with the same bits", async () => {
    const fromWorker = await inWorker("save", "indexeddb://toy", "opfs://toy");
    expect(fromWorker.error).toBeUndefined();
    saved = fromWorker.value as number[];
    expect(saved).toHaveLength(15);
    await page.reload();
    await page.waitForFunction(() => "ready" in window);
    expect(await inPage("load", "indexeddb://toy")).toEqual({ value: saved });
    expect(await inPage("load", "opfs://toy")).toEqual({ value: saved });
  }, 60_000);

  it("loads in a Web Worker what a page saved", async () => {
    const fromPage = await inPage("save", "indexeddb://from-page", "opfs://from-page");
    expect(await inWorker("load", "indexeddb://from-page")).toEqual(fromPage);
    expect(await inWorker("load", "opfs://from-page")).toEqual(fromPage);
  }, 60_000);

  it("lists each store's models by prefix, and removes them", async () => {
    expect(await inPage("list", "indexeddb://")).toEqual({ value: ["indexeddb://from-page", "indexeddb://toy"] });
    expect(await inWorker("list", "opfs://")).toEqual({ value: ["opfs://from-page", "opfs://toy"] });
    expect(await inPage("list", "opfs://from")).toEqual({ value: ["opfs://from-page"] });
    expect(await inWorker("remove", "opfs://from-page")).toEqual({ value: true });
    expect(await inPage("remove", "opfs://from-page")).toEqual({ value: false });
    expect(await inPage("remove", "indexeddb://from-page")).toEqual({ value: true });
    expect(await inPage("list", "opfs://")).toEqual({ value: ["opfs://toy"] });
    expect(await inWorker("list", "indexeddb://")).toEqual({ value: ["indexeddb://toy"] });
    expect((await inWorker("load", "opfs://from-page")).error).toMatchObject({
      name: "StorageError", reason: "not-found", action: "load", location: "opfs://from-page",
      message: expect.stringContaining('listModels("opfs://") lists the models kept there'),
    });
  }, 60_000);

  it("refuses a save over the quota with a StorageError, and keeps the model saved before under that name", async () => {
    for (const where of ["indexeddb://toy", "opfs://toy"]) {
      const { error } = await inWorker("saveLarge", where);
      expect(error, where).toMatchObject({ name: "StorageError", reason: "quota", action: "save", location: where });
      expect(error!.message).toMatch(/expected room for \d+ bytes in this site's storage quota, got QuotaExceededError/);
      expect(error!.message).toContain("a model saved before under this name is unchanged");
      expect(await inPage("load", where)).toEqual({ value: saved });
    }
    // A first save that fails leaves no entry behind.
    for (const scheme of ["indexeddb", "opfs"]) {
      expect((await inWorker("saveLarge", `${scheme}://large`)).error).toMatchObject({ reason: "quota" });
      expect(await inPage("list", `${scheme}://`)).toEqual({ value: [`${scheme}://toy`] });
    }
  }, 120_000);

  it("says the API is missing when this browser cannot write OPFS files from a page, and writes nothing", async () => {
    const other = await context.newPage();
    try {
      await open(other);
      await other.evaluate(() => { delete (FileSystemFileHandle.prototype as Partial<FileSystemFileHandle>).createWritable; });
      const { error } = await other.evaluate(() => (window as unknown as { run: (t: string, ...a: unknown[]) => Promise<Outcome> }).run("save", "opfs://nowhere"));
      expect(error).toMatchObject({ name: "StorageError", reason: "unavailable", action: "save", location: "opfs://nowhere" });
      expect(error!.message).toContain('save with "indexeddb://" instead');
      expect(await inPage("list", "opfs://")).toEqual({ value: ["opfs://toy"] });
    } finally {
      await other.close();
    }
  }, 60_000);

  it("reports storage refused to an opaque origin (a sandboxed frame) as a StorageError", async () => {
    const frame = await context.newPage();
    try {
      const reported = frame.waitForEvent("console", { predicate: (m) => m.text().startsWith("sandboxed:"), timeout: 30_000 });
      await frame.goto(`${origin}/sandboxed.html`);
      const results = JSON.parse((await reported).text().slice("sandboxed:".length)) as Record<string, Outcome["error"]>;
      for (const [where, action] of [["indexeddb://", "list"], ["opfs://", "list"], ["indexeddb://toy", "remove"]] as const) {
        expect(results[where], where).toMatchObject({ name: "StorageError", reason: "denied", action, location: where });
        expect(results[where]!.message).toContain("The browser refuses storage here");
      }
    } finally {
      await frame.close();
    }
  }, 60_000);
});
