import { type BackendTraits, describeEngine, type EngineInfo } from "../engine/determinism.js";
import { getNumThreads, ops } from "../engine/index.js";

/** The record of the engine that runs right now: backend, threads, determinism, numerics version. */
export function engineInfo(): EngineInfo {
  const backend = ops as unknown as { name: string; traits?: BackendTraits };
  return describeEngine(backend.name, getNumThreads(), backend.traits ?? {});
}
