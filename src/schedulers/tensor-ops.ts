// Float32 elementwise arithmetic with torch's CPU rounding points: every operation rounds its result to
// float32 once, a JS number used as a scalar operand is rounded to float32 first (torch casts a Python float
// to the tensor's dtype), and no operation is fused. Float64 computes each +, -, *, / and sqrt of two float32
// values exactly enough that one Math.fround gives the correctly rounded float32 result.
import { Tensor } from "../tensor/index.js";

export const f32 = Math.fround;

export type F32 = Float32Array;

/** Float32 data of a tensor; other dtypes are refused so that a scheduler never silently widens or narrows. */
export function dataOf(t: Tensor, what: string): Float32Array {
  if (t.dtype !== "float32") throw new TypeError(`${what} must be a float32 Tensor, got ${t.dtype}`);
  return t.data as Float32Array;
}

export function wrap(data: Float32Array, shape: readonly number[]): Tensor<"float32"> {
  return Tensor.from(data, shape);
}

export function sameLength(a: F32, b: F32, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: tensors hold ${a.length} and ${b.length} elements`);
}

// Scalar float32 operations (a 0-dim float32 tensor in torch).
export const fadd = (a: number, b: number): number => f32(f32(a) + f32(b));
export const fsub = (a: number, b: number): number => f32(f32(a) - f32(b));
export const fmul = (a: number, b: number): number => f32(f32(a) * f32(b));
export const fdiv = (a: number, b: number): number => f32(f32(a) / f32(b));
export const fsqrt = (a: number): number => f32(Math.sqrt(f32(a)));

/** x * s (tensor times scalar). */
export function scale(x: F32, s: number): F32 {
  const c = f32(s);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * c;
  return out;
}

/** x / s (tensor divided by scalar): a true division, as torch's div kernel does for float32. */
export function divScalar(x: F32, s: number): F32 {
  const c = f32(s);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] / c;
  return out;
}

export function add(a: F32, b: F32): F32 {
  sameLength(a, b, "add");
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

export function sub(a: F32, b: F32): F32 {
  sameLength(a, b, "sub");
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

export function mul(a: F32, b: F32): F32 {
  sameLength(a, b, "mul");
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i];
  return out;
}

export function div(a: F32, b: F32): F32 {
  sameLength(a, b, "div");
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / b[i];
  return out;
}

/** Scalar plus tensor (`s + x`). */
export function addScalar(x: F32, s: number): F32 {
  const c = f32(s);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + c;
  return out;
}

/** torch.clamp(x, lo, hi) with float32 bounds; NaN stays NaN. */
export function clamp(x: F32, lo: number, hi: number): F32 {
  const l = f32(lo);
  const h = f32(hi);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v < l ? l : Math.min(v, h);
  }
  return out;
}

/** a*x + b*y with torch's rounding: f32(f32(a*x) + f32(b*y)). */
export function axpby(a: number, x: F32, b: number, y: F32): F32 {
  sameLength(x, y, "axpby");
  const ca = f32(a);
  const cb = f32(b);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f32(x[i] * ca) + f32(y[i] * cb);
  return out;
}

/** a*x - b*y with torch's rounding. */
export function axmby(a: number, x: F32, b: number, y: F32): F32 {
  sameLength(x, y, "axmby");
  const ca = f32(a);
  const cb = f32(b);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f32(x[i] * ca) - f32(y[i] * cb);
  return out;
}
