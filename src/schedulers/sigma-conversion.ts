// Diffusers' sigma <-> timestep conversions and the Karras schedule, with NumPy's and torch's rounding.
import { glibcLog } from "../math/compat/glibc-log.js";
import { linspace } from "../math/compat/numpy-f64.js";
import { pow } from "../math/index.js";

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
