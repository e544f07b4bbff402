// What every pipeline's denoising loop shares: turning an aborted signal into the error it rejects with,
// and the progress report after each step.
import type { ProgressInfo } from "./types.js";

/** The signal's own reason when it is an Error, else a DOMException named "AbortError" (like fetch). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(
    reason === undefined ? "generation was aborted" : `generation was aborted: ${String(reason)}`,
    "AbortError",
  );
}

/** Reports `stepsRun` of `totalSteps` done, with the rate and ETA since `startMs` (Date.now() at the start). */
export function reportProgress(
  progress: (info: ProgressInfo) => void,
  startMs: number,
  stepsRun: number,
  totalSteps: number,
  timestep: number,
): void {
  const elapsedMs = Date.now() - startMs;
  const stepsPerSecond = elapsedMs > 0 ? (stepsRun * 1000) / elapsedMs : 0;
  const etaMs = stepsPerSecond > 0 ? ((totalSteps - stepsRun) * 1000) / stepsPerSecond : 0;
  progress({ step: stepsRun, totalSteps, timestep, elapsedMs, stepsPerSecond, etaMs });
}
