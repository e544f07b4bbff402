import { CTRL_DONE, CTRL_ERROR, CTRL_GEN, CTRL_READY, CTRL_WORDS, DESC_ADDR } from "./layout.js";

/** What a worker needs to join the pool: the compiled kernels, the one shared memory, its index (>= 1). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  index: number;
}

/**
 * The body of every pool worker (Node worker_threads and Web Workers alike): instantiate the kernels over
 * the shared memory, announce readiness, then sleep in Atomics.wait until the generation word changes.
 * A worker takes part in a job only when its index is within the job's participant count, so a worker
 * that became ready in the middle of a job never touches it. Never returns.
 */
export function workerLoop(init: WorkerInit): never {
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const runJob = instance.exports.runJob as (desc: number, tid: number) => void;
  // The control words live in the first page, so this view stays valid when the memory grows.
  const ctrl = new Int32Array(init.memory.buffer, 0, CTRL_WORDS);
  let last = Atomics.load(ctrl, CTRL_GEN);
  Atomics.store(ctrl, CTRL_READY + init.index, 1);
  Atomics.notify(ctrl, CTRL_READY + init.index);
  for (;;) {
    Atomics.wait(ctrl, CTRL_GEN, last);
    const word = Atomics.load(ctrl, CTRL_GEN);
    if (word === last) continue;
    last = word;
    if (init.index > (word & 0xff)) continue;
    try {
      runJob(DESC_ADDR, init.index);
    } catch {
      Atomics.store(ctrl, CTRL_ERROR, 1);
    }
    Atomics.add(ctrl, CTRL_DONE, 1);
    Atomics.notify(ctrl, CTRL_DONE);
  }
}
