import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { expect, it } from "vitest";
import type { Dataset } from "../../src/data/dataset.js";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, FASHION_MNIST_KEYS, FASHION_MNIST_SHA256 } from "../../src/data/fashion-mnist/constants.js";
import { loadFashionMNIST as loadAnywhere } from "../../src/data/fashion-mnist/load.js";
import { sha256Hex, verifyFashionMNISTFile } from "../../src/data/fashion-mnist/checksums.js";
import { FASHION_MNIST_SYSTEM_DIR, loadFashionMNIST } from "../../src/data/fashion-mnist/node/load.js";
import { describeRealData } from "../helpers/real-data.js";

function classCounts(data: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of data.y) counts[label]! += 1;
  return counts;
}

describeRealData("the real Fashion-MNIST in /usr/share/datasets/fashion-mnist", () => {
  it("loads 60 000 train and 10 000 test images of 28×28 with labels 0..9, 6000 and 1000 per class", async () => {
    const root = await mkdtemp(join(tmpdir(), "wasm-softmax-real-"));
    try {
      const { train, test, kind, source } = await loadFashionMNIST({
        env: { HOME: root },
        cacheDir: join(root, "empty-cache"),
        download: false,
      });
      expect(kind).toBe("system");
      expect(source).toBe(FASHION_MNIST_SYSTEM_DIR);
      expect(train.length).toBe(60000);
      expect(test.length).toBe(10000);
      for (const data of [train, test]) {
        expect(data.features).toBe(784);
        expect(data.imageShape).toEqual([28, 28]);
        expect(data.classes).toBe(10);
        expect(data.classNames).toEqual(FASHION_MNIST_CLASSES);
        expect(data.x).toBeInstanceOf(Uint8Array);
        expect(data.x.length).toBe(data.length * 784);
        expect(data.y.every((label) => label >= 0 && label <= 9)).toBe(true);
      }
      expect(classCounts(train)).toEqual(new Array(10).fill(6000));
      expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  // The Debian package recompressed the .gz files (their gzip headers carry a 2020 timestamp), so their own
  // SHA-256 differs from the canonical downloads; the IDX data inside is byte for byte the canonical one.
  it("holds files whose decompressed SHA-256 matches the canonical table, so verification accepts them", async () => {
    for (const key of FASHION_MNIST_KEYS) {
      const gz = new Uint8Array(await readFile(join(FASHION_MNIST_SYSTEM_DIR, FASHION_MNIST_FILES[key])));
      expect(await sha256Hex(gunzipSync(gz)), key).toBe(FASHION_MNIST_SHA256[key].raw);
      await expect(verifyFashionMNISTFile(gz, FASHION_MNIST_SHA256[key], key)).resolves.toBeUndefined();
    }
  }, 60_000);

  it("downloads the same files over HTTP with checksum verification on", async () => {
    const server = createServer(async (req, res) => {
      const name = (req.url ?? "").replace(/^\/+/, "");
      if (!Object.values(FASHION_MNIST_FILES).includes(name)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(await readFile(join(FASHION_MNIST_SYSTEM_DIR, name)));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { train, test } = await loadAnywhere({ url: `http://127.0.0.1:${port}` });
      expect(train.length).toBe(60000);
      expect(test.length).toBe(10000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
