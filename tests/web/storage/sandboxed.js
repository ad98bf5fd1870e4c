// Runs in a sandboxed frame (an opaque origin, which browsers give no storage): lists and loads, then reports to
// the page that holds the frame.
import { run } from "./tasks.js";

const results = {};
for (const where of ["indexeddb://", "opfs://"]) results[where] = (await run("list", [where])).error;
results["indexeddb://toy"] = (await run("remove", ["indexeddb://toy"])).error;
parent.postMessage(results, "*");
