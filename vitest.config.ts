import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The cross-runtime suite starts Deno, Bun, Chromium and workerd: `npm run test:runtimes` runs it.
    exclude: [...configDefaults.exclude, "tests/runtimes/**"],
  },
});
