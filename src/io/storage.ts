// Bytes kept where browsers let apps keep them, addressed by location: "indexeddb://name" (the object store
// "models" of the database "wasm-softmax") and "opfs://name" (the file "name" in the directory "wasm-softmax" of
// the origin private file system). Both work in pages and in Web Workers. A write replaces the old bytes whole or
// not at all: IndexedDB in one transaction, OPFS through a writable stream, which the browser writes to a swap file
// and moves into place on close. Whatever the browser refuses becomes a StorageError with what to do about it.
import { FormatError, OptionError, StorageError, describe } from "../errors.js";

/** The location schemes, as written before "://". */
export const SCHEMES = ["indexeddb", "opfs"] as const;
type Scheme = (typeof SCHEMES)[number];
type Action = StorageError["action"];

/** A parsed location; `name` is "" for a prefix that lists a whole store. */
export interface Location {
  scheme: Scheme;
  name: string;
  href: string;
}

// Plain literals, so that an app's bundler drops them with the rest of this module when the app keeps no model.
const NAME_MAX = 200;
const NAME_RULE = 'a name of 1 to 200 characters without "/", "\\" or control characters, not "." or ".."';
const LOCATION_RULE = 'a location "indexeddb://<name>" or "opfs://<name>"';
const FILE_HINT = 'Files are for Node, Deno and Bun: pass a path such as "models/fashion.wsmx" (not a file: URL) to ' +
  'saveModel, loadModel, listModels and removeModel from "wasm-softmax/node".';
// A scheme of two letters or more, so that a Windows drive ("C:/models") reads as a path.
const URL_FORM = /^([a-z][a-z0-9+.-]+):\/\/(.*)$/is;

/** Whether `where` is written as a location ("scheme://…") rather than as a file path. */
export const isLocation = (where: unknown): boolean => typeof where === "string" && URL_FORM.test(where);

/** `where` as a location; with `prefix`, the name may be empty or partial (listModels). */
export function parseLocation(option: string, where: unknown, prefix = false): Location {
  if (typeof where !== "string") throw new OptionError(option, LOCATION_RULE, where);
  const match = URL_FORM.exec(where);
  if (!match) throw new OptionError(option, LOCATION_RULE, where, FILE_HINT);
  const scheme = match[1]!.toLowerCase(), name = match[2]!;
  if (!(SCHEMES as readonly string[]).includes(scheme)) {
    throw new OptionError(option, `a location whose scheme is one of ${SCHEMES.map((s) => `${s}://`).join(", ")}`, where,
      scheme === "file" ? FILE_HINT : undefined);
  }
  const nameOk = name.length <= NAME_MAX && !/[/\\\u0000-\u001f\u007f]/.test(name) && (prefix || (name !== "" && name !== "." && name !== ".."));
  if (!nameOk) throw new OptionError(`${option} name`, NAME_RULE, name);
  return { scheme: scheme as Scheme, name, href: `${scheme}://${name}` };
}

// Replaces what was at `where` only once all of `bytes` is written: a failed write leaves the old bytes.
export async function writeBytes(where: string, bytes: Uint8Array): Promise<void> {
  const location = parseLocation("location", where);
  await attempt("save", location, () => STORES[location.scheme].write(location.name, bytes), bytes.length);
}

export async function readBytes(where: string): Promise<Uint8Array> {
  const location = parseLocation("location", where);
  const bytes = await attempt("load", location, () => STORES[location.scheme].read(location.name));
  if (bytes === undefined) {
    throw new StorageError("load", location.href, "not-found", "a saved model", "nothing under that name",
      `listModels("${location.scheme}://") lists the models kept there.`);
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new FormatError(location.href, "the bytes of a saved model", describe(bytes), "Another program wrote this entry; remove it with removeModel().");
  }
  return bytes;
}

// The locations in the store `prefix` names whose names start with its name part, sorted.
export async function listLocations(prefix: string): Promise<string[]> {
  const location = parseLocation("prefix", prefix, true);
  const names = await attempt("list", location, () => STORES[location.scheme].list());
  return names.filter((name) => name.startsWith(location.name)).sort().map((name) => `${location.scheme}://${name}`);
}

// True when there were bytes to remove.
export async function removeBytes(where: string): Promise<boolean> {
  const location = parseLocation("location", where);
  return attempt("remove", location, () => STORES[location.scheme].remove(location.name));
}

/** One scheme's store; `read` gives undefined for a name it does not hold. */
interface Store {
  write(name: string, bytes: Uint8Array): Promise<void>;
  read(name: string): Promise<unknown>;
  list(): Promise<string[]>;
  remove(name: string): Promise<boolean>;
}

class Missing extends Error {
  constructor(readonly api: string, readonly hint: string) {
    super(api);
  }
}

async function attempt<T>(action: Action, location: Location, run: () => Promise<T>, bytes?: number): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw storageError(error, action, location, bytes);
  }
}

const PLACE: Record<Scheme, string> = { indexeddb: "IndexedDB", opfs: "the origin private file system (OPFS)" };

const REFUSALS: Record<"quota" | "denied" | "failed", { expected: (place: string, action: Action, bytes?: number) => string; hint: string }> = {
  quota: {
    expected: (_, __, bytes) => `room for ${bytes === undefined ? "the model" : `${bytes} bytes`} in this site's storage quota`,
    hint: "Nothing was replaced: a model saved before under this name is unchanged. Free space with removeModel() " +
      "(listModels() shows what is kept), or ask the browser to keep more with navigator.storage.persist().",
  },
  denied: {
    expected: (place) => `${place}, which this page or worker may use`,
    hint: "The browser refuses storage here (a sandboxed frame or opaque origin, a private window, or site data " +
      "blocked in its settings): keep the bytes of encodeModel(model) in memory, or ask the user to allow storage for this site.",
  },
  failed: {
    expected: (place, action) => `${place} to ${action} it`,
    hint: "Try again; if it keeps failing, the browser's storage for this site may be damaged: clearing the site's data resets it.",
  },
};

/** The StorageError for what a store threw: a missing API, or the browser's DOMException; other errors pass through. */
export function storageError(error: unknown, action: Action, location: Location, bytes?: number): unknown {
  const place = PLACE[location.scheme];
  if (error instanceof Missing) return new StorageError(action, location.href, "unavailable", `${place} (${error.api})`, "none in this runtime", error.hint);
  if (typeof DOMException === "undefined" || !(error instanceof DOMException)) return error;
  const reason = error.name === "QuotaExceededError" ? "quota" : error.name === "SecurityError" || error.name === "NotAllowedError" ? "denied" : "failed";
  const actual = error.message ? `${error.name} (${error.message})` : error.name;
  return new StorageError(action, location.href, reason, REFUSALS[reason].expected(place, action, bytes), actual, REFUSALS[reason].hint, error);
}

// ---------------------------------------------------------------------------------------------------------------
// IndexedDB: one database, one object store keyed by name, bytes as values.

const DATABASE = "wasm-softmax", OBJECT_STORE = "models";

function database(): Promise<IDBDatabase> {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) {
    throw new Missing("indexedDB", 'IndexedDB exists in browsers, in pages and Web Workers; in Node, Deno or Bun save files with saveModel from "wasm-softmax/node".');
  }
  return new Promise((resolve, reject) => {
    const open = factory.open(DATABASE, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(OBJECT_STORE);
    open.onsuccess = () => {
      // Let a later version of the package upgrade the database from another tab.
      open.result.onversionchange = () => open.result.close();
      resolve(open.result);
    };
    open.onerror = () => reject(open.error);
  });
}

/** Runs `use` in one transaction; its result is read once the transaction has committed (durably, for writes). */
async function transaction<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => () => T): Promise<T> {
  const db = await database();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(OBJECT_STORE, mode, { durability: "strict" });
      const result = use(tx.objectStore(OBJECT_STORE));
      tx.oncomplete = () => resolve(result());
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const indexedDBStore: Store = {
  // A view of part of a buffer would store the whole buffer: store exactly the bytes.
  write: (name, bytes) => transaction("readwrite", (store) => {
    store.put(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice(), name);
    return () => undefined;
  }),
  read: (name) => transaction("readonly", (store) => {
    const request = store.get(name);
    return () => request.result as unknown;
  }),
  list: () => transaction("readonly", (store) => {
    const request = store.getAllKeys();
    return () => request.result.filter((key): key is string => typeof key === "string");
  }),
  remove: (name) => transaction("readwrite", (store) => {
    const count = store.count(name);
    store.delete(name);
    return () => count.result > 0;
  }),
};

// ---------------------------------------------------------------------------------------------------------------
// OPFS: one directory, one file per name.

const DIRECTORY = "wasm-softmax";
// Chromium's writable streams write to "<name>.crswap" beside the file until they close.
const SWAP = ".crswap";

interface Entries {
  entries(): AsyncIterable<[string, FileSystemHandle]>;
}

async function directory(create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  const storage = (globalThis as { navigator?: { storage?: Partial<StorageManager> } }).navigator?.storage;
  if (typeof storage?.getDirectory !== "function") {
    throw new Missing("navigator.storage.getDirectory", "OPFS needs a browser from 2023 on and a secure context (https: or localhost); " +
      '"indexeddb://" works wherever IndexedDB does.');
  }
  const root = await storage.getDirectory();
  return root.getDirectoryHandle(DIRECTORY, { create }).catch((error: unknown) => {
    if (!create && isNotFound(error)) return undefined;
    throw error;
  });
}

const isNotFound = (error: unknown) => (error as { name?: unknown } | null)?.name === "NotFoundError";

async function fileHandle(dir: FileSystemDirectoryHandle, name: string): Promise<FileSystemFileHandle | undefined> {
  return dir.getFileHandle(name).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
}

const opfsStore: Store = {
  async write(name, bytes) {
    if (typeof (globalThis as { FileSystemFileHandle?: { prototype: Partial<FileSystemFileHandle> } }).FileSystemFileHandle?.prototype.createWritable !== "function") {
      throw new Missing("FileSystemFileHandle.createWritable", 'This browser writes OPFS files only through a Web Worker\'s sync access handles; save with "indexeddb://" instead.');
    }
    const dir = (await directory(true))!;
    const existed = (await fileHandle(dir, name)) !== undefined;
    const handle = await dir.getFileHandle(name, { create: true });
    let writable: FileSystemWritableFileStream | undefined;
    try {
      writable = await handle.createWritable();
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      await writable.close();
    } catch (error) {
      await writable?.abort().catch(() => {});
      // getFileHandle({ create: true }) made an empty file: a failed first save leaves nothing behind.
      if (!existed) await dir.removeEntry(name).catch(() => {});
      throw error;
    }
  },
  async read(name) {
    const dir = await directory(false);
    const handle = dir && (await fileHandle(dir, name));
    return handle && new Uint8Array(await (await handle.getFile()).arrayBuffer());
  },
  async list() {
    const dir = await directory(false);
    const names: string[] = [];
    if (dir) for await (const [name, handle] of (dir as unknown as Entries).entries()) if (handle.kind === "file" && !name.endsWith(SWAP)) names.push(name);
    return names;
  },
  async remove(name) {
    const dir = await directory(false);
    if (!dir) return false;
    return dir.removeEntry(name).then(() => true, (error: unknown) => {
      if (isNotFound(error)) return false;
      throw error;
    });
  },
};

const STORES: Record<Scheme, Store> = { indexeddb: indexedDBStore, opfs: opfsStore };
