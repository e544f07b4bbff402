// Shared by the wasm backend tests: seeded inputs, bit-exact comparison, and the registered wasm backend.
import assert from "node:assert/strict";
import type { F32 } from "../../src/engine/backend.js";
import { getBackend, setBackend } from "../../src/engine/index.js";
import type { WasmBackend } from "../../src/engine/wasm/index.js";
import { Tensor } from "../../src/tensor/tensor.js";

/** The wasm backend as the dispatcher registered it (it must be the default on Node). */
export function wasmBackend(): WasmBackend {
  assert.equal(getBackend().name, "wasm", "the wasm backend is the default where SIMD and SharedArrayBuffer exist");
  setBackend("wasm");
  return getBackend() as WasmBackend;
}

/** A seeded generator (mulberry32) of float32 values in [-scale, scale), with exact zeros mixed in. */
export function randomTensor(shape: number[], seed: number, scale = 1): F32 {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    data[i] = u < 0.05 ? 0 : Math.fround((next() * 2 - 1) * scale);
  }
  return Tensor.from(data, shape);
}

/** Asserts identical shapes and bit patterns (so -0 vs +0 counts as a difference). */
export function assertSameBits(actual: F32, expected: F32, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const ua = new Uint32Array(actual.data.buffer, actual.data.byteOffset, actual.data.length);
  const ub = new Uint32Array(expected.data.buffer, expected.data.byteOffset, expected.data.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${what}: first difference at ${i}: ${actual.data[i]} vs ${expected.data[i]}`);
  }
}

/** Asserts identical shapes and values, NaNs matching any NaN (payloads are not specified, R1), -0 ≠ +0. */
export function assertSameValues(actual: F32, expected: F32, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  for (let i = 0; i < actual.size; i++) {
    const a = actual.data[i];
    const b = expected.data[i];
    if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) assert.fail(`${what} at ${i}: ${a} vs ${b}`);
  }
}
