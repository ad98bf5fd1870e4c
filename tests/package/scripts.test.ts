// The README's main command is `npm run train`: its script must run the built bin that package.json declares.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string>; scripts: Record<string, string> };

describe("package.json", () => {
  it("runs the declared bin from `npm run train`, and the build makes it", () => {
    const bin = pkg.bin["wasm-softmax"]!;
    expect(pkg.scripts.train).toBe(`npm run build && node ${bin} train`);
    expect(existsSync(join(ROOT, bin))).toBe(true);
    expect(readFileSync(join(ROOT, bin), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("points every export at a file the build makes", () => {
    const exports = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).exports as unknown;
    const targets: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === "string") targets.push(value);
      else if (value && typeof value === "object") Object.values(value).forEach(collect);
    };
    collect(exports);
    expect(targets.length).toBeGreaterThan(10);
    for (const target of targets) expect(existsSync(join(ROOT, target)), target).toBe(true);
  });
});
