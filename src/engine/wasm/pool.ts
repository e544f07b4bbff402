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
  MAX_WORKERS,
} from "./layout.js";
import { spinMs, spinThenWait } from "./spin-wait.js";
import type { WorkerInit } from "./worker-loop.js";

/** What differs between Node and browsers: how to start a worker and whether this thread may block. */
export interface PoolHost {
  readonly kind: "node" | "web";
  /** Logical cores available to this process/page. */
  cores(): number;
  /** Whether the calling thread may Atomics.wait (Node's main thread and Web Workers; not a page). */
  readonly canBlock: boolean;
  spawn(init: WorkerInit): { terminate(): void };
}

/** How long a Node caller waits for a freshly spawned worker before running without it. */
const READY_TIMEOUT_MS = 20000;

/**
 * Workers over one shared memory. A job is published by bumping the generation word; the caller and every
 * worker that joins in time claim chunks from an atomic counter inside the kernel; the caller then closes
 * the job and waits (polling briefly, then in Atomics.wait) until the workers inside it have left. Threads only ever split
 * independent outputs, so the result does not depend on how many took part.
 */
export class ThreadPool {
  private readonly workers: { terminate(): void }[] = [];
  private generation = 0;

  constructor(
    private readonly host: PoolHost,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
  ) {}

  get size(): number {
    return this.workers.length;
  }

  private ctrl(): Int32Array {
    return new Int32Array(this.memory.buffer, 0, CTRL_WORDS);
  }

  /** Makes sure `count` workers exist (the caller is the extra thread); Node waits until they are ready. */
  ensure(count: number): void {
    const target = Math.min(count, MAX_WORKERS);
    const start = this.workers.length;
    for (let index = start + 1; index <= target; index++) {
      this.workers.push(this.host.spawn({ module: this.module, memory: this.memory, index }));
    }
    if (this.host.canBlock && this.host.kind === "node") {
      const ctrl = this.ctrl();
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (let index = start + 1; index <= target; index++) {
        while (Atomics.load(ctrl, CTRL_READY + index) === 0) {
          const left = deadline - Date.now();
          if (left <= 0) {
            console.warn(
              `reprodiff: wasm worker ${index} not ready after ${READY_TIMEOUT_MS} ms; continuing without it`,
            );
            return;
          }
          Atomics.wait(ctrl, CTRL_READY + index, 0, left);
        }
      }
    }
  }

  /**
   * Wakes up to `workers` sleeping workers without publishing a job: they find the generation unchanged
   * and poll it (for the last job's CTRL_SPIN_MS) instead of sleeping. Called when an op starts, so that
   * its serial preparation (copying and padding the input) hides the wake-up latency of an idle pool.
   */
  wake(workers: number): void {
    if (this.workers.length > 0) Atomics.notify(this.ctrl(), CTRL_GEN, Math.min(workers, this.workers.length));
  }

  /**
   * Runs one job with up to `workers` helpers besides the caller (workers 1..p with p the longest ready
   * prefix); `local` is the caller's share and returns once every chunk is claimed. Returns how many
   * workers actually helped.
   */
  run(workers: number, local: () => void): number {
    const ctrl = this.ctrl();
    let invited = 0;
    while (invited < Math.min(workers, this.workers.length) && Atomics.load(ctrl, CTRL_READY + invited + 1) === 1) {
      invited++;
    }
    const spin = spinMs(invited + 1, this.host.cores());
    Atomics.store(ctrl, CTRL_ERROR, 0);
    Atomics.store(ctrl, CTRL_RAN, 0);
    Atomics.store(ctrl, CTRL_SPIN_MS, spin);
    if (invited > 0) {
      Atomics.store(ctrl, CTRL_OPEN, 1);
      this.generation = (this.generation + 1) & 0x7fffff;
      Atomics.store(ctrl, CTRL_GEN, (this.generation << 8) | invited);
      Atomics.notify(ctrl, CTRL_GEN);
    }
    let localError: unknown = null;
    try {
      local();
    } catch (error) {
      localError = error;
    }
    if (invited > 0) {
      // Close the job, then wait for the workers inside it (even when our share threw: they must be out
      // of the job's buffers before those are freed). Late workers see it closed and leave untouched.
      Atomics.store(ctrl, CTRL_OPEN, 0);
      for (;;) {
        const left = Atomics.load(ctrl, CTRL_LEFT);
        if (Atomics.load(ctrl, CTRL_ENTERED) === left) break;
        spinThenWait(ctrl, CTRL_LEFT, left, spin);
      }
    }
    if (localError !== null) throw localError;
    if (Atomics.load(ctrl, CTRL_ERROR) !== 0) throw new Error("reprodiff: a wasm pool worker failed during a job");
    return Atomics.load(ctrl, CTRL_RAN);
  }

  /** Stops every worker (a later `ensure` starts fresh ones). */
  terminate(): void {
    const ctrl = this.ctrl();
    for (let index = 1; index <= this.workers.length; index++) Atomics.store(ctrl, CTRL_READY + index, 0);
    for (const worker of this.workers.splice(0)) worker.terminate();
  }
}
