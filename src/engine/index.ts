// The engine's front door: `ops` forwards every op to the active backend, chosen by name from a small
// registry ("reference" is always registered; the wasm backend registers itself when it loads), and the
// engine-wide thread count that multi-threaded backends read. Threads never change results (docs/NUMERICS.md).
import type { Backend } from "./backend.js";
import { assertBackendAllowed } from "./determinism.js";
import { referenceBackend } from "./reference/index.js";
import type { PackedWeightStats } from "./wasm/gemm.js";
import { createWasmBackend } from "./wasm/index.js";

export type { AttentionOptions, Backend, Conv2dOptions, F32, TimestepEmbeddingOptions, Weight } from "./backend.js";
export { ReferenceBackend, referenceBackend } from "./reference/index.js";
export type { PackedWeightStats } from "./wasm/gemm.js";

const OP_NAMES = [
  "conv2d",
  "linear",
  "matmul",
  "groupNorm",
  "layerNorm",
  "softmax",
  "attention",
  "silu",
  "gelu",
  "geluTanh",
  "quickGelu",
  "geglu",
  "add",
  "sub",
  "mul",
  "div",
  "affine",
  "concat",
  "permute",
  "narrow",
  "upsampleNearest2x",
  "avgPool2x2",
  "timestepEmbedding",
] as const satisfies readonly Exclude<keyof Backend, "name">[];

const registry = new Map<string, Backend>([[referenceBackend.name, referenceBackend]]);
let active: Backend = referenceBackend;

// The wasm backend registers itself where WebAssembly SIMD exists, and becomes the default where it can
// also use threads (SharedArrayBuffer); it reads the engine's thread count at each op.
const wasm = createWasmBackend(referenceBackend, () => getNumThreads());
if (wasm !== null) {
  registry.set(wasm.name, wasm);
  if (typeof SharedArrayBuffer !== "undefined") active = wasm;
}

function checkBackend(backend: Backend): void {
  if (backend === null || typeof backend !== "object" || typeof backend.name !== "string" || backend.name === "") {
    throw new TypeError("a backend must be an object with a non-empty string name");
  }
  const missing = OP_NAMES.filter((op) => typeof backend[op] !== "function");
  if (missing.length > 0) throw new TypeError(`backend "${backend.name}" does not implement: ${missing.join(", ")}`);
}

/** Adds (or replaces) a backend under its name without activating it. */
export function registerBackend(backend: Backend): void {
  checkBackend(backend);
  registry.set(backend.name, backend);
  if (active.name === backend.name) active = backend;
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...registry.keys()];
}

/** Activates a registered backend by name, or registers and activates a backend object. */
export function setBackend(nameOrBackend: string | Backend): void {
  if (typeof nameOrBackend === "string") {
    const found = registry.get(nameOrBackend);
    if (found === undefined) {
      throw new RangeError(
        `unknown backend ${JSON.stringify(nameOrBackend)}; registered: ${[...registry.keys()].join(", ")}`,
      );
    }
    assertBackendAllowed(found.name, found.traits ?? {});
    active = found;
    return;
  }
  checkBackend(nameOrBackend);
  assertBackendAllowed(nameOrBackend.name, nameOrBackend.traits ?? {});
  registerBackend(nameOrBackend);
  active = nameOrBackend;
}

/** The backend `ops` currently forwards to. */
export function getBackend(): Backend {
  return active;
}

/** The op set, forwarding each call to the active backend at call time. */
export const ops: Backend = (() => {
  const forwarder: Record<string, unknown> = {};
  Object.defineProperty(forwarder, "name", { get: () => active.name, enumerable: true });
  for (const op of OP_NAMES) {
    forwarder[op] = (...args: unknown[]) => (active[op] as (...a: unknown[]) => unknown).apply(active, args);
  }
  return forwarder as unknown as Backend;
})();

function detectCores(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator;
  const n = nav?.hardwareConcurrency;
  if (typeof n === "number" && Number.isSafeInteger(n) && n > 0) return n;
  // Node 20 has no navigator; the wasm backend knows the cores from its platform host.
  return wasm?.hostCores ?? 1;
}

let numThreads: number | null = null;

/**
 * Sets the number of threads multi-threaded backends may use (results never depend on it). The default is
 * the number of available cores (navigator.hardwareConcurrency in browsers and Node 21+, else 1).
 */
export function setNumThreads(n: number): void {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`setNumThreads: expected a positive integer, got ${String(n)}`);
  }
  numThreads = n;
}

export function getNumThreads(): number {
  return numThreads ?? detectCores();
}

/** How the active backend uses threads, for progress displays and diagnostics (never for results). */
export interface ThreadStatus {
  /** The active backend's name. */
  backend: string;
  /** Threads ops may use now: `setNumThreads`, else the logical cores. */
  numThreads: number;
  /**
   * Threads (the calling one included) that took part in the active backend's most recent threaded job;
   * 0 before its first. Backends without threads report 1.
   */
  lastThreads: number;
  /** Why the active backend runs on one thread here (e.g. no SharedArrayBuffer), or null when it can use more. */
  singleThreadReason: string | null;
  /** Logical cores of this machine or page. */
  cores: number;
}

export function getThreadStatus(): ThreadStatus {
  const status = { backend: active.name, numThreads: getNumThreads(), cores: detectCores() };
  if (wasm !== null && active === wasm) {
    return { ...status, lastThreads: wasm.lastThreads, singleThreadReason: wasm.singleThreadReason };
  }
  const reason = active === referenceBackend ? "the reference backend" : `backend "${active.name}" reports no threads`;
  return { ...status, lastThreads: 1, singleThreadReason: `${reason} runs ops on the calling thread` };
}

/**
 * Sets the bytes of packed weights the wasm backend keeps in its memory between ops. The default, 0, packs
 * each weight where it is used, so a model's weights are held once (in JS) and the wasm memory holds only
 * activations; a budget (up to Infinity, bounded by the wasm memory, which then evicts least recently used
 * weights) trades memory for the re-packing time. Results never change. No-op without the wasm backend.
 */
export function setPackedWeightBudget(bytes: number): void {
  if (typeof bytes !== "number" || !(bytes >= 0)) {
    throw new RangeError(`setPackedWeightBudget: expected a non-negative number of bytes, got ${String(bytes)}`);
  }
  wasm?.setPackedWeightBudget(bytes);
}

/** The wasm backend's packed-weight cache (entries, bytes, budget, hits, packs, evictions), or null without it. */
export function getPackedWeightStats(): PackedWeightStats | null {
  return wasm?.packedWeightStats ?? null;
}

/** Frees every packed weight of the wasm backend (they are re-packed on next use, with identical results). */
export function clearPackedWeights(): void {
  wasm?.clearPackedWeights();
}
