// The built CLI in a real terminal: tmux panes 40, 50 and 80 columns wide run `train`, and the screen they end
// with is read back (capture-pane). A progress line that wraps cannot be redrawn in place ("\r" returns to the
// start of its last row only), so every redraw would leave a stale row of bar behind; this checks there is none.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLearnableFashionDir } from "../helpers/idx.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(ROOT, "dist", "cli.js");
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
// Skipped without tmux, except under $CI, which installs it (.ci/run) and so must run the test.
const skip = !hasTmux && !process.env.CI;
if (skip) console.warn("tests/cli/tmux.test.ts: skipped, no tmux (apt-get install -y tmux; set CI=1 to make it fail instead).");
// Its own server (-L), so the test neither sees nor touches anybody's tmux sessions.
const socket = `wasm-softmax-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });

let scratch = "", dataDir = "";

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "wasm-softmax-tmux-"));
  dataDir = join(scratch, "fashion");
  // Enough batches (js kernels, batch 32) that the bar is redrawn several times per epoch.
  await writeLearnableFashionDir(dataDir, 6144, 256);
});

afterAll(async () => {
  if (hasTmux) spawnSync("tmux", ["-L", socket, "kill-server"]);
  await rm(scratch, { recursive: true, force: true });
});

/** Runs `train` in a detached pane `columns` wide and returns the whole screen, scrollback included, once it ends. */
async function screen(columns: number): Promise<{ rows: string[]; joined: string[] }> {
  const session = `w${columns}`;
  const command = `node ${JSON.stringify(bin)} train --data ${JSON.stringify(dataDir)} --epochs 2 --batch-size 32 --backend js; ` +
    "echo __END__ $?; sleep 600";
  tmux("new-session", "-d", "-s", session, "-x", String(columns), "-y", "50", "-e", "NO_COLOR=", command);
  const deadline = Date.now() + 90_000;
  let text = "";
  while (Date.now() < deadline) {
    text = tmux("capture-pane", "-p", "-S", "-", "-t", session);
    if (/__END__ \d+/.test(text)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // -J joins rows the terminal wrapped back into the lines that were written.
  const joined = tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session).split("\n");
  tmux("kill-session", "-t", session);
  return { rows: text.split("\n"), joined };
}

describe.skipIf(skip)("train in tmux", () => {
  it.each([40, 50, 80])("leaves no stale or wrapped progress line in a pane %i columns wide", async (columns) => {
    if (!hasTmux) throw new Error("The tmux test cannot run ($CI is set, so it must): no tmux (apt-get install -y tmux).");
    if (!existsSync(bin)) throw new Error("dist/cli.js is missing: run `npm run build:js` first.");
    const { rows, joined } = await screen(columns);
    expect(rows.join("\n")).toMatch(/__END__ 0/);
    // No bar is left on screen: each epoch's bar was replaced by its figures, with no rows of older redraws.
    expect(rows.filter((row) => /[█░]/.test(row))).toEqual([]);
    // Each epoch ended with exactly one line of figures (continued on indented lines where it does not fit).
    for (const epoch of [1, 2]) expect(rows.filter((row) => row.startsWith(`epoch ${epoch}/2`))).toHaveLength(1);
    const at = joined.findIndex((line) => line.startsWith("epoch 1/2"));
    const progress = joined.slice(at, joined.findIndex((line, i) => i > at && /^epoch +train loss/.test(line)));
    expect(progress.join("\n")).toMatch(/train loss \d\.\d{4} acc \d\.\d{4}[\s\S]*test loss \d\.\d{4} acc \d\.\d{4}[\s\S]*\d+ ms/);
    // Written as lines that fit: none of them was wrapped by the terminal.
    for (const line of progress.filter(Boolean)) expect(line.length, line).toBeLessThan(columns);
    if (columns >= 80) expect(progress.filter((line) => line.startsWith("  "))).toEqual([]);
  }, 120_000);
});
