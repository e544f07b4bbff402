// The few NumPy routines Diffusers' schedulers use to build timesteps and sigmas, reproduced with NumPy's own
// float64 evaluation order (numpy 1.24) so that the results agree to the last bit.
import { pow } from "../math/index.js";
import { glibcLog } from "../rng/libm/glibc-log.js";
import { fmaF32 } from "./tables.js";

/** np.rint / np.round(x): round half to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const fl = Math.floor(x);
  const frac = x - fl; // exact for every double
  const r = frac > 0.5 ? fl + 1 : frac < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
  return r === 0 && x < 0 ? -0 : r; // rint keeps the sign of a negative input that rounds to zero
}

/** np.linspace(start, stop, num) in float64 (endpoint included). */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    if (step === 0) {
      for (let i = 0; i < num; i++) out[i] = (i / div) * delta + start;
    } else {
      for (let i = 0; i < num; i++) out[i] = i * step + start;
    }
    out[num - 1] = stop;
  } else {
    for (let i = 0; i < num; i++) out[i] = i * delta + start;
  }
  return out;
}

/**
 * np.arange(start, stop, step) for float arguments: NumPy stores `start` and `start + step`, then fills
 * element i with start + i * (second - first), which is not always start + i * step.
 */
export function arange(start: number, stop: number, step: number): Float64Array {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(len);
  if (len === 0) return out;
  out[0] = start;
  if (len === 1) return out;
  const second = start + step;
  out[1] = second;
  const delta = second - start;
  for (let i = 2; i < len; i++) out[i] = start + i * delta;
  return out;
}

/** np.interp(x, xp, fp) with NumPy's float64 formula, including its NaN fallbacks. */
export function interp(x: ArrayLike<number>, xp: ArrayLike<number>, fp: ArrayLike<number>): Float64Array {
  const n = xp.length;
  if (n === 0 || fp.length !== n) throw new RangeError("interp: xp and fp must be non-empty and of equal length");
  const out = new Float64Array(x.length);
  const left = fp[0];
  const right = fp[n - 1];
  for (let i = 0; i < x.length; i++) {
    const xv = x[i];
    if (Number.isNaN(xv)) {
      out[i] = xv;
      continue;
    }
    if (xv > xp[n - 1]) {
      out[i] = right;
      continue;
    }
    if (xv < xp[0]) {
      out[i] = left;
      continue;
    }
    // Largest j with xp[j] <= xv.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (xp[mid] <= xv) lo = mid;
      else hi = mid - 1;
    }
    const j = lo;
    if (j === n - 1 || xp[j] === xv) {
      out[i] = fp[j];
      continue;
    }
    const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (xv - xp[j]) + fp[j];
    if (Number.isNaN(r)) {
      r = slope * (xv - xp[j + 1]) + fp[j + 1];
      if (Number.isNaN(r) && fp[j] === fp[j + 1]) r = fp[j];
    }
    out[i] = r;
  }
  return out;
}

const fbuf = new Float32Array(1);
const ubuf = new Uint32Array(fbuf.buffer);
const NP_LOG_P = [
  0.0, 0.9999999999999999, 2.112677543073053, 1.4800006335765066, 0.3808837741388408, 0.025899791179079226,
].map(Math.fround);
const NP_LOG_Q = [
  1.0, 2.6126775430731093, 2.453006071784736, 0.9864942958519419, 0.15464763749839067, 0.005875095403124574,
].map(Math.fround);
const NP_LOGE2F = Math.fround(Math.LN2);
const NP_SQRT1_2F = Math.fround(Math.SQRT1_2);

/**
 * np.log of one float32 value as NumPy 1.24's AVX2/AVX512F kernel computes it (simd_log_FLOAT: mantissa in
 * [sqrt(1/2), sqrt(2)), a 5/5 rational polynomial in float32 with fused multiply-adds, + k*ln2 fused).
 * Up to 3.83 ulp from the true logarithm, and the same on every machine NumPy runs that kernel on.
 */
export function numpyLogF32(value: number): number {
  const v = Math.fround(value);
  if (Number.isNaN(v)) return v;
  if (v < 0) return Number.NaN;
  if (v === 0) return Number.NEGATIVE_INFINITY;
  if (v === Number.POSITIVE_INFINITY) return v;
  let x = v;
  let expAdjust = 0;
  if (x < 1.1754943508222875e-38) {
    x = Math.fround(x * 1125899906842624 * 1125899906842624); // 2^100
    expAdjust = 100;
  }
  fbuf[0] = x;
  const bits = ubuf[0];
  let exponent = (bits >>> 23) - 0x7e - expAdjust;
  ubuf[0] = (bits & 0x7fffff) | (126 << 23);
  let m = fbuf[0];
  if (m <= NP_SQRT1_2F) {
    m = Math.fround(m + m);
    exponent = exponent - 1;
  }
  const t = Math.fround(m - 1);
  let num = fmaF32(NP_LOG_P[5], t, NP_LOG_P[4]);
  for (let k = 3; k >= 0; k--) num = fmaF32(num, t, NP_LOG_P[k]);
  let den = fmaF32(NP_LOG_Q[5], t, NP_LOG_Q[4]);
  for (let k = 3; k >= 0; k--) den = fmaF32(den, t, NP_LOG_Q[k]);
  const poly = Math.fround(num / den);
  return fmaF32(exponent, NP_LOGE2F, poly);
}

/** np.log of a float32 array (NumPy's own float32 kernel), values widened to float64 for later use. */
export function logF32(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numpyLogF32(values[i]);
  return out;
}

/**
 * Diffusers' `_sigma_to_t`: the fractional training timestep whose log-sigma matches, by linear interpolation
 * in log space between the neighbouring table entries. NumPy 1.24's value-based casting makes most of it
 * float32: the float64 log(sigma) meets the float32 table, so the differences and the weight are float32,
 * and only the final blend with the int64 indices is float64.
 */
export function sigmaToT(sigma: number, logSigmas: ArrayLike<number>): number {
  const logSigma = Math.fround(glibcLog(Math.max(sigma, 1e-10)));
  const lowIdx = lowIndex(logSigma, logSigmas);
  const low = logSigmas[lowIdx];
  const high = logSigmas[lowIdx + 1];
  let w = Math.fround(Math.fround(low - logSigma) / Math.fround(low - high));
  w = w < 0 ? 0 : Math.min(w, 1);
  return Math.fround(1 - w) * lowIdx + w * (lowIdx + 1);
}

/**
 * `_sigma_to_t` when sigma is a 0-dim float32 torch tensor (the exponential schedule): NumPy hands the
 * arithmetic to torch, so log(sigma) stays float64 (NumPy's float64 log: glibc's here; NumPy builds with
 * AVX512 SVML can differ in the last bit, which moves a float64 timestep by ~1e-14), the comparison with
 * the table is float32, and the weight is float64 except for the float32 difference of the table entries.
 */
export function sigmaToTFromTensor(sigma: number, logSigmas: ArrayLike<number>): number {
  const logSigma = glibcLog(Math.max(Math.fround(sigma), 1e-10));
  const lowIdx = lowIndex(Math.fround(logSigma), logSigmas);
  const low = logSigmas[lowIdx];
  const high = logSigmas[lowIdx + 1];
  // low - log_sigma is a torch float64 op; low - high stays a NumPy float32 scalar subtraction.
  let w = (low - logSigma) / Math.fround(low - high);
  w = w < 0 ? 0 : Math.min(w, 1);
  return (1 - w) * lowIdx + w * (lowIdx + 1);
}

/** argmax of cumsum(log_sigma - table >= 0): the last index whose entry is <= logSigma (0 if none), <= n-2. */
function lowIndex(logSigma: number, logSigmas: ArrayLike<number>): number {
  const n = logSigmas.length;
  let lowIdx = 0;
  for (let i = 0; i < n; i++) if (logSigma >= logSigmas[i]) lowIdx = i;
  return Math.min(lowIdx, n - 2);
}

/** Karras et al. (2022) sigma schedule, rho = 7, in float64 as Diffusers evaluates it with NumPy. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, num: number): Float64Array {
  const rho = 7.0;
  const ramp = linspace(0, 1, num);
  const minInvRho = pow(sigmaMin, 1 / rho);
  const maxInvRho = pow(sigmaMax, 1 / rho);
  const out = new Float64Array(num);
  for (let i = 0; i < num; i++) out[i] = pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
  return out;
}
