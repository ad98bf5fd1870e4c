#!/usr/bin/env node
// What the opt-in relaxed-SIMD build gains: whole Fashion-MNIST epochs (softmax regression 784→10 and the MLP
// 784-256-10, batch 256, SGD lr 0.1) with `build: "relaxed-simd"` against the default build, on 1 and on N kernel
// threads, in turns (default epoch, relaxed epoch, …) so a slower spell of the machine falls on both.
//
// Relaxed SIMD needs Node ≥ 22 (or Deno, Chromium): under Node 20 this script runs itself again with the Node 24
// (else 22) binary the runtime matrix installs (tests/runtimes/node-lines), and says so.
//
// Check before timing: from the same initial weights, one relaxed epoch must give the default build's loss within
// 1e-3 and its trained parameters within 1e-4 of their largest magnitude (it rounds once per multiply-add where the
// default rounds twice). A failed check exits 1 and times nothing.
//
//   npm run bench:relaxed                  build, then 5 timed epochs per build, model and thread count
//   node bench/relaxed.js [--epochs N] [--json FILE]
//
// Exit codes: 0 done, 1 a check failed, 2 usage or setup error. Markdown to stdout, progress to stderr.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRuntime, Trainer, SGD } from "../dist/internal.js";
import { MODELS, LOSS_TOLERANCE, PARAM_TOLERANCE, loadData, median } from "./epochs.js";
import { assertClose, maxAbs } from "./check.js";
import { cpuTimes, percent, stolenShare } from "./steal.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
const BATCH = 256, LR = 0.1;
const THREADS = Math.min(8, availableParallelism());
const USAGE = "usage: node bench/relaxed.js [--epochs N] [--json FILE]";
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

/** A Node binary with relaxed SIMD, from the runtime matrix's install, or undefined. */
function newerNode() {
  for (const line of ["node24", "node22"]) {
    const path = join(ROOT, "node_modules", line, "bin", "node");
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** One trainer per (build, model, threads), each on its own runtime, from the same initial weights. */
async function trainerFor(build, model, threads) {
  const runtime = await createRuntime({ backend: "wasm-simd", build, threads });
  await runtime.ready;
  const net = MODELS[model].make();
  return { runtime, net, trainer: new Trainer(net, { optimizer: new SGD({ lr: LR }), batchSize: BATCH, runtime }) };
}

async function main() {
  let args;
  try {
    ({ values: args } = parseArgs({ options: { epochs: { type: "string" }, json: { type: "string" } } }));
  } catch (error) {
    log(`${error.message}\n${USAGE}`);
    return 2;
  }
  const epochs = Number(args.epochs ?? 5);
  if (!Number.isSafeInteger(epochs) || epochs < 1) { log(`--epochs: expected an integer ≥ 1\n${USAGE}`); return 2; }

  const probe = await createRuntime({ backend: "wasm-simd", build: "auto", threads: 1 });
  const relaxedHere = probe.build === "relaxed-simd", reason = probe.buildReason;
  probe.close();
  if (!relaxedHere) {
    const node = newerNode();
    if (node === undefined || process.env.WASM_SOFTMAX_RELAXED_REEXEC) {
      log(`Node ${process.version} has no relaxed SIMD (${reason}). Run this script with Node ≥ 22, or run \`npm ci\`, ` +
        "which installs the runtime matrix's Node 22 and 24 binaries (tests/runtimes/node-lines).");
      return 2;
    }
    log(`Node ${process.version} has no relaxed SIMD; running again with ${node}.`);
    const run = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: "inherit", env: { ...process.env, WASM_SOFTMAX_RELAXED_REEXEC: "1" },
    });
    return run.status ?? 2;
  }

  const { train } = await loadData();
  const results = [];
  for (const model of ["softmax", "mlp"]) {
    for (const threads of THREADS > 1 ? [1, THREADS] : [1]) {
      const runs = { default: await trainerFor("default", model, threads), relaxed: await trainerFor("relaxed-simd", model, threads) };
      // The check: one epoch each from the same weights.
      const first = {};
      for (const [build, r] of Object.entries(runs)) first[build] = await r.trainer.trainEpoch(train, { epoch: 1, seed: 0 });
      const scale = maxAbs(runs.default.net.getParameters());
      try {
        assertClose(`${model} relaxed loss`, [first.relaxed.loss], [first.default.loss], { atol: LOSS_TOLERANCE, rtol: 0 });
        assertClose(`${model} relaxed parameters`, runs.relaxed.net.getParameters(), runs.default.net.getParameters(), { atol: PARAM_TOLERANCE * scale, rtol: 0 });
      } catch (error) {
        log(`check failed: ${error.message}`);
        return 1;
      }
      const ms = { default: [], relaxed: [] };
      const before = cpuTimes();
      for (let e = 2; e < 2 + epochs; e++) {
        for (const [build, r] of Object.entries(runs)) {
          const t0 = performance.now();
          await r.trainer.trainEpoch(train, { epoch: e, seed: 0 });
          ms[build].push(performance.now() - t0);
        }
      }
      const stolen = stolenShare(before, cpuTimes());
      for (const r of Object.values(runs)) { r.trainer.close(); r.runtime.close(); }
      const row = {
        model, threads, defaultMs: median(ms.default), relaxedMs: median(ms.relaxed),
        speedup: median(ms.default) / median(ms.relaxed), lossDiff: Math.abs(first.relaxed.loss - first.default.loss), stolen,
      };
      results.push(row);
      log(`${MODELS[model].label}, ${threads} thread(s): default ${row.defaultMs.toFixed(1)} ms, relaxed ${row.relaxedMs.toFixed(1)} ms`);
    }
  }
  const out = {
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model?.trim() ?? "unknown", cores: cpus().length, epochs, rows: results,
  };
  process.stdout.write(report(out));
  const jsonPath = resolve(args.json ?? join(HERE, "results", "relaxed.json"));
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(out, null, 2)}\n`);
  log(`Wrote ${jsonPath}`);
  return 0;
}

function report(r) {
  const lines = [
    `## Relaxed SIMD against the default build (${r.date}, Node ${r.node}, ${r.cpu}, ${r.cores} cores)`, "",
    `Median of ${r.epochs} \`trainer.trainEpoch\` calls each, in turns, after a checked first epoch; batch ${BATCH}, SGD lr ${LR}.`, "",
    "| model | threads | default build ms | relaxed-simd ms | relaxed is | first-epoch loss difference | host steal |",
    "|---|--:|--:|--:|--:|--:|--:|",
  ];
  for (const row of r.rows) {
    lines.push(`| ${MODELS[row.model].label} | ${row.threads} | ${row.defaultMs.toFixed(1)} | ${row.relaxedMs.toFixed(1)} | ` +
      `${row.speedup.toFixed(2)}× as fast | ${row.lossDiff.toExponential(1)} | ${percent(row.stolen)} |`);
  }
  return `${lines.join("\n")}\n`;
}

process.exitCode = await main();
