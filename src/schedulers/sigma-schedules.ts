// The sigma schedules of the sigma-space schedulers as Diffusers builds them: the training sigmas interpolated
// at the run's timesteps, or the Karras / exponential alternatives with the fractional training timesteps that
// match them (sigma -> t), each with NumPy's and torch's rounding.
import { glibcLog } from "../math/compat/glibc-log.js";
import { interp, linspace } from "../math/compat/numpy-f64.js";
import { sleefExpf } from "../math/compat/sleef-f32.js";
import { torchLinspaceF32 } from "../math/compat/torch-f32.js";
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

/** Builds the per-run float64 sigmas of the Euler-family schedulers before the final sigma is appended. */
export function interpolatedSigmas(alphaSigmas: Float32Array, timesteps: readonly number[]): Float64Array {
  const xp = Float64Array.from(alphaSigmas, (_, i) => i);
  return interp(timesteps, xp, alphaSigmas);
}

/**
 * Diffusers' _convert_to_exponential: torch.linspace(log(sigma_max), log(sigma_min), n).exp() in float32
 * (Python's float64 log, torch's float32 linspace and SLEEF exp).
 */
export function exponentialSigmas(sigmaMin: number, sigmaMax: number, num: number): Float32Array {
  return torchLinspaceF32(glibcLog(sigmaMax), glibcLog(sigmaMin), num).map(sleefExpf);
}

/** The optional sigma bounds of a config (Diffusers reads them with hasattr, so swapped-in keys count). */
export function configBound(config: Readonly<Record<string, unknown>>, key: "sigma_min" | "sigma_max"): number | null {
  const v = config[key];
  return typeof v === "number" ? v : null;
}

/** Diffusers refuses more than one of the sigma-schedule switches. */
export function checkSigmaSwitches(className: string, config: Readonly<Record<string, unknown>>): void {
  const on = ["use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"].filter((k) => config[k] === true);
  if (on.length > 1) throw new RangeError(`${className}: only one of ${on.join(", ")} can be true`);
}

export interface SigmaRun {
  sigmas: ArrayLike<number>;
  timesteps: number[];
  /** Karras or exponential sigmas were used (upstream's timesteps are then float64 `_sigma_to_t` values). */
  converted: boolean;
}

/**
 * Applies the config's use_karras_sigmas / use_exponential_sigmas to a run's sigmas: the new sigmas span the
 * same range (or the config's sigma_min / sigma_max where the scheduler reads them) and the timesteps become
 * their fractional training timesteps. `karrasBounds` says whether Karras reads the config bounds too, which
 * differs between upstream's schedulers.
 */
export function alternativeSigmas(
  config: Readonly<Record<string, unknown>>,
  run: { sigmas: ArrayLike<number>; timesteps: number[] },
  logSigmas: ArrayLike<number>,
  numInferenceSteps: number,
  karrasBounds: "config" | "run",
): SigmaRun {
  const { sigmas, timesteps } = run;
  const runMin = sigmas[sigmas.length - 1];
  const runMax = sigmas[0];
  if (config.use_karras_sigmas) {
    const sMin = karrasBounds === "config" ? (configBound(config, "sigma_min") ?? runMin) : runMin;
    const sMax = karrasBounds === "config" ? (configBound(config, "sigma_max") ?? runMax) : runMax;
    const karras = karrasSigmas(sMin, sMax, numInferenceSteps);
    return { sigmas: karras, timesteps: Array.from(karras, (s) => sigmaToT(s, logSigmas)), converted: true };
  }
  if (config.use_exponential_sigmas) {
    const sMin = configBound(config, "sigma_min") ?? runMin;
    const sMax = configBound(config, "sigma_max") ?? runMax;
    const exponential = exponentialSigmas(sMin, sMax, numInferenceSteps);
    return {
      sigmas: exponential,
      timesteps: Array.from(exponential, (s) => sigmaToTFromTensor(s, logSigmas)),
      converted: true,
    };
  }
  return { sigmas, timesteps, converted: false };
}
