// Entry for Node, Deno and Bun: runs the smoke test and prints its results as one JSON line.
import { runSmoke } from "./smoke.js";

console.log(JSON.stringify(await runSmoke()));
