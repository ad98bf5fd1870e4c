// Times a kernel variant from bench/variants/NN-*.ts against the kernel of the same name in assembly/, in the
// same process, alternating, on the real access pattern. Usage: node bench/variants/run.js 01-gather-touch-all
import { execFileSync } from "node:child_process";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const name = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "variant-"));
const compile = (entry, out) => {
  execFileSync("npx", ["asc", entry, "--outFile", out, "--enable", "simd", "-O3", "--runtime", "stub", "--use", "abort=", "--noAssert"], { stdio: "inherit" });
  return new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), {}).exports;
};
const main = compile("assembly/index.ts", join(dir, "main.wasm"));
const variant = compile(`bench/variants/${name}.ts`, join(dir, "variant.wasm"));
const kernel = Object.keys(variant).find((k) => typeof variant[k] === "function");
const setup = (await import("./setup.js")).default;
const results = { main: [], variant: [] };
const cases = [["main", main], ["variant", variant]].map(([label, ex]) => [label, ex, setup(ex, kernel)]);
for (let round = 0; round < 15; round++) {
  for (const [label, ex, run] of cases) {
    const t0 = performance.now();
    run();
    results[label].push(performance.now() - t0);
  }
}
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (const label of ["main", "variant"]) console.log(kernel, label.padEnd(8), "median", med(results[label]).toFixed(2), "ms  min", Math.min(...results[label]).toFixed(2), "ms");
