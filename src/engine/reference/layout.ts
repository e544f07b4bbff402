// Data movement, NUMERICS.md §R8: concat, permute, narrow and nearest upsampling copy values bit for bit;
// avgPool2x2 is f32((((a + b) + c) + d) / 4) in float64 over each window in row-major order.
import { Tensor } from "../../tensor/tensor.js";
import type { F32 } from "../backend.js";
import { describe, expectF32, expectNonNegativeInt, expectRank, formatShape, normalizeAxis } from "./check.js";

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

export function concat(tensorsIn: readonly F32[], axisIn: number): F32 {
  const op = "concat";
  if (!Array.isArray(tensorsIn) || tensorsIn.length === 0) {
    throw new RangeError(`${op}: needs a non-empty array of tensors, got ${describe(tensorsIn)}`);
  }
  const tensors = tensorsIn.map((t, i) => expectF32(op, `tensors[${i}]`, t));
  const first = tensors[0].shape;
  const axis = normalizeAxis(op, axisIn, first.length, first);
  for (let i = 1; i < tensors.length; i++) {
    const s = tensors[i].shape;
    if (s.length !== first.length || s.some((d, j) => j !== axis && d !== first[j])) {
      throw new RangeError(
        `${op}: tensors[${i}] ${formatShape(s)} does not match tensors[0] ${formatShape(first)} outside axis ${axis}`,
      );
    }
  }
  const outer = product(first.slice(0, axis));
  const inner = product(first.slice(axis + 1));
  const total = tensors.reduce((p, t) => p + t.shape[axis], 0);
  const out = new Float32Array(outer * total * inner);
  let offset = 0;
  for (const t of tensors) {
    const chunk = t.shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + offset);
    offset += chunk;
  }
  const shape = [...first];
  shape[axis] = total;
  return Tensor.from(out, shape);
}

export function permute(xIn: F32, dims: readonly number[]): F32 {
  const op = "permute";
  const x = expectF32(op, "x", xIn);
  const nd = x.shape.length;
  const seen = new Array<boolean>(nd).fill(false);
  const valid =
    Array.isArray(dims) &&
    dims.length === nd &&
    dims.every((d) => Number.isSafeInteger(d) && d >= 0 && d < nd && !seen[d] && (seen[d] = true));
  if (!valid) {
    throw new RangeError(`${op}: dims ${describe(dims)} is not a permutation of the axes of x ${formatShape(x.shape)}`);
  }
  const shape = dims.map((d) => x.shape[d]);
  const out = new Float32Array(x.size);
  if (x.size === 0 || nd === 0) {
    out.set(x.data);
    return Tensor.from(out, shape);
  }
  // Source strides in output axis order; walk the output contiguously with an odometer.
  const srcStrides = new Array<number>(nd);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= x.shape[i];
  }
  const strides = dims.map((d) => srcStrides[d]);
  const inner = shape[nd - 1];
  const innerStride = strides[nd - 1];
  const index = new Array<number>(nd - 1).fill(0);
  const src = x.data;
  let base = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0, p = base; j < inner; j++, p += innerStride) out[o + j] = src[p];
    for (let axis = nd - 2; axis >= 0; axis--) {
      index[axis]++;
      base += strides[axis];
      if (index[axis] < shape[axis]) break;
      base -= strides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return Tensor.from(out, shape);
}

export function narrow(xIn: F32, axisIn: number, startIn: number, lengthIn: number): F32 {
  const op = "narrow";
  const x = expectF32(op, "x", xIn);
  const axis = normalizeAxis(op, axisIn, x.shape.length, x.shape);
  const dim = x.shape[axis];
  if (typeof startIn !== "number" || !Number.isSafeInteger(startIn) || startIn < -dim || startIn > dim) {
    throw new RangeError(
      `${op}: start ${describe(startIn)} is out of range for axis ${axis} of x ${formatShape(x.shape)}`,
    );
  }
  const start = startIn < 0 ? startIn + dim : startIn;
  const length = expectNonNegativeInt(op, "length", lengthIn);
  if (start + length > dim) {
    throw new RangeError(
      `${op}: start ${start} + length ${length} exceeds size ${dim} of axis ${axis} of x ${formatShape(x.shape)}`,
    );
  }
  const outer = product(x.shape.slice(0, axis));
  const inner = product(x.shape.slice(axis + 1));
  const out = new Float32Array(outer * length * inner);
  for (let o = 0; o < outer; o++) {
    const from = (o * dim + start) * inner;
    out.set(x.data.subarray(from, from + length * inner), o * length * inner);
  }
  const shape = [...x.shape];
  shape[axis] = length;
  return Tensor.from(out, shape);
}

export function upsampleNearest2x(xIn: F32): F32 {
  const op = "upsampleNearest2x";
  const x = expectF32(op, "x", xIn);
  expectRank(op, "x", x, 4, "[N, C, H, W]");
  const [n, c, h, w] = x.shape;
  const out = new Float32Array(n * c * 4 * h * w);
  const src = x.data;
  const w2 = 2 * w;
  for (let plane = 0; plane < n * c; plane++) {
    for (let y = 0; y < h; y++) {
      const s = (plane * h + y) * w;
      const d = (plane * 2 * h + 2 * y) * w2;
      for (let xx = 0; xx < w; xx++) {
        const v = src[s + xx];
        out[d + 2 * xx] = v;
        out[d + 2 * xx + 1] = v;
      }
      out.copyWithin(d + w2, d, d + w2);
    }
  }
  return Tensor.from(out, [n, c, 2 * h, 2 * w]);
}

export function avgPool2x2(xIn: F32): F32 {
  const op = "avgPool2x2";
  const x = expectF32(op, "x", xIn);
  expectRank(op, "x", x, 4, "[N, C, H, W]");
  const [n, c, h, w] = x.shape;
  // Like torch's avg_pool2d(kernel 2, stride 2): an odd last row or column is dropped.
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  const out = new Float32Array(n * c * ho * wo);
  const src = x.data;
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < ho; oy++) {
      const top = (plane * h + 2 * oy) * w;
      const bottom = top + w;
      const o = (plane * ho + oy) * wo;
      for (let ox = 0; ox < wo; ox++) {
        const l = 2 * ox;
        out[o + ox] = (src[top + l] + src[top + l + 1] + src[bottom + l] + src[bottom + l + 1]) / 4;
      }
    }
  }
  return Tensor.from(out, [n, c, ho, wo]);
}
