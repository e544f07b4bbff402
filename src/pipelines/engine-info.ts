import { assertBackendAllowed, type BackendTraits, describeEngine, type EngineInfo } from "../engine/determinism.js";
import { getBackend, getNumThreads } from "../engine/index.js";

function activeBackend(): { name: string; traits: BackendTraits } {
  const backend = getBackend() as unknown as { name: string; traits?: BackendTraits };
  return { name: backend.name, traits: backend.traits ?? {} };
}

/** The record of the engine that runs right now: backend, threads, determinism, numerics version. */
export function engineInfo(): EngineInfo {
  const { name, traits } = activeBackend();
  return describeEngine(name, getNumThreads(), traits);
}

/**
 * Refuses to start a generation on a backend that is not fully deterministic while
 * `enableFullDeterminism()` is on (the engine checks again when a backend is selected).
 */
export function assertActiveBackendAllowed(): void {
  const { name, traits } = activeBackend();
  assertBackendAllowed(name, traits);
}
