/**
 * The full-determinism switch, reprodiff's counterpart of Diffusers' `enable_full_determinism()`.
 *
 * The CPU engine is deterministic by construction (docs/NUMERICS.md: fixed summation orders, one float32
 * rounding per operation, threads split outputs only), so with the switch off nothing changes numerically.
 * What the switch adds is a promise about the future and about opt-ins: every code path whose bits could
 * depend on the machine, the thread count or the run — a GPU device, relaxed SIMD, approximate kernels,
 * a reduction split across threads — must call `assertDeterministic()` before it runs, and while the switch
 * is on that call throws a `DeterminismError` instead of letting the output differ silently.
 *
 * This module is browser-safe and has no imports, so every other module (backends, pipelines, the CLI) can
 * consult it without creating import cycles.
 */

/** The kinds of path that could make results differ between machines, runs or thread counts. */
export type NonDeterministicFeature =
  /** Any device other than the CPU engine (WebGPU, CUDA…): vendor kernels fix no summation order. */
  | "device"
  /** A backend that declares it does not follow docs/NUMERICS.md bit for bit. */
  | "backend"
  /** WebAssembly relaxed SIMD: fused multiply-add and lane behaviour are left to the host CPU. */
  | "relaxed-simd"
  /** Approximate kernels (fast exp/rsqrt, reduced-precision accumulation, float16 compute). */
  | "approximate-kernel"
  /** A reduction whose order depends on how many threads share it. */
  | "thread-dependent-reduction";

export class DeterminismError extends Error {
  readonly feature: NonDeterministicFeature;

  constructor(feature: NonDeterministicFeature, detail: string) {
    super(
      `full determinism is enabled, so ${detail} is refused (${feature} can change results between machines, ` +
        "runs or thread counts); call disableFullDeterminism() to allow it",
    );
    this.name = "DeterminismError";
    this.feature = feature;
  }
}

let enabled = false;

/**
 * Forbids every non-deterministic path from now on (process-wide, like torch's
 * `use_deterministic_algorithms(True)`). Returns the previous setting so callers can restore it.
 */
export function enableFullDeterminism(): boolean {
  const previous = enabled;
  enabled = true;
  return previous;
}

/** Allows opt-in non-deterministic paths again. Returns the previous setting. */
export function disableFullDeterminism(): boolean {
  const previous = enabled;
  enabled = false;
  return previous;
}

export function isFullDeterminismEnabled(): boolean {
  return enabled;
}

/**
 * Called by any code path that may not be bit-reproducible, before it does anything. Throws a
 * `DeterminismError` naming the path while full determinism is enabled; a no-op otherwise.
 */
export function assertDeterministic(feature: NonDeterministicFeature, detail: string): void {
  if (enabled) throw new DeterminismError(feature, detail);
}

/**
 * What a compute backend declares about itself. Every flag defaults to the deterministic answer, so a
 * backend that declares nothing is treated as following docs/NUMERICS.md exactly.
 */
export interface BackendTraits {
  /** Same bits as the reference backend for every input (docs/NUMERICS.md). */
  followsNumerics?: boolean;
  /** Results do not depend on the thread count. */
  threadCountInvariant?: boolean;
  /** Uses WebAssembly relaxed SIMD. */
  relaxedSimd?: boolean;
  /** Uses approximate arithmetic anywhere. */
  approximate?: boolean;
  /** Runs on a device other than the CPU. */
  device?: string;
}

/**
 * Checks a backend before it is selected (or before a thread count is applied to it). A backend that is
 * not fully deterministic may still be used while the switch is off; with it on, this throws.
 */
export function assertBackendAllowed(name: string, traits: BackendTraits): void {
  if (traits.device !== undefined && traits.device !== "cpu") {
    assertDeterministic("device", `backend "${name}" on device "${traits.device}"`);
  }
  if (traits.relaxedSimd === true) assertDeterministic("relaxed-simd", `backend "${name}" (relaxed SIMD)`);
  if (traits.approximate === true) assertDeterministic("approximate-kernel", `backend "${name}" (approximate kernels)`);
  if (traits.threadCountInvariant === false) {
    assertDeterministic("thread-dependent-reduction", `backend "${name}" (thread-count-dependent reductions)`);
  }
  if (traits.followsNumerics === false) {
    assertDeterministic("backend", `backend "${name}" (does not follow docs/NUMERICS.md)`);
  }
}

/**
 * Checks a device requested by a caller (e.g. `fromPretrained(..., { device })`). Only "cpu" is
 * deterministic; other devices are refused with the determinism error while the switch is on, and
 * with an "unsupported device" error otherwise as long as no such backend exists.
 */
export function assertDeviceAllowed(device: string): void {
  if (device === "cpu") return;
  assertDeterministic("device", `device "${device}"`);
}

/**
 * Version of the numeric contract in docs/NUMERICS.md. Outputs made under the same version by any backend
 * that follows it are bit-identical; a change to any rounding or summation order bumps it.
 */
export const NUMERICS_VERSION = "1";

/** What every output records about the engine that made it. */
export interface EngineInfo {
  /** The compute backend's name (e.g. "reference", "wasm-simd"). */
  backend: string;
  /** Worker threads the backend splits outputs over (results do not depend on it). */
  threads: number;
  /** True when the run could only use paths that follow docs/NUMERICS.md (always true for the CPU engine). */
  deterministic: boolean;
  /** Whether `enableFullDeterminism()` was on, i.e. non-deterministic paths were refused, not just unused. */
  fullDeterminism: boolean;
  numericsVersion: string;
}

/** Builds the record for a backend with the given traits and thread count. */
export function describeEngine(backend: string, threads: number, traits: BackendTraits = {}): EngineInfo {
  const deterministic =
    (traits.device === undefined || traits.device === "cpu") &&
    traits.relaxedSimd !== true &&
    traits.approximate !== true &&
    traits.threadCountInvariant !== false &&
    traits.followsNumerics !== false;
  return { backend, threads, deterministic, fullDeterminism: enabled, numericsVersion: NUMERICS_VERSION };
}
