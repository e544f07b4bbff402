// Shared helpers for the reference-backend tests: a seeded PRNG, random tensors, and comparisons.
import assert from "node:assert/strict";
import { Tensor } from "../../src/tensor/tensor.js";

/** mulberry32: a tiny seeded 32-bit PRNG (test data only; not torch's generator). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi), rounded to float32. */
export function randomTensor(rand: () => number, shape: number[], lo = -1, hi = 1): Tensor<"float32"> {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rand();
  return Tensor.from(data, shape);
}

/** Asserts bit-for-bit equality (distinguishes −0 from +0 and compares NaNs as equal). */
export function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    const bothNaN = Number.isNaN(actual[i]) && Number.isNaN(expected[i]);
    if (a[i] !== e[i] && !bothNaN) {
      assert.fail(`${what}: element ${i} is ${actual[i]} (0x${a[i].toString(16)}), expected ${expected[i]}`);
    }
  }
}

/**
 * Asserts |actual − exact| <= relTol·scale_i + absTol per element, where scale_i is a per-element magnitude
 * (e.g. Σ|terms| of a dot product) supplied by the caller; returns the largest |Δ|.
 */
export function assertClose(
  actual: ArrayLike<number>,
  exact: ArrayLike<number>,
  scale: ArrayLike<number> | null,
  relTol: number,
  absTol: number,
  what: string,
): number {
  assert.equal(actual.length, exact.length, `${what}: length`);
  let maxAbs = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - exact[i]);
    const s = scale === null ? Math.abs(exact[i]) : scale[i];
    if (!(d <= relTol * s + absTol)) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, exact ${exact[i]} (|Δ| ${d} > ${relTol}·${s} + ${absTol})`);
    }
    if (d > maxAbs) maxAbs = d;
  }
  return maxAbs;
}

/** float32 unit roundoff. */
export const U32 = 2 ** -24;
