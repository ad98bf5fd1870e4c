// The command table: dispatch, help and version. Each command lives in its own file (train.ts, eval.ts,
// predict.ts); flags and their parsing in args.ts; what the commands share in output.ts.
import { packageJsonUrl } from "../assets.js";
import { readFile } from "node:fs/promises";
import { OptionError } from "../errors.js";
import { HELP_FLAG, PROGRAM, UsageError, helpPointer, parseFlags, suggest } from "./args.js";
import type { Command, Flags } from "./args.js";
import { EXIT_INTERRUPTED, Interrupted, Output, cliMessage, failureText } from "./output.js";
import type { CliIO } from "./output.js";
import { TRAIN } from "./train.js";
import { EVAL } from "./eval.js";
import { PREDICT } from "./predict.js";
import { EXPORT } from "./export.js";

export type { CliIO } from "./output.js";

/**
 * Runs the command line `argv` (without node and the script) and resolves to the exit code: 0 on success,
 * 1 when the command failed (missing data, divergence, a file that cannot be read or written, …; one line on
 * stderr, or for an unexpected error one line asking to report it), 2 for a usage error, 130 when `io.signal`
 * (Ctrl-C) stopped it. `--debug`, anywhere on the command line, adds the stack of an error.
 * @example
 * process.exitCode = await run(process.argv.slice(2), { stdout, stderr, isTTY: true, env: process.env });
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const out = new Output(io);
  const debug = argv.includes(DEBUG_FLAG);
  argv = argv.filter((arg) => arg !== DEBUG_FLAG);
  try {
    return await dispatch(argv, out);
  } catch (error) {
    out.endLine();
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n${error.hint}\n`);
      return 2;
    }
    // An option the library refused came from a flag: a bad command line, not a failed run.
    if (error instanceof OptionError) {
      io.stderr(`error: ${cliMessage(error)}\n${helpPointer(argv[0])}\n`);
      return 2;
    }
    if (error instanceof Interrupted) {
      io.stderr("interrupted\n");
      return EXIT_INTERRUPTED;
    }
    io.stderr(failureText(error, await version().catch(() => "unknown version"), debug));
    return 1;
  }
}

const DEBUG_FLAG = "--debug";

// Dispatch order is help order. `help` is handled before lookup; it is listed for the help text and errors.
const COMMANDS: readonly Command<any>[] = [TRAIN, EVAL, PREDICT, EXPORT];

async function dispatch(argv: string[], out: Output): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    out.io.stderr(usage());
    return 2;
  }
  if (first === "--help" || first === "-h") return printHelp(out, rest[0]);
  if (first === "help") return printHelp(out, rest[0]);
  if (first === "--version" || first === "-V") {
    out.io.stdout(`${await version()}\n`);
    return 0;
  }
  if (first.startsWith("-")) {
    throw new UsageError(`unknown option ${first}${suggest(first.split("=")[0]!, ["--help", "--version"])}. ` +
      `Valid before a command: -h, --help, -V, --version.`, helpPointer());
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    const names = [...COMMANDS.map((c) => c.name), "help"];
    throw new UsageError(`unknown command ${JSON.stringify(first)}${suggest(first, names)}. Valid commands: ${names.join(", ")}.`,
      helpPointer());
  }
  const parsed = parseFlags(cmd, rest);
  if (parsed === "help") {
    out.io.stdout(commandHelp(cmd));
    return 0;
  }
  return cmd.run(parsed.values, out, parsed.given);
}

// ---------------------------------------------------------------------------------------------------------------
// Help and version

function usage(): string {
  const rows: [string, string][] = [
    ...COMMANDS.map((c): [string, string] => [`${PROGRAM} ${c.name} [options]`, c.summary]),
    [`${PROGRAM} help [command]`, "show this help, or one command's options"],
    [`${PROGRAM} -V, --version`, "print the version"],
    [`${PROGRAM} --debug …`, "with any command: print the stack when it fails"],
  ];
  return "Train softmax regression and MLPs on Fashion-MNIST with WebAssembly SIMD kernels.\n\n" +
    "Usage:\n" + columns(rows) + "\n" + COMMANDS.map(commandOptions).join("\n") +
    "\nExit codes: 0 success, 1 error (data not found, training diverged, …), 2 bad command line,\n" +
    "130 stopped by Ctrl-C (train keeps finished epochs and writes --save; a second Ctrl-C quits now).\n";
}

function commandHelp(cmd: Command<any>): string {
  return `Usage: ${PROGRAM} ${cmd.name} [options]\n\n${cmd.summary[0]!.toUpperCase()}${cmd.summary.slice(1)}.\n\n` + commandOptions(cmd);
}

function commandOptions(cmd: Command<any>): string {
  const rows = Object.values(cmd.flags as Flags).map((flag): [string, string] => {
    const shown = flag.defaultText ?? (flag.arg === undefined || flag.default === undefined ? undefined : String(flag.default));
    return [`${flag.name}${flag.arg ? ` ${flag.arg}` : ""}`, `${flag.help}${shown === undefined ? "" : ` (default: ${shown})`}`];
  });
  rows.push([`${HELP_FLAG.short}, ${HELP_FLAG.name}`, HELP_FLAG.help]);
  const examples = cmd.examples?.length ? `\nExamples:\n${cmd.examples.map((e) => `  ${PROGRAM} ${e}\n`).join("")}` : "";
  return `Options for ${cmd.name}:\n${columns(rows)}${examples}`;
}

const HELP_WIDTH = 100;

// Two columns; the right one wrapped at word boundaries to stay within HELP_WIDTH.
function columns(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  const room = Math.max(30, HELP_WIDTH - width - 4);
  return rows.map(([left, right]) => {
    const lines: string[] = [];
    let line = "";
    for (const word of right.split(" ")) {
      if (line && line.length + 1 + word.length > room) { lines.push(line); line = word; }
      else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    return lines.map((text, i) => `  ${(i === 0 ? left : "").padEnd(width)}  ${text}`.trimEnd() + "\n").join("");
  }).join("");
}

async function printHelp(out: Output, topic: string | undefined): Promise<number> {
  if (topic === undefined) {
    out.io.stdout(usage());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === topic);
  if (!cmd) {
    const names = COMMANDS.map((c) => c.name);
    throw new UsageError(`unknown command ${JSON.stringify(topic)}${suggest(topic, names)}. Valid commands: ${names.join(", ")}.`,
      helpPointer());
  }
  out.io.stdout(commandHelp(cmd));
  return 0;
}

async function version(): Promise<string> {
  const text = await readFile(packageJsonUrl(), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
