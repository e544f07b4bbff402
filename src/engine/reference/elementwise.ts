// Elementwise arithmetic, NUMERICS.md §R7: f32(a op b) with NumPy broadcasting; affine rounds x·scale,
// then adds the float32 offset. (An f64 operation on two float32 values followed by Math.fround equals
// the float32 operation: binary64 has more than 2·24 + 2 bits, so the double rounding is innocuous.)
import { Tensor } from "../../tensor/tensor.js";
import type { F32 } from "../backend.js";
import { expectF32, expectFiniteNumber, formatShape } from "./check.js";

const fround = Math.fround;

/** NumPy broadcast of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Element strides of `shape` seen through the broadcast to `outShape` (0 on broadcast dimensions). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const nd = outShape.length;
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = nd - shape.length + i;
    strides[axis] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const NAMES = ["add", "sub", "mul", "div"];

function binary(kind: number, aIn: F32, bIn: F32): F32 {
  const op = NAMES[kind];
  const a = expectF32(op, "a", aIn);
  const b = expectF32(op, "b", bIn);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const size = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(size);
  if (size === 0) return Tensor.from(out, shape);
  const nd = shape.length;
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const ad = a.data;
  const bd = b.data;
  // Walk the output row by row (last dimension innermost) with an odometer over the outer dimensions.
  const inner = nd === 0 ? 1 : shape[nd - 1];
  const ia = nd === 0 ? 0 : sa[nd - 1];
  const ib = nd === 0 ? 0 : sb[nd - 1];
  const index = new Array<number>(Math.max(nd - 1, 0)).fill(0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < size; o += inner) {
    let pa = offA;
    let pb = offB;
    switch (kind) {
      case ADD:
        for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o + j] = ad[pa] + bd[pb];
        break;
      case SUB:
        for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o + j] = ad[pa] - bd[pb];
        break;
      case MUL:
        for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o + j] = ad[pa] * bd[pb];
        break;
      default:
        for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o + j] = ad[pa] / bd[pb];
    }
    for (let axis = nd - 2; axis >= 0; axis--) {
      index[axis]++;
      offA += sa[axis];
      offB += sb[axis];
      if (index[axis] < shape[axis]) break;
      offA -= sa[axis] * shape[axis];
      offB -= sb[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return Tensor.from(out, shape);
}

export const add = (a: F32, b: F32): F32 => binary(ADD, a, b);
export const sub = (a: F32, b: F32): F32 => binary(SUB, a, b);
export const mul = (a: F32, b: F32): F32 => binary(MUL, a, b);
export const div = (a: F32, b: F32): F32 => binary(DIV, a, b);

export function affine(xIn: F32, scale: number, offset: number): F32 {
  const x = expectF32("affine", "x", xIn);
  const s = fround(expectFiniteNumber("affine", "scale", scale));
  const o = fround(expectFiniteNumber("affine", "offset", offset));
  const src = x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = fround(src[i] * s) + o;
  return Tensor.from(out, x.shape);
}
