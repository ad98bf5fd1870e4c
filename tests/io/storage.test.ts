// Model storage by location, where no browser is needed: the location's rules, Node (which has neither IndexedDB
// nor OPFS) as the runtime where the API is missing, and how the browser's DOMExceptions become StorageErrors.
// tests/web/storage.test.ts runs the stores themselves in Chromium.
import { describe, expect, it } from "vitest";
import { SoftmaxRegression } from "../../src/model/models.js";
import { listModels, loadModel, removeModel, saveModel } from "../../src/io/model-storage.js";
import { parseLocation, storageError } from "../../src/io/storage.js";
import { OptionError, StorageError } from "../../src/errors.js";
import { rejection } from "../helpers/errors.js";

const model = new SoftmaxRegression({ inputs: 2, classes: 2, seed: 0 });

describe("a storage location", () => {
  it("names its scheme in any case and keeps the name as written", () => {
    expect(parseLocation("location", "IndexedDB://Fashion v2")).toEqual({ scheme: "indexeddb", name: "Fashion v2", href: "indexeddb://Fashion v2" });
    expect(parseLocation("location", "opfs://mlp.wsmx")).toEqual({ scheme: "opfs", name: "mlp.wsmx", href: "opfs://mlp.wsmx" });
  });

  it("with an unknown scheme is an OptionError listing the known ones", async () => {
    const error = await rejection(saveModel(model, "s3://bucket/model"));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe('Invalid location: expected a location whose scheme is one of indexeddb://, opfs://, got "s3://bucket/model".');
  });

  it("that is a file path or file: URL points to the Node entry", async () => {
    for (const where of ["models/fashion.wsmx", "file:///tmp/fashion.wsmx"]) {
      const error = await rejection(loadModel(where));
      expect(error, where).toBeInstanceOf(OptionError);
      expect(error.message, where).toContain('pass a path such as "models/fashion.wsmx" (not a file: URL) to saveModel, loadModel, listModels and removeModel from "wasm-softmax/node"');
    }
  });

  it("refuses names that are empty, hold a slash, a backslash or a control character, or are . or ..", async () => {
    for (const where of ["indexeddb://", "opfs://a/b", "opfs://a\\b", "indexeddb://a\nb", "opfs://.", "opfs://..", `opfs://${"x".repeat(201)}`]) {
      const error = await rejection(removeModel(where));
      expect(error, where).toBeInstanceOf(OptionError);
      expect((error as OptionError).option, where).toBe("location name");
    }
    expect(parseLocation("location", `opfs://${"x".repeat(200)}`).name).toHaveLength(200);
  });

  it("may end at :// as a prefix that lists a whole store", () => {
    expect(parseLocation("prefix", "opfs://", true).name).toBe("");
  });

  it("that is not a string is an OptionError", async () => {
    const error = await rejection(listModels(42 as unknown as string));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toBe('Invalid prefix: expected a location "indexeddb://<name>" or "opfs://<name>", got 42.');
  });
});

describe("storage where the browser API is missing (Node)", () => {
  it("is a StorageError \"unavailable\" for each call, saying where IndexedDB exists and what to use in Node", async () => {
    const calls = [["save", saveModel(model, "indexeddb://m")], ["load", loadModel("indexeddb://m")],
      ["list", listModels("indexeddb://")], ["remove", removeModel("indexeddb://m")]] as const;
    for (const [action, call] of calls) {
      const error = await rejection(call);
      expect(error, action).toBeInstanceOf(StorageError);
      expect(error, action).toMatchObject({ action, reason: "unavailable" });
      expect(error.message, action).toContain("expected IndexedDB (indexedDB), got none in this runtime.");
      expect(error.message, action).toContain('in Node, Deno or Bun save files with saveModel from "wasm-softmax/node"');
    }
  });

  it("says OPFS needs a secure context, and that indexeddb:// is the other choice", async () => {
    const error = await rejection(listModels("opfs://"));
    expect(error).toMatchObject({ name: "StorageError", action: "list", location: "opfs://", reason: "unavailable" });
    expect(error.message).toBe("Cannot list opfs://: expected the origin private file system (OPFS) (navigator.storage.getDirectory), " +
      'got none in this runtime. OPFS needs a browser from 2023 on and a secure context (https: or localhost); "indexeddb://" works wherever IndexedDB does.');
  });

  it("checks loadModel's options before looking for the store", async () => {
    const error = await rejection(loadModel("indexeddb://m", { allowNonFinit: true } as never));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toContain('Known options: allowNonFinite.');
  });
});

describe("the browser's storage errors", () => {
  const at = parseLocation("location", "indexeddb://fashion");

  it("make a full quota a StorageError \"quota\" that says the previous model is unchanged", () => {
    const cause = new DOMException("The operation failed because it would cause the application to exceed its storage quota.", "QuotaExceededError");
    const error = storageError(cause, "save", at, 31_442) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ action: "save", location: "indexeddb://fashion", reason: "quota", cause });
    expect(error.message).toMatch(/^Cannot save indexeddb:\/\/fashion: expected room for 31442 bytes in this site's storage quota, got QuotaExceededError \(The operation failed/);
    expect(error.hint).toContain("a model saved before under this name is unchanged");
  });

  it("make SecurityError and NotAllowedError (private windows, opaque origins, blocked site data) a StorageError \"denied\"", () => {
    for (const name of ["SecurityError", "NotAllowedError"]) {
      const error = storageError(new DOMException("", name), "load", at) as StorageError;
      expect(error, name).toMatchObject({ reason: "denied", action: "load" });
      expect(error.message, name).toContain(`expected IndexedDB, which this page or worker may use, got ${name}.`);
    }
  });

  it("make any other DOMException a StorageError \"failed\" that quotes the browser", () => {
    const error = storageError(new DOMException("Internal error opening backing store.", "UnknownError"), "list", at) as StorageError;
    expect(error).toMatchObject({ reason: "failed", action: "list" });
    expect(error.message).toContain("expected IndexedDB to list it, got UnknownError (Internal error opening backing store.).");
  });

  it("let errors that are not the browser's pass through unchanged", () => {
    const bug = new TypeError("x is not a function");
    expect(storageError(bug, "save", at)).toBe(bug);
  });
});
