// The cache's SHA256SUMS stamp: written after a verified download, checked on every read, and a damaged cache
// passed over and replaced by the download.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatasetNotFoundError } from "../../../../src/errors.js";
import { FASHION_MNIST_FILES, FASHION_MNIST_KEYS } from "../../../../src/data/fashion-mnist/constants.js";
import { loadFashionMNIST } from "../../../../src/data/fashion-mnist/node/load.js";
import { byName, checksumsOf, sha, writeDataset } from "../../../helpers/fashion.js";
import { serve, type Server } from "../../../helpers/http.js";
import { gzip, makeFashionFiles, makeIdxLabels } from "../../../helpers/idx.js";
import { rejection } from "../../../helpers/errors.js";

const files = makeFashionFiles();
const checksums = checksumsOf(files);
const labelsName = FASHION_MNIST_FILES.trainLabels;
// The train labels with the first one changed from 0 to 9: a valid file that parses and loads.
const altered = gzip(makeIdxLabels(Array.from({ length: 20 }, (_, i) => (i === 0 ? 9 : i % 10))));

let root: string;
let cache: string;
let server: Server;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wasm-softmax-cache-"));
  cache = join(root, "cache");
  server = await serve(byName(files));
});
afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const load = (extra: Parameters<typeof loadFashionMNIST>[0] = {}) => loadFashionMNIST({
  env: { HOME: root }, cacheDir: cache, systemDir: join(root, "system"), mirror: server.url, checksums, ...extra,
});

describe("the cache's stamp", () => {
  it("is written after a download, in sha256sum's format, for the four files", async () => {
    await load();
    const stamp = await readFile(join(cache, "SHA256SUMS"), "utf8");
    expect(stamp).toBe(FASHION_MNIST_KEYS.map((key) => `${sha(files[key])}  ${FASHION_MNIST_FILES[key]}\n`).join(""));
  });

  it("detects altered labels in a cached file, downloads the file again and repairs the cache", async () => {
    await load();
    await writeFile(join(cache, labelsName), altered);
    const again = await load();
    expect(again.kind).toBe("download");
    expect(again.train.y[0]).toBe(0);
    expect(new Uint8Array(await readFile(join(cache, labelsName)))).toEqual(files.trainLabels);
    expect(await load()).toMatchObject({ kind: "cache" });
  });

  it("names the damaged file and both hashes when the download may not replace it", async () => {
    await load();
    await writeFile(join(cache, labelsName), altered);
    const error = await rejection(load({ download: false }));
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.message).toContain(`cache ${cache} (damaged: ${labelsName} has SHA-256 ${sha(altered)}, ` +
      `not the ${sha(files.trainLabels)} in SHA256SUMS)`);
    expect(error.message).toContain(`The cache ${cache} is damaged: allow the download to replace it, or delete it.`);
  });

  it("lets a damaged cache give way to the system directory", async () => {
    await load();
    await writeFile(join(cache, labelsName), altered);
    await writeDataset(join(root, "system"), files);
    expect(await load()).toMatchObject({ kind: "system", source: join(root, "system") });
  });

  it("passes over a cached file that no longer parses and downloads it again", async () => {
    await load();
    await writeFile(join(cache, FASHION_MNIST_FILES.testImages), files.testImages.subarray(0, 30));
    expect(await load()).toMatchObject({ kind: "download", cachedTo: cache });
    expect(await load()).toMatchObject({ kind: "cache" });
  });

  it("is added to a cache without one once its files match the published checksums, and then guards it", async () => {
    await writeDataset(cache, files);
    expect(await load({ download: false })).toMatchObject({ kind: "cache" });
    expect(existsSync(join(cache, "SHA256SUMS"))).toBe(true);
    await writeFile(join(cache, labelsName), altered);
    expect((await rejection(load({ download: false }))).message).toContain(`damaged: ${labelsName} has SHA-256`);
  });

  it("is not added to a cache of someone's own files, which load as they are", async () => {
    const own = makeFashionFiles({ mark: 7 });
    await writeDataset(cache, own);
    const result = await load({ download: false });
    expect(result.kind).toBe("cache");
    expect(result.train.x[0]).toBe(7);
    expect(existsSync(join(cache, "SHA256SUMS"))).toBe(false);
  });

  it("makes a stamped cache refuse an unlisted file that is not the published one, and the download removes it", async () => {
    await load();
    // An uncompressed copy is read before the .gz file, and the stamp does not list it.
    const raw = labelsName.replace(/\.gz$/, "");
    await writeFile(join(cache, raw), gunzipSync(altered));
    const again = await load();
    expect(again.kind).toBe("download");
    expect(existsSync(join(cache, raw))).toBe(false);
    expect(await load()).toMatchObject({ kind: "cache" });
  });

  it("is not checked with verify: false", async () => {
    await load();
    await writeFile(join(cache, labelsName), altered);
    const result = await load({ verify: false, download: false });
    expect(result.kind).toBe("cache");
    expect(result.train.y[0]).toBe(9);
  });
});
