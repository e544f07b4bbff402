// Node-specific half of the thread pool: worker_threads workers that never keep the process alive.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { PoolHost } from "./pool.js";
import type { WorkerInit } from "./worker-loop.js";

export const nodePoolHost: PoolHost = {
  kind: "node",
  cores: () => availableParallelism(),
  canBlock: true,
  spawn(init: WorkerInit) {
    const worker = new Worker(new URL("./worker.node.js", import.meta.url), { workerData: init });
    // Idle workers sleep in Atomics.wait; unref lets the process exit around them.
    worker.unref();
    worker.on("error", (error) => {
      console.error(`reprodiff: wasm pool worker ${init.index} failed: ${error.message}`);
    });
    return { terminate: () => void worker.terminate() };
  },
};
