import {
  CTRL_ENTERED,
  CTRL_ERROR,
  CTRL_GEN,
  CTRL_LEFT,
  CTRL_OPEN,
  CTRL_RAN,
  CTRL_READY,
  CTRL_SPIN_MS,
  CTRL_WORDS,
  DESC_ADDR,
} from "./layout.js";
import { spinThenWait } from "./spin-wait.js";

/** What a worker needs to join the pool: the compiled kernels, the one shared memory, its index (>= 1). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  index: number;
}

/**
 * The body of every pool worker (Node worker_threads and Web Workers alike): instantiate the kernels over
 * the shared memory, announce readiness, then wait (polling for the job's CTRL_SPIN_MS after each job,
 * then sleeping in Atomics.wait) until the generation word changes.
 * A woken worker registers (CTRL_ENTERED) and helps only if the job it woke for is still open; the caller
 * closes a job once all chunks are claimed and then waits only for workers inside it, so a worker the OS
 * has not scheduled yet never delays an op. Never returns.
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
    spinThenWait(ctrl, CTRL_GEN, last, Atomics.load(ctrl, CTRL_SPIN_MS));
    const word = Atomics.load(ctrl, CTRL_GEN);
    if (word === last) continue;
    last = word;
    if (init.index > (word & 0xff)) continue;
    Atomics.add(ctrl, CTRL_ENTERED, 1);
    // Still the job we woke for, and still open: its descriptor is complete and stays put until we leave.
    if (Atomics.load(ctrl, CTRL_OPEN) === 1 && Atomics.load(ctrl, CTRL_GEN) === word) {
      Atomics.add(ctrl, CTRL_RAN, 1);
      try {
        runJob(DESC_ADDR, init.index);
      } catch {
        Atomics.store(ctrl, CTRL_ERROR, 1);
      }
    }
    Atomics.add(ctrl, CTRL_LEFT, 1);
    Atomics.notify(ctrl, CTRL_LEFT);
  }
}
