#!/usr/bin/env node
import { run } from "./run.js";

// The first Ctrl-C asks the command to stop (training ends after the current batch and exits 130); a second
// one quits at once.
const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

// A reader that leaves early (`wasm-softmax train | head -1`) closes the pipe: end at once and quietly, status 0,
// as Unix tools do on SIGPIPE (which Node ignores, reporting EPIPE on the stream instead).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    // Any other failure of the output streams: nothing can be printed reliably; say it in the status.
    process.exit(1);
  });
}

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  // Progress bars go to stderr, so stderr decides: `wasm-softmax train > out.txt` still shows them.
  isTTY: Boolean(process.stderr.isTTY),
  // Pictures go to stdout: its own TTY decides their colour.
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  columns: () => process.stderr.columns,
  env: process.env,
  signal: interrupt.signal,
});
