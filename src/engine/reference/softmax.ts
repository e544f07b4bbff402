// softmax over the last dimension, NUMERICS.md §R4: max in float32 (NaN propagates), e_j = exp(x_j − max)
// in float64 with our own exp, the sum in float64 in ascending j, one float32 rounding of e_j / sum.
import { exp } from "../../math/exp.js";
import { Tensor } from "../../tensor/tensor.js";
import type { F32 } from "../backend.js";
import { expectF32, formatShape } from "./check.js";

/**
 * Softmax of src[start, start + n) into dst[start, ...] using the scratch e (length >= n). Shared with
 * attention, whose scores rows are the same computation.
 */
export function softmaxRow(src: Float32Array, dst: Float32Array, start: number, n: number, e: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    const v = src[start + j];
    if (Number.isNaN(v)) {
      max = v;
      break;
    }
    if (v > max) max = v;
  }
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const t = exp(src[start + j] - max);
    e[j] = t;
    sum += t;
  }
  for (let j = 0; j < n; j++) dst[start + j] = e[j] / sum;
}

export function softmax(xIn: F32): F32 {
  const x = expectF32("softmax", "x", xIn);
  if (x.shape.length < 1)
    throw new RangeError(`softmax: x must have at least 1 dimension, got ${formatShape(x.shape)}`);
  const n = x.shape[x.shape.length - 1];
  const out = new Float32Array(x.size);
  if (n === 0) return Tensor.from(out, x.shape);
  const e = new Float64Array(n);
  for (let start = 0; start < x.size; start += n) softmaxRow(x.data, out, start, n, e);
  return Tensor.from(out, x.shape);
}
