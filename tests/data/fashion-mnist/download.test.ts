// Downloads end, with a typed error naming the URL, when a server stalls, trickles or sends too much; a local
// HTTP server plays each part.
import type { ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DatasetNotFoundError } from "../../../src/errors.js";
import { FASHION_MNIST_FILES } from "../../../src/data/fashion-mnist/constants.js";
import { loadFashionMNIST } from "../../../src/data/fashion-mnist/load.js";
import { loadFashionMNIST as loadNode } from "../../../src/data/fashion-mnist/node/load.js";
import { byName, checksumsOf } from "../../helpers/fashion.js";
import { serve, type Handler, type Server } from "../../helpers/http.js";
import { makeFashionFiles } from "../../helpers/idx.js";
import { rejection } from "../../helpers/errors.js";

const files = makeFashionFiles();
const checksums = checksumsOf(files);
const images = FASHION_MNIST_FILES.trainImages;

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that plays `handler` for the train images and serves the other three files. */
async function serveWith(handler: (res: ServerResponse) => void): Promise<Server> {
  const play: Handler = (name, _req, res) => {
    if (name !== images) return false;
    handler(res);
    return true;
  };
  server = await serve(byName(files), play);
  return server;
}

async function notFound(promise: Promise<unknown>): Promise<DatasetNotFoundError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(DatasetNotFoundError);
  return error as DatasetNotFoundError;
}

/** Writes `chunk` again and again, as fast as the client takes it, until the connection closes. */
function flood(res: ServerResponse, chunk: Uint8Array, sent: { bytes: number; closed: boolean }): void {
  res.on("close", () => { sent.closed = true; });
  const pump = () => {
    while (!sent.closed) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) {
        res.once("drain", pump);
        return;
      }
    }
  };
  pump();
}

describe("a download's stall timeout", () => {
  it("ends a download whose body stops arriving, naming the URL and the option", async () => {
    const { url } = await serveWith((res) => {
      res.writeHead(200, { "content-length": files.trainImages.length });
      res.write(files.trainImages.subarray(0, 10));
    });
    const error = await notFound(loadFashionMNIST({ url, checksums, stallTimeoutMs: 150 }));
    expect(error.tried).toEqual([`${url}${images} (stalled: nothing received for 150 ms)`]);
    expect(error.hint).toMatch(/^Retry, or raise `stallTimeoutMs` on a slow connection\. Check that /);
  });

  it("ends a download whose server never answers", async () => {
    const { url } = await serveWith(() => undefined);
    const error = await notFound(loadFashionMNIST({ url, checksums, stallTimeoutMs: 150 }));
    expect(error.message).toContain(`${url}${images} (stalled: nothing received for 150 ms)`);
  });

  it("ends a download even when the fetch given ignores its signal", async () => {
    const error = await notFound(loadFashionMNIST({
      url: "http://127.0.0.1:9/data/", checksums, stallTimeoutMs: 100, fetch: () => new Promise<Response>(() => {}),
    }));
    expect(error.message).toContain("(stalled: nothing received for 100 ms)");
  });

  it("ends a download whose body stream never yields, even when it ignores cancellation", async () => {
    const silent = () => Promise.resolve(new Response(new ReadableStream({ pull: () => new Promise(() => {}) })));
    const error = await notFound(loadFashionMNIST({ url: "http://127.0.0.1:9/data/", checksums, stallTimeoutMs: 100, fetch: silent }));
    expect(error.message).toContain("(stalled: nothing received for 100 ms)");
  });
});

describe("a download's total timeout", () => {
  it("ends a download that trickles: data keeps coming, too slowly to finish", async () => {
    const { url } = await serveWith((res) => {
      res.writeHead(200, { "content-length": files.trainImages.length });
      let at = 0;
      const timer = setInterval(() => res.write(files.trainImages.subarray(at, ++at)), 20);
      res.on("close", () => clearInterval(timer));
    });
    const started = Date.now();
    const error = await notFound(loadFashionMNIST({ url, checksums, timeoutMs: 400, stallTimeoutMs: 200 }));
    expect(error.tried).toEqual([`${url}${images} (timed out: not complete after 400 ms)`]);
    expect(error.hint).toMatch(/^Raise `timeoutMs` on a slow connection\./);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("sets no timer for Infinity, and loads as usual", async () => {
    const { url } = await serveWith((res) => res.writeHead(200).end(files.trainImages));
    const { train } = await loadFashionMNIST({ url, checksums, timeoutMs: Infinity, stallTimeoutMs: Infinity });
    expect(train.length).toBe(20);
  });
});

describe("a download's size cap", () => {
  it("refuses a Content-Length above maxBytes before reading the body", async () => {
    const sent = { bytes: 0, closed: false };
    const { url } = await serveWith((res) => {
      res.writeHead(200, { "content-length": 10 << 20 });
      flood(res, new Uint8Array(1 << 16), sent);
    });
    const error = await notFound(loadFashionMNIST({ url, checksums, maxBytes: 1 << 20 }));
    expect(error.tried).toEqual([`${url}${images} (Content-Length 10485760 bytes, above the 1 MiB cap (maxBytes))`]);
    expect(error.hint).toMatch(/^Check the URL; if the file is genuine, pass a larger `maxBytes`\./);
  });

  it("stops reading a body without Content-Length once it passes maxBytes, and closes the connection", async () => {
    const sent = { bytes: 0, closed: false };
    const { url } = await serveWith((res) => {
      res.writeHead(200, { "content-type": "application/gzip" });
      flood(res, new Uint8Array(1 << 16), sent);
    });
    const error = await notFound(loadFashionMNIST({ url, checksums, maxBytes: 1 << 18 }));
    expect(error.tried).toEqual([`${url}${images} (more than 262144 bytes, above the 256 KiB cap (maxBytes))`]);
    await expect.poll(() => sent.closed, { timeout: 2000 }).toBe(true);
    expect(sent.bytes).toBeLessThan(64 << 20);
  });
});

describe("a failed download", () => {
  it("cancels the other files' downloads instead of leaving them to run", async () => {
    const closed: string[] = [];
    server = await serve(byName(files), (name, req, res) => {
      if (name === FASHION_MNIST_FILES.testLabels) {
        res.writeHead(404).end();
        return true;
      }
      req.socket.on("close", () => closed.push(name));
      res.writeHead(200, { "content-length": 1000 }); // and nothing more
      return true;
    });
    const error = await notFound(loadFashionMNIST({ url: server.url, checksums }));
    expect(error.message).toContain("HTTP 404");
    await expect.poll(() => closed.length, { timeout: 2000 }).toBe(3);
  });
});

describe("the Node loader's downloads", () => {
  it("keep the limit's hint and add the other sources to it when the mirror stalls", async () => {
    const { url } = await serveWith((res) => res.writeHead(200, { "content-length": 100 }));
    const root = await mkdtemp(join(tmpdir(), "wasm-softmax-stall-"));
    try {
      const error = await notFound(loadNode({
        env: { HOME: root }, cacheDir: join(root, "cache"), systemDir: join(root, "system"), mirror: url, checksums,
        stallTimeoutMs: 150,
      }));
      expect(error.tried).toContain(`download ${url}${images} (stalled: nothing received for 150 ms)`);
      expect(error.hint).toMatch(/^Retry, or raise `stallTimeoutMs` on a slow connection\. Pass loadFashionMNIST\(\{ dir/);
      expect(error.hint).toContain("apt-get install dataset-fashion-mnist");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
