import assert from "node:assert/strict";
import type { SafetensorsBuffer } from "../../src/io/safetensors.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { loadSafetensorsFixture } from "../helpers/fixtures.js";

export const SEEDS: readonly bigint[] = [0n, 1n, 42n, 2147483647n, 4294967301n, 12345678901234n, 18446744073709551615n];

export function golden(file: string): SafetensorsBuffer {
  return loadSafetensorsFixture("rng", file);
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Index of the first element whose raw bytes differ, or -1. */
export function firstDifference(actual: Tensor, expected: Tensor): number {
  const a = actual.data as ArrayBufferView & ArrayLike<unknown>;
  const e = expected.data as ArrayBufferView & ArrayLike<unknown>;
  const width = a.byteLength / Math.max(a.length, 1);
  const ab = bytesOf(a);
  const eb = bytesOf(e);
  for (let i = 0; i < ab.length; i++) {
    if (ab[i] !== eb[i]) return Math.floor(i / width);
  }
  return -1;
}

/** Asserts dtype, shape and every byte equal; on failure names the first differing element. */
export function assertBitExact(actual: Tensor, expected: Tensor, label: string): void {
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const i = firstDifference(actual, expected);
  if (i >= 0) {
    assert.fail(
      `${label}: element ${i} differs: got ${String(actual.data[i])}, torch gave ${String(expected.data[i])}`,
    );
  }
}

/** A uint8 state tensor from a fixture as bytes. */
export function stateBytes(file: SafetensorsBuffer, key: string): Uint8Array {
  return Uint8Array.from(file.float32(key).data);
}
