import type { PoolHost } from "./pool.js";
import type { WorkerInit } from "./worker-loop.js";

/** Browser half of the thread pool: module Web Workers; only a worker context may block in Atomics.wait. */
export function webPoolHost(): PoolHost {
  const scope = globalThis as { WorkerGlobalScope?: abstract new () => unknown; navigator?: Navigator };
  const inWorker = typeof scope.WorkerGlobalScope === "function" && globalThis instanceof scope.WorkerGlobalScope;
  return {
    kind: "web",
    cores: () => Math.max(1, scope.navigator?.hardwareConcurrency ?? 1),
    canBlock: inWorker,
    spawn(init: WorkerInit) {
      const worker = new Worker(new URL("./worker.web.js", import.meta.url), { type: "module" });
      worker.postMessage(init);
      return { terminate: () => worker.terminate() };
    },
  };
}
