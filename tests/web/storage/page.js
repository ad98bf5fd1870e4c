// The storage test's page: window.run(task, ...args) runs a task here, window.runInWorker(task, ...args) in a Web
// Worker it starts.
import { run } from "./tasks.js";

let worker, next = 0;
const pending = new Map();

window.run = (task, ...args) => run(task, args);
window.runInWorker = (task, ...args) => {
  if (!worker) {
    worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    worker.onmessage = ({ data: { id, ...outcome } }) => { pending.get(id)(outcome); pending.delete(id); };
  }
  const id = next++;
  return new Promise((resolve) => { pending.set(id, resolve); worker.postMessage({ id, task, args }); });
};
window.ready = true;
