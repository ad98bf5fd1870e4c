// Every option check of both Fashion-MNIST loaders: the message names the option, the rule and the value, and a
// hint says what to do. No check here touches the network or the disk: each fails before any source is tried.
import { afterEach, describe, expect, it, vi } from "vitest";
import { OptionError } from "../../../src/errors.js";
import { FASHION_MNIST_SHA256, type FashionMNISTFiles } from "../../../src/data/fashion-mnist/constants.js";
import { fetchFashionMNISTFiles } from "../../../src/data/fashion-mnist/download.js";
import { loadFashionMNIST } from "../../../src/data/fashion-mnist/load.js";
import { loadFashionMNIST as loadNode } from "../../../src/data/fashion-mnist/node/load.js";
import { makeFashionFiles } from "../../helpers/idx.js";
import { rejection } from "../../helpers/errors.js";

async function optionRejection(promise: Promise<unknown>): Promise<OptionError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(OptionError);
  return error as OptionError;
}

const files = makeFashionFiles();
// A URL that is never fetched: every case below fails in the option checks first.
const url = "http://127.0.0.1:9/never/";

describe("the browser loadFashionMNIST's option keys", () => {
  it("refuses an unknown key and names the nearest known one", async () => {
    const error = await optionRejection(loadFashionMNIST({ file: files } as never));
    expect(error.message).toBe('Unknown loadFashionMNIST option "file". Did you mean "files"?');
    expect(error.option).toBe("file");
  });

  it("refuses an unknown key close to no known one by listing the known ones", async () => {
    const error = await optionRejection(loadFashionMNIST({ files, colour: "red" } as never));
    expect(error.message).toBe('Unknown loadFashionMNIST option "colour". Known options: url, files, fetch, verify, ' +
      "checksums, onProgress, classNames, signal, maxBytes, timeoutMs, stallTimeoutMs.");
  });

  it.each(["dir", "cacheDir", "download", "env", "systemDir", "mirror"])(
    "says that the Node-only option %s needs the Node entry", async (key) => {
      const error = await optionRejection(loadFashionMNIST({ files, [key]: "x" } as never));
      expect(error.message).toBe(`Unknown loadFashionMNIST option "${key}". \`${key}\` works only in Node: import ` +
        'loadFashionMNIST from "wasm-softmax/node"; elsewhere pass `url` or `files`.');
    });

  it("names the Node-only option a misspelt key is closest to, with the way to the Node entry", async () => {
    const error = await optionRejection(loadFashionMNIST({ files, cachedir: "/tmp" } as never));
    expect(error.message).toContain('Unknown loadFashionMNIST option "cachedir". Did you mean "cacheDir"? ' +
      "`cacheDir` works only in Node");
  });

  it.each([["null", null], ["an array", []], ["a string", "url"]])("refuses options that are %s", async (_what, value) => {
    const error = await optionRejection(loadFashionMNIST(value as never));
    expect(error.message).toMatch(/^Invalid loadFashionMNIST options: expected an object, got /);
  });
});

describe("the browser loadFashionMNIST's sources", () => {
  it("requires url or files, and points to the Node loader and the Debian package when neither is given", async () => {
    const error = await optionRejection(loadFashionMNIST());
    expect(error.message).toMatch(/^Invalid options: expected exactly one of `url` or `files`, got "neither"\. Pass `url`/);
    expect(error.message).toContain("`dir`");
    expect(error.message).toContain("apt-get install dataset-fashion-mnist");
  });

  it("refuses url and files together", async () => {
    const error = await optionRejection(loadFashionMNIST({ url, files }));
    expect(error.message).toBe('Invalid options: expected exactly one of `url` or `files`, got "both". Pass one of them.');
  });

  it.each([["an empty string", ""], ["blanks", "  "], ["a number", 7]])("refuses a url that is %s", async (_what, value) => {
    const error = await optionRejection(loadFashionMNIST({ url: value as never }));
    expect(error.option).toBe("url");
    expect(error.message).toContain("expected a non-empty string or URL");
    expect(error.message).toContain("train-images-idx3-ubyte.gz");
  });

  it("refuses files that are not an object", async () => {
    const error = await optionRejection(loadFashionMNIST({ files: "bytes" as never }));
    expect(error.message).toBe('Invalid files: expected an object with trainImages, trainLabels, testImages and ' +
      'testLabels, got "bytes".');
  });

  it("names the file that is missing or not a Uint8Array, and says how to get its bytes", async () => {
    const partial = { ...files, testLabels: undefined } as unknown as FashionMNISTFiles;
    const error = await optionRejection(loadFashionMNIST({ files: partial }));
    expect(error.message).toBe("Invalid files.testLabels: expected a Uint8Array with the bytes of " +
      "t10k-labels-idx1-ubyte.gz, got undefined. Pass each file's bytes, gzipped or not " +
      "(for example new Uint8Array(await response.arrayBuffer())).");
    const wrongType = { ...files, trainImages: [1, 2, 3] } as unknown as FashionMNISTFiles;
    expect((await optionRejection(loadFashionMNIST({ files: wrongType }))).option).toBe("files.trainImages");
  });
});

describe("the download options both loaders take", () => {
  const loaders = [["browser", loadFashionMNIST], ["Node", loadNode]] as const;

  it.each(loaders)("in the %s loader, refuse a fetch that is not a function", async (_name, load) => {
    const error = await optionRejection(load({ url, fetch: "curl" as never }));
    expect(error.message).toBe('Invalid fetch: expected a function, got "curl".');
  });

  it.each(loaders)("in the %s loader, refuse a signal that is not an AbortSignal", async (_name, load) => {
    const error = await optionRejection(load({ url, signal: { aborted: "no" } as never }));
    expect(error.message).toBe("Invalid signal: expected an AbortSignal, got Object.");
  });

  it.each(loaders)("in the %s loader, refuse a verify that is not a boolean", async (_name, load) => {
    const error = await optionRejection(load({ url, verify: "no" as never }));
    expect(error.message).toBe('Invalid verify: expected true or false, got "no".');
  });

  it.each(loaders)("in the %s loader, refuse an onProgress that is not a function", async (_name, load) => {
    const error = await optionRejection(load({ url, onProgress: 1 as never }));
    expect(error.message).toBe("Invalid onProgress: expected a function, got 1.");
  });

  it.each(loaders)("in the %s loader, refuse class names that are not ten strings, before loading anything", async (_name, load) => {
    const fetchSpy = vi.fn<typeof fetch>();
    const short = await optionRejection(load({ url, fetch: fetchSpy, classNames: ["a", "b"] }));
    expect(short.message).toBe("Invalid classNames: expected an array of 10 strings, got array(2). " +
      "Pass one name per label, in label order (for example MNIST_CLASSES).");
    const numbers = Array.from({ length: 10 }, (_, i) => i) as unknown as string[];
    expect((await optionRejection(load({ url, fetch: fetchSpy, classNames: numbers }))).option).toBe("classNames");
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it.each(loaders)("in the %s loader, refuse a checksum table that is not an object", async (_name, load) => {
    const error = await optionRejection(load({ url, checksums: null as never }));
    expect(error.message).toBe("Invalid checksums: expected a table like FASHION_MNIST_SHA256, got null. " +
      "Start from FASHION_MNIST_SHA256 and replace the entries you need.");
  });

  it.each(loaders)("in the %s loader, name the checksum entry that is not two SHA-256 strings", async (_name, load) => {
    const badTable = { ...FASHION_MNIST_SHA256, testLabels: { gz: "abc", raw: "def" } };
    const error = await optionRejection(load({ url, checksums: badTable }));
    expect(error.message).toBe("Invalid checksums.testLabels: expected { gz, raw } with two 64-digit hex SHA-256 " +
      "strings, got Object. Start from FASHION_MNIST_SHA256 and replace the entries you need.");
    const missing = { ...FASHION_MNIST_SHA256, trainImages: undefined } as never;
    expect((await optionRejection(load({ url, checksums: missing }))).option).toBe("checksums.trainImages");
  });
});

describe("the limits both loaders take", () => {
  const loaders = [["browser", loadFashionMNIST], ["Node", loadNode]] as const;

  it.each(loaders)("in the %s loader, refuse a maxBytes that is not a whole number of bytes in [1, 2^32]", async (_name, load) => {
    for (const maxBytes of [0, 1.5, 2 ** 32 + 1, "1 GiB", Number.POSITIVE_INFINITY]) {
      const error = await optionRejection(load({ url, maxBytes: maxBytes as number }));
      expect(error.message).toMatch(/^Invalid maxBytes: expected a whole number of bytes in \[1, 2\^32\], got .*\. It caps each file/);
    }
  });

  it.each(["timeoutMs", "stallTimeoutMs"] as const)("refuse a %s that is not a number of milliseconds above 0", async (key) => {
    for (const value of [0, -1, Number.NaN, "30s"]) {
      for (const load of [loadFashionMNIST, loadNode]) {
        const error = await optionRejection(load({ url, [key]: value as number }));
        expect(error.message).toMatch(new RegExp(`^Invalid ${key}: expected a number of milliseconds > 0 \\(Infinity for none\\), got `));
      }
    }
  });
});

describe("fetchFashionMNISTFiles", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("refuses a base that is not a URL or a non-empty string", async () => {
    const error = await optionRejection(fetchFashionMNISTFiles("" as never));
    expect(error.option).toBe("base");
  });

  it("checks the download options it is given", async () => {
    const error = await optionRejection(fetchFashionMNISTFiles(url, { verify: 0 as never }));
    expect(error.option).toBe("verify");
  });

  it("asks for a fetch when the runtime has no global one", async () => {
    vi.stubGlobal("fetch", undefined);
    const error = await optionRejection(loadFashionMNIST({ url }));
    expect(error.message).toBe("Invalid fetch: expected a function, got undefined. " +
      "This runtime has no global fetch: pass `fetch`.");
  });
});

describe("the Node loadFashionMNIST's options", () => {
  it("refuses an unknown key and names the nearest known one", async () => {
    const error = await optionRejection(loadNode({ dirr: "/data" } as never));
    expect(error.message).toBe('Unknown loadFashionMNIST option "dirr". Did you mean "dir"?');
    const prefix = await optionRejection(loadNode({ cache: "/tmp" } as never));
    expect(prefix.message).toBe('Unknown loadFashionMNIST option "cache". Did you mean "cacheDir"?');
  });

  it("refuses an unknown key close to no known one by listing the known ones", async () => {
    const error = await optionRejection(loadNode({ directory: "/data" } as never));
    expect(error.message).toBe('Unknown loadFashionMNIST option "directory". Known options: dir, url, files, ' +
      "cacheDir, download, env, systemDir, mirror, fetch, verify, checksums, onProgress, classNames, signal, maxBytes, " +
      "timeoutMs, stallTimeoutMs.");
  });

  it("refuses options that are not an object", async () => {
    const error = await optionRejection(loadNode(null as never));
    expect(error.message).toBe("Invalid loadFashionMNIST options: expected an object, got null.");
  });

  it.each(["dir", "cacheDir", "systemDir"] as const)("refuses a %s that is empty or not a string", async (key) => {
    expect((await optionRejection(loadNode({ [key]: "" }))).message)
      .toBe(`Invalid ${key}: expected a non-empty directory path, got "".`);
    expect((await optionRejection(loadNode({ [key]: 3 as never }))).option).toBe(key);
  });

  it("refuses a download that is not a boolean", async () => {
    const error = await optionRejection(loadNode({ download: "no" as never }));
    expect(error.message).toBe('Invalid download: expected true or false, got "no".');
  });

  it.each([["null", null], ["a string", "HOME=/h"]])("refuses an env that is %s", async (_what, env) => {
    const error = await optionRejection(loadNode({ env: env as never }));
    expect(error.message).toMatch(/^Invalid env: expected an object of environment variables, got /);
  });

  it("refuses a mirror that is not a URL or a non-empty string", async () => {
    const error = await optionRejection(loadNode({ mirror: "" }));
    expect(error.option).toBe("mirror");
    expect(error.message).toContain("expected a non-empty string or URL");
  });

  it("refuses more than one of dir, url and files", async () => {
    const both = await optionRejection(loadNode({ dir: "/data", files }));
    expect(both.message).toBe('Invalid options: expected at most one of `dir`, `url` or `files`, got "dir and files". ' +
      "Pass one source; leave all three out to search $FASHION_MNIST_DIR, the cache and the system directory.");
    const all = await optionRejection(loadNode({ dir: "/data", url, files }));
    expect(all.message).toContain('got "dir and url and files"');
  });

  it("checks files and url as the browser loader does", async () => {
    expect((await optionRejection(loadNode({ files: { ...files, trainLabels: "x" } as never }))).option)
      .toBe("files.trainLabels");
    expect((await optionRejection(loadNode({ url: "" }))).option).toBe("url");
  });
});
