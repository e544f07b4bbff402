// Pieces several schedulers share: Diffusers' timestep spacings, dynamic thresholding and the
// index bookkeeping of the sigma-based schedulers.
import { arange, linspace, roundHalfEven } from "../math/compat/numpy-f64.js";
import { clamp, type F32, f32 } from "./tensor-ops.js";

/**
 * Integer timesteps of the DDPM family (np.int64), descending.
 * `extra` = 1 for the multistep solvers, which space n + 1 points and drop the last.
 */
export function spacedTimesteps(
  spacing: string,
  numTrain: number,
  n: number,
  stepsOffset: number,
  options: { extra?: number; lastTimestep?: number } = {},
): number[] {
  const extra = options.extra ?? 0;
  const last = options.lastTimestep ?? numTrain;
  if (spacing === "linspace") {
    const v = Array.from(linspace(0, last - 1, n + extra), roundHalfEven).reverse();
    return extra ? v.slice(0, v.length - extra) : v;
  }
  if (spacing === "leading") {
    const ratio = Math.floor(last / (n + extra));
    const v: number[] = [];
    for (let i = 0; i < n + extra; i++) v.push(roundHalfEven(i * ratio));
    v.reverse();
    const kept = extra ? v.slice(0, v.length - extra) : v;
    return kept.map((t) => t + stepsOffset);
  }
  if (spacing === "trailing") {
    const ratio = numTrain / n;
    return Array.from(arange(last, 0, -ratio), (t) => roundHalfEven(t) - 1);
  }
  throw new Error(`timestep_spacing ${JSON.stringify(spacing)} is not one of "linspace", "leading", "trailing"`);
}

/**
 * Float timesteps of the sigma schedulers (np.float32 before interpolation), descending:
 * linspace is computed in float64 and rounded to float32 once.
 */
export function spacedTimestepsF32(spacing: string, numTrain: number, n: number, stepsOffset: number): number[] {
  if (spacing === "linspace") return Array.from(linspace(0, numTrain - 1, n), f32).reverse();
  if (spacing === "leading") {
    const ratio = Math.floor(numTrain / n);
    const v: number[] = [];
    for (let i = 0; i < n; i++) v.push(f32(roundHalfEven(i * ratio)));
    return v.reverse().map((t) => f32(t + stepsOffset));
  }
  if (spacing === "trailing") {
    return Array.from(arange(numTrain, 0, -(numTrain / n)), (t) => f32(f32(roundHalfEven(t)) - 1));
  }
  throw new Error(`timestep_spacing ${JSON.stringify(spacing)} is not one of "linspace", "leading", "trailing"`);
}

/**
 * Dynamic thresholding (Imagen): per batch item, s = quantile(|x|, ratio) clamped to [1, maxValue], then
 * x = clamp(x, -s, s) / s. The quantile follows torch.quantile's float32 "linear" interpolation.
 */
export function thresholdSample(x: F32, shape: readonly number[], ratio: number, maxValue: number): F32 {
  const batch = shape[0] ?? 1;
  const per = batch > 0 ? x.length / batch : 0;
  const out = new Float32Array(x.length);
  for (let b = 0; b < batch; b++) {
    const row = x.subarray(b * per, (b + 1) * per);
    const sorted = Float32Array.from(row, Math.abs).sort();
    let s: number;
    if (sorted.some(Number.isNaN)) {
      s = Number.NaN;
    } else {
      const rank = f32(f32(ratio) * (per - 1));
      const below = Math.trunc(rank);
      const above = Math.ceil(rank);
      const w = f32(rank - below);
      const lo = sorted[below];
      const hi = sorted[above];
      const diff = f32(hi - lo);
      s = Math.abs(w) < 0.5 ? f32(lo + f32(w * diff)) : f32(hi - f32(diff * f32(1 - w)));
    }
    s = Math.max(s, 1);
    s = Math.min(s, f32(maxValue));
    const clipped = clamp(row, -s, s);
    for (let i = 0; i < per; i++) out[b * per + i] = clipped[i] / s;
  }
  return out;
}

/**
 * Index of `timestep` in `timesteps` as Diffusers' index_for_timestep finds it: the second match when
 * there are several (so a run that starts mid-schedule does not skip a sigma), else the first.
 */
export function indexForTimestep(timesteps: readonly number[], timestep: number, ifMissing?: number): number {
  const hits: number[] = [];
  for (let i = 0; i < timesteps.length && hits.length < 2; i++) if (timesteps[i] === timestep) hits.push(i);
  if (hits.length === 0) {
    if (ifMissing !== undefined) return ifMissing;
    throw new RangeError(`timestep ${timestep} is not one of the scheduler's timesteps [${timesteps.join(", ")}]`);
  }
  return hits.length > 1 ? hits[1] : hits[0];
}

/** A run's sigma table: its sigmas rounded to float32, then the final sigma (0 or sigma_min). */
export function withFinalSigma(sigmas: ArrayLike<number>, last: number): Float32Array {
  const all = new Float32Array(sigmas.length + 1);
  all.set(Array.from(sigmas));
  all[sigmas.length] = last;
  return all;
}
