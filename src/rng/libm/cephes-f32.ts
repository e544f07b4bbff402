/**
 * float32 Box–Muller on blocks of 16, bit-identical to PyTorch's AVX2 `normal_fill_16_AVX2`.
 *
 * That kernel evaluates log and sin/cos with the Cephes-derived polynomials of avx_mathfun
 * (`log256_ps`, `sincos256_ps`) in float32, and the GCC build of the Linux wheels fuses a fixed set
 * of its multiply/adds into FMA. Every step below is one float32 operation (`Math.fround` after
 * each double op, exact for a single +,-,*,sqrt of floats) or one fused step (`fma32`), in the order
 * and with the fusion that reproduce the compiled kernel; see /work/shared/golden/rng/README.md.
 */
import { fma32 } from "./fma32.js";

const fround = Math.fround;

const SQRTHF = fround(Math.SQRT1_2);
const LOG_P0 = fround(7.0376836292e-2);
const LOG_P1 = fround(-1.151461031e-1);
const LOG_P2 = fround(1.167699874e-1);
const LOG_P3 = fround(-1.2420140846e-1);
const LOG_P4 = fround(1.4249322787e-1);
const LOG_P5 = fround(-1.6668057665e-1);
const LOG_P6 = fround(2.0000714765e-1);
const LOG_P7 = fround(-2.4999993993e-1);
const LOG_P8 = fround(3.3333331174e-1);
const LOG_Q1 = fround(-2.1219444e-4);
const LOG_Q2 = fround(0.693359375);

const FOPI = fround(1.27323954473516);
const MINUS_DP1 = fround(-0.78515625);
const MINUS_DP2 = fround(-0.00024187564849853516);
const MINUS_DP3 = fround(-3.774894977445941e-8);
const COS_P0 = fround(2.443315711809948e-5);
const COS_P1 = fround(-1.388731625493765e-3);
const COS_P2 = fround(4.166664568298827e-2);
const SIN_P0 = fround(-1.9515295891e-4);
const SIN_P1 = fround(8.3321608736e-3);
const SIN_P2 = fround(-1.6666654611e-1);

/** float32(2π), the constant the AVX2 kernel multiplies the angle uniform by. */
const TWO_PI_F32 = fround(2 * Math.PI);

// Bit access for the exponent/mantissa split of log.
const f32Box = new Float32Array(1);
const u32Box = new Uint32Array(f32Box.buffer);

/**
 * Cephes `logf` as in `log256_ps`, for the kernel's inputs `1 - u`, which are normal floats in
 * [2^-24, 1] (so the NaN / denormal branches of the vector code never apply).
 */
export function cephesLogf(x: number): number {
  f32Box[0] = x;
  const bits = u32Box[0];
  let e = fround((bits >>> 23) - 127) + 1;
  u32Box[0] = (bits & 0x807fffff) | 0x3f000000;
  const m = f32Box[0];
  let xx: number;
  if (m < SQRTHF) {
    e -= 1;
    xx = m - 1 + m; // 2m - 1: exact in float32
  } else {
    xx = m - 1; // exact (Sterbenz)
  }
  const z = fround(xx * xx);
  let y = fma32(LOG_P0, xx, LOG_P1);
  y = fma32(y, xx, LOG_P2);
  y = fma32(y, xx, LOG_P3);
  y = fma32(y, xx, LOG_P4);
  y = fma32(y, xx, LOG_P5);
  y = fma32(y, xx, LOG_P6);
  y = fma32(y, xx, LOG_P7);
  y = fma32(y, xx, LOG_P8);
  y = fround(y * xx);
  y = fma32(y, z, fround(e * LOG_Q1));
  y = fma32(z, -0.5, y);
  xx = fround(xx + y);
  return fma32(e, LOG_Q2, xx);
}

/**
 * Writes sin(x) to `out[0]` and cos(x) to `out[1]`, Cephes `sincosf` as in `sincos256_ps` (the
 * kernel's arguments are 2π·u, i.e. in [0, 2π)).
 */
export function cephesSincosf(x: number, out: Float64Array): void {
  const negative = x < 0;
  const ax = Math.abs(x);
  let j = Math.trunc(fround(ax * FOPI));
  j = (j + 1) & ~1;
  const y = j; // small integer: exact in float32
  let xr = fma32(y, MINUS_DP1, ax);
  xr = fma32(y, MINUS_DP2, xr);
  xr = fma32(y, MINUS_DP3, xr);
  const z = fround(xr * xr);

  let yc = fma32(COS_P0, z, COS_P1);
  yc = fma32(yc, z, COS_P2);
  yc = fround(yc * z);
  yc = fma32(yc, z, -fround(z * 0.5));
  yc = fround(yc + 1);

  let ys = fma32(SIN_P0, z, SIN_P1);
  ys = fma32(ys, z, SIN_P2);
  ys = fround(ys * z);
  ys = fma32(ys, xr, xr);

  let s: number;
  let c: number;
  if ((j & 2) === 0) {
    s = ys;
    c = yc;
  } else {
    s = yc;
    c = ys;
  }
  if (((j & 4) !== 0) !== negative) s = -s;
  if (((j - 2) & 4) === 0) c = -c;
  out[0] = s;
  out[1] = c;
}

const sincosOut = new Float64Array(2);

/**
 * In-place Box–Muller of `data[i .. i+16)` holding float32 uniforms: the first 8 give the radius
 * (from 1 - u), the second 8 the angle; cos fills the first half and sin the second.
 */
export function normalFill16F32(data: Float32Array, i: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = fround(1 - data[i + j]);
    const u2 = data[i + j + 8];
    const radius = fround(Math.sqrt(fround(-2 * cephesLogf(u1))));
    const theta = fround(TWO_PI_F32 * u2);
    cephesSincosf(theta, sincosOut);
    data[i + j] = radius * sincosOut[1];
    data[i + j + 8] = radius * sincosOut[0];
  }
}
