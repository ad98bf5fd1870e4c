// TensorFlow.js with its wasm backend, the peer that bench:peers and bench:small-data train against.
import { createRequire } from "node:module";
import { dirname } from "node:path";

/** Loads tfjs with its wasm backend (SIMD and threads as the engine allows), or returns why it cannot. */
export async function loadTfjs() {
  try {
    const tf = await import("@tensorflow/tfjs");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"))}/dist/`);
    if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend(\"wasm\") failed");
    await tf.ready();
    return {
      tf, version: tf.version.tfjs,
      simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"), threads: tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT"),
    };
  } catch (error) {
    return { reason: `TensorFlow.js did not load (${error instanceof Error ? error.message : error}); run npm install` };
  }
}
