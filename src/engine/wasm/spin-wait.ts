// How pool threads wait for each other: poll a control word briefly, then sleep in Atomics.wait.

/**
 * How long a worker that finished a job, and a caller waiting for workers to leave one, poll the control
 * words before sleeping in Atomics.wait. Waking a sleeping thread takes tens of microseconds (a futex
 * round trip, more in a VM), comparable to a whole small op; the ops of a model usually publish their
 * next job within this window (a 3x3 conv call spends ~0.3 ms outside its job), so a busy pool rarely
 * sleeps, and an idle one stops polling after 1 ms.
 *
 * Only while the job's threads fit the cores: with more threads than cores a polling thread holds a core
 * that a thread with work needs, and a worker the OS leaves waiting for a time slice misses whole jobs
 * (a 3-thread run on 2 cores then never uses its third thread), whereas a thread woken from Atomics.wait
 * is scheduled promptly.
 */
export const SPIN_MS = 1;

/** The polling time for a job on `threads` threads (the caller included) with `cores` cores. */
export function spinMs(threads: number, cores: number): number {
  return threads <= cores ? SPIN_MS : 0;
}

/**
 * Returns once the word at `index` differs from `value`: polls it for up to `ms` milliseconds, then sleeps
 * in Atomics.wait until a notify. May return early on a spurious wake-up; callers re-check.
 */
export function spinThenWait(ctrl: Int32Array, index: number, value: number, ms: number): void {
  if (Atomics.load(ctrl, index) !== value) return;
  if (ms <= 0) {
    Atomics.wait(ctrl, index, value);
    return;
  }
  const until = performance.now() + ms;
  for (let i = 1; ; i++) {
    if (Atomics.load(ctrl, index) !== value) return;
    if ((i & 1023) === 0 && performance.now() > until) break;
  }
  Atomics.wait(ctrl, index, value);
}
