// What `npm pack` ships: the license, the metadata registries and editors show, no empty or internal file, and
// the sizes the benchmark's footprint targets hold (the package unpacked; an app's minified JS).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without declarations
import { TARGET_APP_JS_GZIP_BYTES, TARGET_PACKAGE_UNPACKED_BYTES, appBundleSize } from "../../bench/footprint.js";

const ROOT = resolve(import.meta.dirname, "../..");
interface Pack { files: { path: string; size: number }[]; unpackedSize: number }
let pack: Pack;

beforeAll(() => {
  const stdout = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
  pack = (JSON.parse(stdout) as Pack[])[0]!;
}, 60_000);

describe("the npm tarball", () => {
  it("holds the MIT license with its copyright line", () => {
    expect(pack.files.map((f) => f.path)).toContain("LICENSE");
    const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the wasm-softmax authors\n/);
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).license).toBe("MIT");
  });

  it("ships no empty file and not the benchmark's internal entry", () => {
    expect(pack.files.length).toBeGreaterThan(20);
    expect(pack.files.filter((f) => f.size === 0).map((f) => f.path)).toEqual([]);
    expect(pack.files.map((f) => f.path)).not.toContain("dist/internal.js");
    expect(pack.files.every((f) => /^(LICENSE|README\.md|package\.json|dist\/|build\/(simd|scalar|simd-threads|simd-relaxed|simd-relaxed-threads)\.wasm$)/.test(f.path))).toBe(true);
  });

  it(`is at most ${TARGET_PACKAGE_UNPACKED_BYTES / 1024} KB unpacked`, () => {
    expect(pack.unpackedSize).toBeLessThanOrEqual(TARGET_PACKAGE_UNPACKED_BYTES);
  });
});

describe("package.json", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;

  it("names the repository, homepage, issue tracker, author and keywords", () => {
    expect(pkg.repository).toEqual({ type: "git", url: expect.stringMatching(/^git\+https:\/\/github\.com\/[\w-]+\/wasm-softmax\.git$/) });
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/[\w-]+\/wasm-softmax#readme$/);
    expect(pkg.bugs).toEqual({ url: expect.stringMatching(/^https:\/\/github\.com\/[\w-]+\/wasm-softmax\/issues$/) });
    expect(pkg.author).toEqual(expect.any(String));
    expect(pkg.keywords).toEqual(expect.arrayContaining(["webassembly", "simd", "fashion-mnist"]));
  });
});

describe("an app built from the README's browser snippet", () => {
  it(`bundles with esbuild --minify to at most ${TARGET_APP_JS_GZIP_BYTES / 1024} KB of gzipped JavaScript`, async () => {
    const { rawBytes, gzipBytes } = await appBundleSize() as { rawBytes: number; gzipBytes: number };
    expect(rawBytes).toBeGreaterThan(10_000); // the snippet's imports were bundled, not left external
    expect(gzipBytes).toBeLessThanOrEqual(TARGET_APP_JS_GZIP_BYTES);
  }, 60_000);
});
