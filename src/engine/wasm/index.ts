// The wasm backend's entry: feature detection and construction. Importing this module instantiates
// nothing; `createWasmBackend` does, once, when the platform supports WebAssembly SIMD.
import type { Backend } from "../backend.js";
import { WasmBackend } from "./backend.js";
import { kernelsUnshared } from "./kernels.generated.js";

export { WasmBackend } from "./backend.js";

let simd: boolean | null = null;

/** Whether this engine runs our kernels (WebAssembly SIMD and atomics), checked by validating them. */
export function wasmSimdSupported(): boolean {
  if (simd === null) {
    try {
      const bytes = Uint8Array.from(atob(kernelsUnshared), (c) => c.charCodeAt(0));
      simd = typeof WebAssembly === "object" && WebAssembly.validate(bytes);
    } catch {
      simd = false;
    }
  }
  return simd;
}

/**
 * The wasm backend over `fallback` (which serves the ops without a wasm kernel), or null where the
 * platform lacks WebAssembly SIMD. Where shared memory or blocking waits are unavailable it still works,
 * on one thread, and says so once on the console.
 */
export function createWasmBackend(fallback: Backend, threads: () => number): WasmBackend | null {
  return wasmSimdSupported() ? new WasmBackend(fallback, threads) : null;
}
