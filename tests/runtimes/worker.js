// Entry for workerd: a module worker whose every request runs the smoke test and answers with its results.
import { runSmoke } from "./smoke.js";

export default {
  async fetch() {
    return new Response(JSON.stringify(await runSmoke()), { headers: { "content-type": "application/json" } });
  },
};
