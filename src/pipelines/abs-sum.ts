import type { Tensor } from "../tensor/tensor.js";

// Tensors that stand for Diffusers' numpy output, `sample.permute(0, 2, 3, 1).numpy()`: a [B, H, W, C]
// view whose memory is still in [B, C, H, W] order. NumPy reduces in memory order, so the sum must too.
const channelsFirstViews = new WeakSet<object>();

/** Marks an NHWC tensor as a view of channels-first memory, as Diffusers' "np" output is. */
export function markChannelsFirstView<T extends Tensor>(tensor: T): T {
  channelsFirstViews.add(tensor);
  return tensor;
}

const fround = Math.fround;

// NumPy's pairwise summation (numpy/_core/src/umath/loops_utils.h.src, `pairwise_sum`): below 8 terms a
// plain loop; up to 128 terms eight interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))
// followed by the tail; above that, split at half rounded down to a multiple of 8 and recurse.
// `round` is the accumulator's rounding: Math.fround for float32, identity for float64.
const BLOCK = 128;

function pairwise(a: ArrayLike<number>, start: number, n: number, round: (x: number) => number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = round(res + a[start + i]);
    return res;
  }
  if (n <= BLOCK) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j];
    let i = 8;
    const end = n - (n % 8);
    for (; i < end; i += 8) {
      for (let j = 0; j < 8; j++) r[j] = round(r[j] + a[start + i + j]);
    }
    let res = round(round(round(r[0] + r[1]) + round(r[2] + r[3])) + round(round(r[4] + r[5]) + round(r[6] + r[7])));
    for (; i < n; i++) res = round(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return round(pairwise(a, start, n2, round) + pairwise(a, start + n2, n - n2, round));
}

const identity = (x: number): number => x;

/**
 * Sums an array exactly as NumPy's `arr.sum()` does for a contiguous float32 (or float64) array: one
 * pairwise summation over all elements, added to the identity 0 (NumPy grows the reduction's inner loop
 * to the whole array when no casting is needed, so there is no 8192-element blocking).
 */
export function numpySum(values: Float32Array | Float64Array, dtype: "float32" | "float64" = "float32"): number {
  const round = dtype === "float32" ? fround : identity;
  return round(0 + pairwise(values, 0, values.length, round));
}

export interface AbsSumOptions {
  /**
   * "float32" (default) reproduces `np.abs(image).sum()` on a float32 array bit for bit; "float64"
   * reproduces `np.abs(image).astype(np.float64).sum()`, the same pairwise order in double precision.
   */
  dtype?: "float32" | "float64";
  /**
   * The memory order NumPy would sum in. "nchw" treats a [B, H, W, C] tensor as the permuted view of
   * channels-first memory that Diffusers returns; "contiguous" sums the tensor's own row-major order
   * (a contiguous NumPy array, e.g. one read back from .npy). Default: "nchw" for the pipelines' "np"
   * output, "contiguous" for everything else.
   */
  order?: "nchw" | "contiguous";
}

/**
 * The one-line equivalent of Python's `np.abs(image).sum()` for pipeline output: `absSum(images)` gives
 * the very float32 number NumPy prints (pairwise summation in the array's memory order, which for
 * Diffusers' output is channels-first). Accepts a float32/float64 Tensor or typed array.
 */
export function absSum(images: Tensor | Float32Array | Float64Array, options: AbsSumOptions = {}): number {
  const dtype = options.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") {
    throw new RangeError(`absSum: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  }
  const data = images instanceof Float32Array || images instanceof Float64Array ? images : images.data;
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    const got = (images as Tensor).dtype;
    throw new TypeError(`absSum needs float32 or float64 values, got a ${got} tensor`);
  }
  const isTensor = !(images instanceof Float32Array || images instanceof Float64Array);
  const order = options.order ?? (isTensor && channelsFirstViews.has(images) ? "nchw" : "contiguous");
  const abs = dtype === "float32" ? new Float32Array(data.length) : new Float64Array(data.length);
  if (order === "nchw") {
    if (!isTensor || (images as Tensor).shape.length !== 4) {
      throw new TypeError('absSum: order "nchw" needs a [B, H, W, C] tensor');
    }
    const [b, h, w, c] = (images as Tensor).shape;
    let k = 0;
    for (let n = 0; n < b; n++)
      for (let ch = 0; ch < c; ch++)
        for (let p = 0; p < h * w; p++) abs[k++] = Math.abs(data[(n * h * w + p) * c + ch]);
  } else if (order === "contiguous") {
    for (let i = 0; i < data.length; i++) abs[i] = Math.abs(data[i]);
  } else {
    throw new RangeError(`absSum: order must be "nchw" or "contiguous", got ${JSON.stringify(order)}`);
  }
  return numpySum(abs, dtype);
}
