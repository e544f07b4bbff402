/**
 * float32 Box–Muller on blocks of 16, bit-identical to PyTorch's AVX2 `normal_fill_16_AVX2`.
 *
 * That kernel evaluates log and sin/cos with the Cephes-derived polynomials of avx_mathfun
 * (`log256_ps`, `sincos256_ps`) in float32, and the GCC build of the Linux wheels fuses a fixed set
 * of its multiply/adds into FMA. Every step below is one float32 operation (`Math.fround` after
 * each double op, exact for a single +,-,*,sqrt of floats) or one fused step (`fmaF32`), in the order
 * and with the fusion that reproduce the compiled kernel (found empirically against torch 1.13.1's
 * output; the fixtures in test/fixtures/rng pin it down).
 */
import { fmaF32 } from "./fma.js";

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
  let y = fmaF32(LOG_P0, xx, LOG_P1);
  y = fmaF32(y, xx, LOG_P2);
  y = fmaF32(y, xx, LOG_P3);
  y = fmaF32(y, xx, LOG_P4);
  y = fmaF32(y, xx, LOG_P5);
  y = fmaF32(y, xx, LOG_P6);
  y = fmaF32(y, xx, LOG_P7);
  y = fmaF32(y, xx, LOG_P8);
  y = fround(y * xx);
  y = fmaF32(y, z, fround(e * LOG_Q1));
  y = fmaF32(z, -0.5, y);
  xx = fround(xx + y);
  return fmaF32(e, LOG_Q2, xx);
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
  let xr = fmaF32(y, MINUS_DP1, ax);
  xr = fmaF32(y, MINUS_DP2, xr);
  xr = fmaF32(y, MINUS_DP3, xr);
  const z = fround(xr * xr);

  let yc = fmaF32(COS_P0, z, COS_P1);
  yc = fmaF32(yc, z, COS_P2);
  yc = fround(yc * z);
  yc = fmaF32(yc, z, -fround(z * 0.5));
  yc = fround(yc + 1);

  let ys = fmaF32(SIN_P0, z, SIN_P1);
  ys = fmaF32(ys, z, SIN_P2);
  ys = fround(ys * z);
  ys = fmaF32(ys, xr, xr);

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

/**
 * In-place Box–Muller of every full block of 16 in `data[start .. end)` holding float32 uniforms:
 * in each block the first 8 give the radius (from 1 - u), the second 8 the angle; cos fills the
 * first half and sin the second.
 *
 * The arithmetic of `cephesLogf` / `cephesSincosf` inlined by hand (engines do not inline two dozen
 * calls per value, and a call returning a double allocates), with each fused step written as
 * `fround(a*b + c)`. That form can in general round twice (see `fmaF32`), but the kernel's inputs
 * are only 2^24 possible values each (1 - u and float32(2π)·u for u = k·2^-24), and an exhaustive
 * run over all of them found no input where it differs from the exact fused step;
 * test/rng/cephes.test.ts repeats that comparison (sampled by default, all 2^24 with
 * RNG_EXHAUSTIVE=1).
 */
export function normalFillBlocksF32(data: Float32Array, start: number, end: number): void {
  for (let i = start; i + 16 <= end; i += 16) {
    for (let j = i; j < i + 8; j++) {
      // ---- log(1 - u) ----
      f32Box[0] = 1 - data[j]; // exact: u has 24 bits and 1 - u >= 2^-24
      const bits = u32Box[0];
      let e = ((bits >>> 23) - 127 + 1) | 0;
      u32Box[0] = (bits & 0x807fffff) | 0x3f000000;
      const m = f32Box[0];
      let x: number;
      if (m < SQRTHF) {
        e -= 1;
        x = m - 1 + m;
      } else {
        x = m - 1;
      }
      const z = fround(x * x);
      let y = LOG_P0;
      y = fround(y * x + LOG_P1);
      y = fround(y * x + LOG_P2);
      y = fround(y * x + LOG_P3);
      y = fround(y * x + LOG_P4);
      y = fround(y * x + LOG_P5);
      y = fround(y * x + LOG_P6);
      y = fround(y * x + LOG_P7);
      y = fround(y * x + LOG_P8);
      y = fround(y * x);
      const eq1 = fround(e * LOG_Q1);
      y = fround(y * z + eq1);
      y = fround(z * -0.5 + y);
      x = fround(x + y);
      const logU1 = fround(e * LOG_Q2 + x);
      const radius = fround(Math.sqrt(-2 * logU1)); // -2·log is exact in float32

      // ---- sin/cos(2π·u2), θ >= 0 ----
      const theta = fround(TWO_PI_F32 * data[j + 8]);
      let q = Math.trunc(fround(theta * FOPI));
      q = (q + 1) & ~1;
      let xr = theta;
      xr = fround(q * MINUS_DP1 + xr);
      xr = fround(q * MINUS_DP2 + xr);
      xr = fround(q * MINUS_DP3 + xr);
      const zz = fround(xr * xr);
      let yc = COS_P0;
      yc = fround(yc * zz + COS_P1);
      yc = fround(yc * zz + COS_P2);
      yc = fround(yc * zz);
      const halfZ = -fround(zz * 0.5);
      yc = fround(yc * zz + halfZ);
      yc = fround(yc + 1);
      let ys = SIN_P0;
      ys = fround(ys * zz + SIN_P1);
      ys = fround(ys * zz + SIN_P2);
      ys = fround(ys * zz);
      ys = fround(ys * xr + xr);

      let sin: number;
      let cos: number;
      if ((q & 2) === 0) {
        sin = ys;
        cos = yc;
      } else {
        sin = yc;
        cos = ys;
      }
      if ((q & 4) !== 0) sin = -sin;
      if (((q - 2) & 4) === 0) cos = -cos;
      data[j] = radius * cos;
      data[j + 8] = radius * sin;
    }
  }
}

const sincosOut = new Float64Array(2);

/**
 * Reference form of one block of `normalFillBlocksF32`, written with the separate log and sincos
 * functions; tests check that both agree.
 */
export function normalFill16F32Reference(data: Float32Array, i: number): void {
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
