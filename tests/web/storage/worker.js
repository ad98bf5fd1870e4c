// The storage test's Web Worker: runs the tasks it is sent.
import { run } from "./tasks.js";

self.onmessage = async ({ data: { id, task, args } }) => self.postMessage({ id, ...(await run(task, args)) });
