// MNIST's IDX files have Fashion-MNIST's names and format: they load through the same loaders, with its own
// class names.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, FASHION_MNIST_KEYS, MNIST_CLASSES } from "../../../src/data/fashion-mnist/constants.js";
import { loadFashionMNIST as loadInBrowser } from "../../../src/data/fashion-mnist/load.js";
import { loadFashionMNIST } from "../../../src/data/fashion-mnist/node/load.js";
import { OptionError } from "../../../src/errors.js";
import { makeFashionFiles } from "../../helpers/idx.js";
import { rejection } from "../../helpers/errors.js";

describe("MNIST through the Fashion-MNIST loaders", () => {
  it("loads a directory of MNIST files with the digits as class names", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mnist-"));
    const files = makeFashionFiles({ train: 30, test: 10 });
    for (const key of FASHION_MNIST_KEYS) await writeFile(join(dir, FASHION_MNIST_FILES[key]), files[key]);
    const { train, test } = await loadFashionMNIST({ dir, classNames: MNIST_CLASSES, env: {}, download: false });
    expect([train.length, test.length]).toEqual([30, 10]);
    expect(train.classNames).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(test.classNames).toEqual(MNIST_CLASSES);
    expect(Array.from(train.y.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const plain = await loadFashionMNIST({ dir, env: {}, download: false });
    expect(plain.train.classNames).toEqual(FASHION_MNIST_CLASSES);
  });

  it("renames the classes of files passed as bytes in any runtime", async () => {
    const { train } = await loadInBrowser({ files: makeFashionFiles(), classNames: MNIST_CLASSES });
    expect(train.classNames).toEqual(MNIST_CLASSES);
  });

  it("rejects class names that are not ten", async () => {
    const error = await rejection(loadInBrowser({ files: makeFashionFiles(), classNames: ["a", "b"] }));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe("classNames");
  });
});

describe("cancelling a download", () => {
  it("rejects with the signal's reason, not a missing-dataset error, and validates the signal", async () => {
    const { createServer } = await import("node:http");
    // A server that never answers: only the abort can end the request.
    const server = createServer(() => undefined);
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as { port: number };
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stopped by the user")), 50);
      const error = await rejection(loadInBrowser({ url: `http://127.0.0.1:${port}/`, signal: controller.signal }));
      expect(error.message).toBe("stopped by the user");
      const nodeError = await rejection(loadFashionMNIST({ url: `http://127.0.0.1:${port}/`, signal: AbortSignal.abort() }));
      expect(nodeError.name).toBe("AbortError");
    } finally {
      server.closeAllConnections();
      server.close();
    }
    expect((await rejection(loadInBrowser({ files: makeFashionFiles(), signal: "now" as never })) as OptionError).option).toBe("signal");
  });
});
