// Activations, NUMERICS.md §R6: each is evaluated in float64 with src/math's functions (never Math.exp &
// co.) and rounded once to float32. The float64 formulas, exactly as evaluated (left to right):
//   silu(x)      = x / (1 + exp(−x))
//   gelu(x)      = (0.5·x) · (1 + erf(x · SQRT1_2))
//   geluTanh(x)  = (0.5·x) · (1 + tanh(SQRT_2_OVER_PI · (x + 0.044715 · ((x·x)·x))))
//   quickGelu(x) = x / (1 + exp(−1.702·x))
//   geglu(a, b)  = f32(a · f32(gelu(b)))
import { erf } from "../../math/erf.js";
import { exp } from "../../math/exp.js";
import { tanh } from "../../math/tanh.js";
import { Tensor } from "../../tensor/tensor.js";
import type { F32 } from "../backend.js";
import { expectF32, formatShape } from "./check.js";

const SQRT1_2 = Math.SQRT1_2; // √½ rounded to float64 (a constant, not a computation)
const SQRT_2_OVER_PI = 0.7978845608028654; // √(2/π) rounded to float64

export function siluScalar(x: number): number {
  return x / (1 + exp(-x));
}

export function geluScalar(x: number): number {
  return 0.5 * x * (1 + erf(x * SQRT1_2));
}

export function geluTanhScalar(x: number): number {
  return 0.5 * x * (1 + tanh(SQRT_2_OVER_PI * (x + 0.044715 * (x * x * x))));
}

export function quickGeluScalar(x: number): number {
  return x / (1 + exp(-1.702 * x));
}

function map(op: string, xIn: F32, fn: (x: number) => number): F32 {
  const x = expectF32(op, "x", xIn);
  const src = x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = fn(src[i]);
  return Tensor.from(out, x.shape);
}

export const silu = (x: F32): F32 => map("silu", x, siluScalar);
export const gelu = (x: F32): F32 => map("gelu", x, geluScalar);
export const geluTanh = (x: F32): F32 => map("geluTanh", x, geluTanhScalar);
export const quickGelu = (x: F32): F32 => map("quickGelu", x, quickGeluScalar);

export function geglu(xIn: F32): F32 {
  const x = expectF32("geglu", "x", xIn);
  const last = x.shape.length === 0 ? 0 : x.shape[x.shape.length - 1];
  if (x.shape.length === 0 || last % 2 !== 0) {
    throw new RangeError(`geglu: the last dimension of x ${formatShape(x.shape)} must be even (value and gate halves)`);
  }
  const half = last / 2;
  const rows = last === 0 ? 0 : x.size / last;
  const src = x.data;
  const out = new Float32Array(rows * half);
  for (let r = 0; r < rows; r++) {
    const base = r * last;
    for (let j = 0; j < half; j++) out[r * half + j] = src[base + j] * Math.fround(geluScalar(src[base + half + j]));
  }
  return Tensor.from(out, [...x.shape.slice(0, -1), half]);
}
