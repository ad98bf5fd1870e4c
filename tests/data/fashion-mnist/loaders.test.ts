import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatasetNotFoundError, FormatError } from "../../../src/errors.js";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, FASHION_MNIST_KEYS, FASHION_MNIST_MIRROR, FASHION_MNIST_SHA256, type FashionMNISTChecksums } from "../../../src/data/fashion-mnist/constants.js";
import { datasetsFromFiles } from "../../../src/data/fashion-mnist/datasets.js";
import { loadFashionMNIST } from "../../../src/data/fashion-mnist/load.js";
import { sha256Hex } from "../../../src/data/fashion-mnist/checksums.js";
import { type FashionMNISTProgress } from "../../../src/data/fashion-mnist/options.js";
import { fashionMNISTCacheDir } from "../../../src/data/fashion-mnist/node/cache.js";
import { loadFashionMNIST as loadNode } from "../../../src/data/fashion-mnist/node/load.js";
import { byName, checksumsOf, sha, writeDataset } from "../../helpers/fashion.js";
import { serve, type Server } from "../../helpers/http.js";
import { makeFashionFiles } from "../../helpers/idx.js";
import { rejection } from "../../helpers/errors.js";

describe("Fashion-MNIST constants", () => {
  it("lists the ten class names in label order", () => {
    expect(FASHION_MNIST_CLASSES).toEqual([
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]);
  });

  it("has a .gz and a decompressed SHA-256 for each canonical file", () => {
    expect(FASHION_MNIST_FILES.trainImages).toBe("train-images-idx3-ubyte.gz");
    expect(FASHION_MNIST_SHA256.trainImages.gz).toBe("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84");
    for (const key of FASHION_MNIST_KEYS) {
      expect(FASHION_MNIST_SHA256[key].gz).toMatch(/^[0-9a-f]{64}$/);
      expect(FASHION_MNIST_SHA256[key].raw).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(FASHION_MNIST_MIRROR).toBe("https://storage.googleapis.com/tensorflow/tf-keras-datasets/");
  });

  it("computes SHA-256 in hex with Web Crypto", async () => {
    expect(await sha256Hex(new TextEncoder().encode("abc")))
      .toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("loadFashionMNIST (any runtime)", () => {
  it("loads train and test sets from gzipped files' bytes", async () => {
    const { train, test } = await loadFashionMNIST({ files: makeFashionFiles({ train: 20, test: 10 }) });
    expect(train.length).toBe(20);
    expect(test.length).toBe(10);
    expect(train.features).toBe(6);
    expect(train.imageShape).toEqual([2, 3]);
    expect(train.classes).toBe(10);
    expect(train.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(Array.from(train.y.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(Array.from(test.x.subarray(6, 12))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("loads uncompressed IDX bytes the same as gzipped ones", async () => {
    const gz = await loadFashionMNIST({ files: makeFashionFiles() });
    const raw = await loadFashionMNIST({ files: makeFashionFiles({ gz: false }) });
    expect(raw.train.x).toEqual(gz.train.x);
    expect(raw.test.y).toEqual(gz.test.y);
  });

  it("names the file in errors about malformed bytes", async () => {
    const files = makeFashionFiles();
    files.testLabels = files.testLabels.subarray(0, files.testLabels.length - 3);
    const error = await rejection(datasetsFromFiles(files, "upload"));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain("upload testLabels");
  });

  describe("from a URL", () => {
    const files = makeFashionFiles();
    const checksums = checksumsOf(files);
    let server: Server;
    beforeEach(async () => {
      server = await serve(byName(files));
    });
    afterEach(async () => {
      await server.close();
    });

    it("fetches the four canonical file names from a base URL with or without a trailing slash", async () => {
      for (const url of [server.url, server.url.slice(0, -1), new URL(server.url)]) {
        const { train, test } = await loadFashionMNIST({ url, checksums });
        expect(train.length).toBe(20);
        expect(test.length).toBe(10);
      }
      expect(new Set(server.requests)).toEqual(new Set(Object.values(FASHION_MNIST_FILES).map((n) => `/data/${n}`)));
    });

    it("reports download progress per file, ending at the file's size", async () => {
      const events: FashionMNISTProgress[] = [];
      await loadFashionMNIST({ url: server.url, checksums, onProgress: (e) => events.push(e) });
      const url = server.url + FASHION_MNIST_FILES.trainImages;
      const last = events.filter((e) => e.file === url).at(-1);
      expect(last).toEqual({ file: url, loaded: files.trainImages.length, total: files.trainImages.length });
    });

    it("uses the fetch it is given", async () => {
      const seen: string[] = [];
      const fetchSpy: typeof fetch = (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      };
      await loadFashionMNIST({ url: server.url, checksums, fetch: fetchSpy });
      expect(seen).toHaveLength(4);
    });

    it("rejects files whose SHA-256 is not in the table, naming the file and both hashes", async () => {
      const error = await rejection(loadFashionMNIST({ url: server.url }));
      expect(error).toBeInstanceOf(FormatError);
      const hit = FASHION_MNIST_KEYS.find((key) => error.message.includes(FASHION_MNIST_SHA256[key].gz))!;
      expect(hit).toBeDefined();
      expect(error.message).toContain(server.url + FASHION_MNIST_FILES[hit]);
      expect(error.message).toContain(sha(files[hit]));
      expect(error.message).toContain("re-download");
    });

    it("accepts a recompressed copy whose decompressed SHA-256 matches", async () => {
      const recompressed = Object.fromEntries(FASHION_MNIST_KEYS.map((key) =>
        [key, { gz: "0".repeat(64), raw: checksums[key].raw }])) as unknown as FashionMNISTChecksums;
      const { train } = await loadFashionMNIST({ url: server.url, checksums: recompressed });
      expect(train.length).toBe(20);
    });

    it("skips the checksum with verify: false", async () => {
      const { test } = await loadFashionMNIST({ url: server.url, verify: false });
      expect(test.length).toBe(10);
    });
  });

  it("turns an HTTP 404 into a DatasetNotFoundError with the status and URL", async () => {
    const files = makeFashionFiles();
    const served = byName(files);
    delete served[FASHION_MNIST_FILES.testLabels];
    const server = await serve(served);
    try {
      const error = await rejection(loadFashionMNIST({ url: server.url, verify: false }));
      expect(error).toBeInstanceOf(DatasetNotFoundError);
      expect(error.message).toContain(`${server.url}${FASHION_MNIST_FILES.testLabels} (HTTP 404 Not Found)`);
      expect((error as DatasetNotFoundError).tried).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("turns a refused connection into a DatasetNotFoundError naming the URL", async () => {
    const server = await serve({});
    await server.close();
    const error = await rejection(loadFashionMNIST({ url: server.url, verify: false }));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain("network error");
    expect(error.message).toContain(server.url);
  });

  it("reports a corrupt download that was not verified as a FormatError naming its URL", async () => {
    const files = makeFashionFiles();
    const broken = files.trainLabels.slice(0, files.trainLabels.length - 5);
    const server = await serve({ ...byName(files), [FASHION_MNIST_FILES.trainLabels]: broken });
    try {
      const error = await rejection(loadFashionMNIST({ url: server.url, verify: false }));
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toContain(server.url + FASHION_MNIST_FILES.trainLabels);
    } finally {
      await server.close();
    }
  });
});

describe("loadFashionMNIST (Node)", () => {
  let root: string;
  let dirs: { explicit: string; env: string; cache: string; system: string; xdg: string };
  const files = makeFashionFiles();
  const checksums = checksumsOf(files);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "wasm-softmax-fmnist-"));
    dirs = {
      explicit: join(root, "explicit"),
      env: join(root, "env"),
      cache: join(root, "cache"),
      system: join(root, "system"),
      xdg: join(root, "xdg"),
    };
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Options that keep every lookup inside the temp dir, with no mirror reachable. */
  function isolated(extra: Parameters<typeof loadNode>[0] = {}): Parameters<typeof loadNode>[0] {
    return {
      env: { XDG_CACHE_HOME: dirs.xdg, HOME: root },
      cacheDir: dirs.cache,
      systemDir: dirs.system,
      mirror: "http://127.0.0.1:9/unreachable/",
      checksums,
      ...extra,
    };
  }

  async function populateAll(): Promise<void> {
    for (const dir of [dirs.explicit, dirs.env, dirs.cache, dirs.system]) await writeDataset(dir, files);
  }

  it("prefers an explicit dir over $FASHION_MNIST_DIR, the cache and the system dir", async () => {
    await populateAll();
    const result = await loadNode(isolated({ dir: dirs.explicit, env: { FASHION_MNIST_DIR: dirs.env } }));
    expect(result.kind).toBe("dir");
    expect(result.source).toBe(dirs.explicit);
    expect(result.train.length).toBe(20);
  });

  it("prefers $FASHION_MNIST_DIR over the cache", async () => {
    await populateAll();
    const result = await loadNode(isolated({ env: { FASHION_MNIST_DIR: dirs.env } }));
    expect(result).toMatchObject({ kind: "env", source: dirs.env });
  });

  it("prefers the cache over the system dir", async () => {
    await writeDataset(dirs.cache, files);
    await writeDataset(dirs.system, files);
    expect(await loadNode(isolated())).toMatchObject({ kind: "cache", source: dirs.cache });
  });

  it("finds the cache under $XDG_CACHE_HOME when cacheDir is not given", async () => {
    const cache = join(dirs.xdg, "wasm-softmax", "fashion-mnist");
    await writeDataset(cache, files);
    await writeDataset(dirs.system, files);
    const result = await loadNode({ ...isolated(), cacheDir: undefined });
    expect(result).toMatchObject({ kind: "cache", source: cache });
  });

  it("prefers the system dir over a download, without contacting the mirror", async () => {
    await writeDataset(dirs.system, files);
    const server = await serve(byName(files));
    try {
      const result = await loadNode(isolated({ mirror: server.url }));
      expect(result).toMatchObject({ kind: "system", source: dirs.system });
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("accepts uncompressed files in a directory", async () => {
    await writeDataset(dirs.explicit, files, { gz: false });
    const result = await loadNode(isolated({ dir: dirs.explicit }));
    expect(result.test.length).toBe(10);
  });

  it("downloads when nothing is local, verifies, writes the cache, and reads the cache on the next call", async () => {
    const server = await serve(byName(files));
    const first = await loadNode(isolated({ mirror: server.url }));
    await server.close();
    expect(first).toMatchObject({ kind: "download", source: server.url, cachedTo: dirs.cache });
    expect((await readdir(dirs.cache)).sort()).toEqual([...Object.values(FASHION_MNIST_FILES), "SHA256SUMS"].sort());

    const second = await loadNode(isolated({ mirror: server.url }));
    expect(second).toMatchObject({ kind: "cache", source: dirs.cache });
    expect(second.train.x).toEqual(first.train.x);
    expect(second.test.y).toEqual(first.test.y);
  });

  it("writes nothing to the cache when a download fails its checksum", async () => {
    const server = await serve(byName(files));
    try {
      const error = await rejection(loadNode(isolated({ mirror: server.url, checksums: FASHION_MNIST_SHA256 })));
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toContain("SHA-256");
      await expect(readdir(dirs.cache)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it("with download: false and nothing local, lists every place tried and how to get the data", async () => {
    const error = await rejection(loadNode(isolated({ download: false })));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain("$FASHION_MNIST_DIR (not set)");
    expect(error.message).toContain(`cache ${dirs.cache} (does not exist)`);
    expect(error.message).toContain(dirs.system);
    expect(error.message).toContain("download: false");
    expect(error.message).toContain("dataset-fashion-mnist");
    expect(error.message).toContain("FASHION_MNIST_DIR");
    expect(error.message).toContain("loadFashionMNIST({ dir");
    expect(error.message).toContain("http://127.0.0.1:9/unreachable/");
    expect((error as DatasetNotFoundError).tried).toHaveLength(4);
  });

  it("adds the failed download URLs to the places tried", async () => {
    const server = await serve({});
    try {
      const error = await rejection(loadNode(isolated({ mirror: server.url })));
      expect(error).toBeInstanceOf(DatasetNotFoundError);
      expect(error.message).toContain("HTTP 404");
      expect(error.message).toContain(dirs.system);
      expect(error.message).toContain("apt-get install dataset-fashion-mnist");
    } finally {
      await server.close();
    }
  });

  it("treats a partly filled cache as absent and says which files are missing", async () => {
    await mkdir(dirs.cache, { recursive: true });
    await writeFile(join(dirs.cache, FASHION_MNIST_FILES.trainImages), files.trainImages);
    const error = await rejection(loadNode(isolated({ download: false })));
    expect(error.message).toContain("missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]");
  });

  it("fails on an explicit dir that lacks files, naming them, instead of looking elsewhere", async () => {
    await writeDataset(dirs.system, files);
    await mkdir(dirs.explicit);
    await writeFile(join(dirs.explicit, "train-images-idx3-ubyte"), gunzipSync(files.trainImages));
    await writeFile(join(dirs.explicit, "train-labels-idx1-ubyte.gz"), files.trainLabels);
    const error = await rejection(loadNode(isolated({ dir: dirs.explicit })));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain("missing t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]");
  });

  it("says when an explicit dir does not exist", async () => {
    const error = await rejection(loadNode(isolated({ dir: join(root, "nope") })));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain("does not exist");
  });

  it("fails on a $FASHION_MNIST_DIR without the files rather than silently using another copy", async () => {
    await writeDataset(dirs.cache, files);
    const error = await rejection(loadNode(isolated({ env: { FASHION_MNIST_DIR: join(root, "typo") } })));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain("$FASHION_MNIST_DIR=");
    expect(error.message).toContain("unset FASHION_MNIST_DIR");
  });

  it("passes over a damaged cache, and says so when no other source has the data", async () => {
    await writeDataset(dirs.cache, files);
    await writeFile(join(dirs.cache, FASHION_MNIST_FILES.testImages), files.testImages.subarray(0, 30));
    const error = await rejection(loadNode(isolated()));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain(`cache ${dirs.cache} (damaged: Invalid ${join(dirs.cache, FASHION_MNIST_FILES.testImages)}`);
    expect(error.message).toContain(`The cache ${dirs.cache} is damaged: allow the download to replace it, or delete it.`);
  });

  it("loads from files or a url passed to the Node loader and says so", async () => {
    expect(await loadNode({ files })).toMatchObject({ kind: "files", source: "files" });
    const server = await serve(byName(files));
    try {
      expect(await loadNode({ url: server.url, checksums })).toMatchObject({ kind: "url", source: server.url });
    } finally {
      await server.close();
    }
  });

  it("puts the cache under $XDG_CACHE_HOME, else under the home directory, ignoring a relative XDG_CACHE_HOME", () => {
    expect(fashionMNISTCacheDir({ XDG_CACHE_HOME: "/c" })).toBe(join("/c", "wasm-softmax", "fashion-mnist"));
    expect(fashionMNISTCacheDir({ HOME: "/h" })).toBe(join("/h", ".cache", "wasm-softmax", "fashion-mnist"));
    expect(fashionMNISTCacheDir({ XDG_CACHE_HOME: "rel", HOME: "/h" }))
      .toBe(join("/h", ".cache", "wasm-softmax", "fashion-mnist"));
  });
});
