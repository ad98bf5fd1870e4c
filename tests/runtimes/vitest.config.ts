// The cross-runtime suite (`npm run test:runtimes`): slow-ish (it starts Deno, Bun, Chromium and workerd), so
// kept out of the default `vitest run` by the root vitest.config.ts and run on its own with this config.
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["tests/runtimes/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One file at a time: the runtimes already use both cores.
    fileParallelism: false,
  },
});
