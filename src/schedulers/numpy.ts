// The few NumPy routines Diffusers' schedulers use to build timesteps and sigmas, reproduced with NumPy's own
// float64 evaluation order (numpy 1.24) so that the results agree to the last bit.
import { log, pow } from "../math/index.js";

/** np.rint / np.round(x): round half to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const fl = Math.floor(x);
  const frac = x - fl; // exact for every double
  if (frac > 0.5) return fl + 1;
  if (frac < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
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

/** Float32 log of a float32 array (np.log on a float32 array), one rounding. */
export function logF32(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.fround(log(values[i]));
  return out;
}

/**
 * Diffusers' `_sigma_to_t`: the fractional training timestep whose log-sigma matches, by linear interpolation
 * in log space between the neighbouring table entries (float64, with float32 table values).
 */
export function sigmaToT(sigma: number, logSigmas: ArrayLike<number>): number {
  const logSigma = log(Math.max(sigma, 1e-10));
  const n = logSigmas.length;
  // argmax of cumsum(dists >= 0): the last index whose entry is <= logSigma (0 when there is none).
  let count = 0;
  let best = 0;
  let lowIdx = 0;
  for (let i = 0; i < n; i++) {
    if (logSigma - logSigmas[i] >= 0) count++;
    if (count > best) {
      best = count;
      lowIdx = i;
    }
  }
  lowIdx = Math.min(lowIdx, n - 2);
  const highIdx = lowIdx + 1;
  const low = logSigmas[lowIdx];
  const high = logSigmas[highIdx];
  let w = (low - logSigma) / (low - high);
  w = w < 0 ? 0 : w > 1 ? 1 : w;
  return (1 - w) * lowIdx + w * highIdx;
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
