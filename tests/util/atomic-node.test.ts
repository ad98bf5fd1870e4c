// The atomic write: temporary file, fsync, rename, directory fsync; no temporary file left after a failure, and
// the leftovers of killed writers removed on the next write.
import { mkdir, mkdtemp, open, readFile, readdir, utimes, writeFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { STALE_TEMP_MS, removeStaleTemps, writeFileAtomic } from "../../src/util/atomic-node.js";

const fresh = () => mkdtemp(join(tmpdir(), "atomic-"));
// The prototype every FileHandle shares, so its methods can be watched.
const handleProto = async (dir: string) => {
  const handle = await open(join(dir, "probe"), "w");
  await handle.close();
  return Object.getPrototypeOf(handle) as { sync(): Promise<void>; writeFile(data: Uint8Array): Promise<void> };
};
// A pid no process has: one that has just exited.
const deadPid = () => spawnSync(process.execPath, ["-e", "0"]).pid!;

afterEach(() => { vi.restoreAllMocks(); });

describe("writeFileAtomic", () => {
  it("writes the bytes, replacing the file, and leaves no temporary file", async () => {
    const dir = await fresh(), path = join(dir, "sub", "m.wsmx");
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    await writeFileAtomic(path, new Uint8Array([4, 5]));
    expect(Array.from(await readFile(path))).toEqual([4, 5]);
    expect(await readdir(join(dir, "sub"))).toEqual(["m.wsmx"]);
  });

  it("flushes the temporary file to disk before the rename, and then the directory", async () => {
    const dir = await fresh(), proto = await handleProto(dir);
    const order: string[] = [];
    const sync = vi.spyOn(proto, "sync").mockImplementation(async function (this: { fd: number }) {
      order.push((await readdir(dir)).some((n) => n.endsWith(".tmp")) ? "file" : "directory");
    });
    await writeFileAtomic(join(dir, "m.wsmx"), new Uint8Array(8));
    expect(sync).toHaveBeenCalled();
    expect(order[0]).toBe("file");
    // Where the platform can open a directory (not Windows), its entry is flushed after the rename.
    if (process.platform !== "win32") expect(order).toEqual(["file", "directory"]);
  });

  it("removes its temporary file when writing or flushing fails, and rethrows the error", async () => {
    const dir = await fresh(), proto = await handleProto(dir);
    vi.spyOn(proto, "sync").mockRejectedValueOnce(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }));
    await expect(writeFileAtomic(join(dir, "m.wsmx"), new Uint8Array(8))).rejects.toThrow(/EIO/);
    vi.spyOn(proto, "writeFile").mockRejectedValueOnce(Object.assign(new Error("ENOSPC: no space left"), { code: "ENOSPC" }));
    await expect(writeFileAtomic(join(dir, "m.wsmx"), new Uint8Array(8))).rejects.toThrow(/ENOSPC/);
    expect((await readdir(dir)).sort()).toEqual(["probe"]);
  });

  it("removes its temporary file when the rename fails", async () => {
    const dir = await fresh(), path = join(dir, "m.wsmx");
    await mkdir(join(path, "inside"), { recursive: true }); // a non-empty directory cannot be renamed over
    await expect(writeFileAtomic(path, new Uint8Array(8))).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["m.wsmx"]);
  });

  it("removes leftovers of earlier writes to the same file: of dead processes, or older than a minute", async () => {
    const dir = await fresh(), path = join(dir, "m.wsmx");
    const dead = `m.wsmx.${deadPid()}-1700000000000-abc123.tmp`;
    const oldOwn = `m.wsmx.${process.pid}-1700000000001-def456.tmp`;
    const newOwn = `m.wsmx.${process.pid}-1700000000002-ghi789.tmp`; // a write in flight in this process
    const keep = ["m.wsmx.backup.tmp", `other.wsmx.${deadPid()}-1700000000000-abc.tmp`, "m.wsmx.tmp", newOwn, "notes.txt"];
    for (const name of [dead, oldOwn, ...keep]) await writeFile(join(dir, name), "x");
    const old = (Date.now() - STALE_TEMP_MS - 5_000) / 1000;
    await utimes(join(dir, oldOwn), old, old);
    await writeFileAtomic(path, new Uint8Array([7]));
    expect((await readdir(dir)).sort()).toEqual([...keep, "m.wsmx"].sort());
  });

  it("keeps a recent leftover of a live process other than this one", async () => {
    const dir = await fresh(), path = join(dir, "m.wsmx");
    const live = `m.wsmx.${process.ppid}-1700000000000-abc.tmp`;
    await writeFile(join(dir, live), "x");
    await removeStaleTemps(path);
    expect(await readdir(dir)).toEqual([live]);
    await removeStaleTemps(path, Date.now() + STALE_TEMP_MS + 1_000);
    expect(await readdir(dir)).toEqual([]);
  });

  it("cleans up quietly when the directory does not exist yet", async () => {
    await expect(removeStaleTemps(join(await fresh(), "missing", "m.wsmx"))).resolves.toBeUndefined();
  });
});
