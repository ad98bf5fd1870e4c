import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** How old a leftover temporary file of a live process must be before another write removes it. */
export const STALE_TEMP_MS = 60_000;

// `<target>.<pid>-<ms>-<random>.tmp`: the pid and the pattern let a later write recognise its own leftovers.
const tempName = (path: string) => `${path}.${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`;
const TEMP = /^\.(\d+)-\d+-[0-9a-z]+\.tmp$/;

/**
 * Writes `bytes` to a unique temporary file beside `path`, flushes it to disk (fsync) and renames it into place,
 * then flushes the directory where the platform allows; so a reader, a concurrent writer or a crash (even a
 * power loss) never leaves a half-written file at `path`. The temporary file is removed when the write fails, and
 * leftovers of killed writers (our pattern, older than a minute or of a dead process) on the next write.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  await removeStaleTemps(path);
  const temp = tempName(path);
  try {
    const file = await open(temp, "w");
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  await syncDirectory(dir);
}

// The rename is durable once the directory entry is; Windows cannot open a directory for fsync, so it is skipped.
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Not supported here (Windows, some network file systems): the rename still happened.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** @internal Removes temporary files of earlier writes to `path` whose writer died or that were left over a minute. */
export async function removeStaleTemps(path: string, now = Date.now()): Promise<void> {
  const dir = dirname(path), base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.map(async (name) => {
    const match = name.startsWith(base) ? TEMP.exec(name.slice(base.length)) : null;
    if (!match) return;
    const file = join(dir, name);
    try {
      const { mtimeMs } = await stat(file);
      if (now - mtimeMs > STALE_TEMP_MS || !alive(Number(match[1]))) await rm(file, { force: true });
    } catch {
      // Gone already (another writer cleaned up), or not ours to remove: leave it.
    }
  }));
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
