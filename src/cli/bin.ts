#!/usr/bin/env node
import { run } from "./run.js";

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  // Progress bars go to stderr, so stderr decides: `wasm-softmax train > out.txt` still shows them.
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
});
