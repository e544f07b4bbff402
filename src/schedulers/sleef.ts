// PyTorch 1.13's CPU float32 exp / log / expm1 are SLEEF's vector kernels (Sleef_expf8_u10,
// Sleef_logf8_u10, Sleef_expm1f8_u10 of SLEEF 3.5, AVX2 with FMA) even for a 0-dim tensor, and they differ
// from the correctly rounded result in the last bit for a few percent of inputs. The schedulers' float32
// scalar math (DPM-Solver's and UniPC's lambdas and exponentials) goes through these functions, so they are
// re-implemented here operation for operation: float32 arithmetic with SLEEF's fused multiply-adds and
// double-float (pair of float32) steps. Only IEEE-exact operations are used.
import { fmaF32 } from "./tables.js";

const f32 = Math.fround;
const fma = fmaF32;

const R_LN2F = f32(Math.LOG2E);
const L2UF = f32(0.693145751953125);
const L2LF = f32(1.428606765330187e-6);

const fbuf = new Float32Array(1);
const ibuf = new Int32Array(fbuf.buffer);

function bitsOf(x: number): number {
  fbuf[0] = x;
  return ibuf[0];
}

function fromBits(b: number): number {
  ibuf[0] = b | 0;
  return fbuf[0];
}

/** Round to nearest, ties to even (cvtps2dq with the default rounding mode). */
function rint(x: number): number {
  const fl = Math.floor(x);
  const d = x - fl;
  if (d > 0.5) return fl + 1;
  if (d < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

const pow2i = (q: number): number => fromBits((q + 0x7f) << 23);
/** vldexp2: two float32 multiplications by powers of two. */
const ldexp2 = (d: number, e: number): number => f32(f32(d * pow2i(e >> 1)) * pow2i(e - (e >> 1)));
/** vldexp3: adds to the exponent field directly. */
const ldexp3 = (d: number, q: number): number => fromBits(bitsOf(d) + (q << 23));
const ilogb2k = (d: number): number => ((bitsOf(d) >>> 23) & 0xff) - 0x7f;

type DF = [number, number];

// Double-float helpers of SLEEF's df.h (FMA variants).
const dfadd2_ff = (x: number, y: number): DF => {
  const s = f32(x + y);
  const v = f32(s - x);
  return [s, f32(f32(x - f32(s - v)) + f32(y - v))];
};
const dfadd2_df_f = (x: DF, y: number): DF => {
  const s = f32(x[0] + y);
  const v = f32(s - x[0]);
  const t = f32(f32(x[0] - f32(s - v)) + f32(y - v));
  return [s, f32(t + x[1])];
};
const dfadd2_df_df = (x: DF, y: DF): DF => {
  const s = f32(x[0] + y[0]);
  const v = f32(s - x[0]);
  const t = f32(f32(x[0] - f32(s - v)) + f32(y[0] - v));
  return [s, f32(t + f32(x[1] + y[1]))];
};
const dfadd_f_df = (x: number, y: DF): DF => {
  const s = f32(x + y[0]);
  return [s, f32(f32(f32(x - s) + y[0]) + y[1])];
};
const dfadd_df_df = (x: DF, y: DF): DF => {
  const s = f32(x[0] + y[0]);
  return [s, f32(f32(f32(f32(x[0] - s) + y[0]) + x[1]) + y[1])];
};
const dfadd_df_f = (x: DF, y: number): DF => {
  const s = f32(x[0] + y);
  return [s, f32(f32(f32(x[0] - s) + y) + x[1])];
};
const dfmul_df_f = (x: DF, y: number): DF => {
  const s = f32(x[0] * y);
  return [s, fma(x[1], y, fma(x[0], y, -s))];
};
const dfmul_df_df = (x: DF, y: DF): DF => {
  const s = f32(x[0] * y[0]);
  return [s, fma(x[0], y[1], fma(x[1], y[0], fma(x[0], y[0], -s)))];
};
const dfsqu = (x: DF): DF => {
  const s = f32(x[0] * x[0]);
  return [s, fma(f32(x[0] + x[0]), x[1], fma(x[0], x[0], -s))];
};
const dfdiv = (n: DF, d: DF): DF => {
  const t = f32(1 / d[0]);
  const s = f32(n[0] * t);
  const u = fma(t, n[0], -s);
  const v = fma(-d[1], t, fma(-d[0], t, 1));
  return [s, fma(s, v, fma(n[1], t, u))];
};

/** Sleef_expf_u10 (xexpf). */
export function sleefExpf(x: number): number {
  const d = f32(x);
  if (Number.isNaN(d)) return d;
  const q = rint(f32(d * R_LN2F));
  let s = fma(q, -L2UF, d);
  s = fma(q, -L2LF, s);
  let u = f32(0.00019852761761285365);
  u = fma(u, s, f32(0.0013930435525253415));
  u = fma(u, s, f32(0.008333360776305199));
  u = fma(u, s, f32(0.041666485369205475));
  u = fma(u, s, f32(0.1666666716337204));
  u = fma(u, s, 0.5);
  u = f32(1 + fma(f32(s * s), u, s));
  u = ldexp2(u, q);
  if (d < -104) u = 0;
  if (d > 100) u = Number.POSITIVE_INFINITY;
  return u;
}

/** Sleef_logf_u10 (xlogf_u1), non-AVX512 path. */
export function sleefLogf(x: number): number {
  let d = f32(x);
  const tiny = d < 1.1754943508222875e-38;
  if (tiny) d = f32(d * 4294967296 * 4294967296); // 2^64
  let e = ilogb2k(f32(d * f32(1 / 0.75)));
  const m = ldexp3(d, -e);
  if (tiny) e -= 64;
  let s = dfmul_df_f([f32(0.6931471824645996), f32(-1.904654323148236e-9)], e);
  const xx = dfdiv(dfadd2_ff(-1, m), dfadd2_ff(1, m));
  const x2 = f32(xx[0] * xx[0]);
  let t = f32(0.3027294874);
  t = fma(t, x2, f32(0.3996108174));
  t = fma(t, x2, f32(0.666669488));
  s = dfadd_df_df(s, [f32(xx[0] * 2), f32(xx[1] * 2)]);
  s = dfadd_df_f(s, f32(f32(x2 * xx[0]) * t));
  let r = f32(s[0] + s[1]);
  if (d === Number.POSITIVE_INFINITY) r = Number.POSITIVE_INFINITY;
  if (d < 0 || Number.isNaN(d)) r = Number.NaN;
  if (d === 0) r = Number.NEGATIVE_INFINITY;
  return r;
}

function expk2f(d: DF): DF {
  const q = rint(f32(f32(d[0] + d[1]) * R_LN2F));
  let s = dfadd2_df_f(d, f32(q * -L2UF));
  s = dfadd2_df_f(s, f32(q * -L2LF));
  let u = f32(0.1980960224e-3);
  u = fma(u, s[0], f32(0.1394256484e-2));
  u = fma(u, s[0], f32(0.8333456703e-2));
  u = fma(u, s[0], f32(0.4166637361e-1));
  let t = dfadd2_df_f(dfmul_df_f(s, u), f32(0.16666665941423425));
  t = dfadd2_df_f(dfmul_df_df(s, t), 0.5);
  t = dfadd2_df_df(s, dfmul_df_df(dfsqu(s), t));
  t = dfadd_f_df(1, t);
  t = [ldexp2(t[0], q), ldexp2(t[1], q)];
  if (d[0] < -104) t = [0, 0];
  return t;
}

/** Sleef_expm1f_u10 (xexpm1f). */
export function sleefExpm1f(x: number): number {
  const a = f32(x);
  if (Number.isNaN(a)) return a;
  const d = dfadd2_df_f(expk2f([a, 0]), -1);
  let r = f32(d[0] + d[1]);
  if (a > 88.72283172607422) r = Number.POSITIVE_INFINITY;
  if (a < -16.635532333438686) r = -1;
  if (Object.is(a, -0)) r = -0;
  return r;
}
