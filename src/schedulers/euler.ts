// EulerDiscreteScheduler (Karras et al. 2022, algorithm 2), Diffusers v0.31.0 semantics: sigmas built in
// float64 with NumPy's arithmetic then rounded to float32, steps in float32.

import { glibcLog } from "../rng/libm/glibc-log.js";
import type { Tensor } from "../tensor/index.js";
import { spacedTimestepsF32 } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { interp, karrasSigmas, logF32, sigmaToT, sigmaToTFromTensor } from "./numpy.js";
import {
  betaSchedule,
  bool,
  FINAL_SIGMAS_TYPES,
  float,
  int,
  oneOf,
  spacing,
  trainedBetas,
  unsupportedFlag,
} from "./params.js";
import type { StepOptions, StepResult } from "./scheduler.js";
import { SigmaScheduler } from "./sigma-scheduler.js";
import { torchLinspaceF32 } from "./tables.js";
import { dataOf, f32, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";
import { expF32, logF32Scalar } from "./transcendental.js";

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
  return torchLinspaceF32(glibcLog(sigmaMax), glibcLog(sigmaMin), num).map(expF32);
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

export class EulerDiscreteScheduler extends SigmaScheduler {
  static readonly spec: SchedulerSpec = {
    className: "EulerDiscreteScheduler",
    params: {
      num_train_timesteps: int(1000),
      beta_start: float(0.0001),
      beta_end: float(0.02),
      beta_schedule: betaSchedule(),
      trained_betas: trainedBetas,
      prediction_type: oneOf("epsilon", ["epsilon", "v_prediction", "sample", "original_sample"]),
      interpolation_type: oneOf("linear", ["linear", "log_linear"]),
      use_karras_sigmas: bool(false),
      use_exponential_sigmas: bool(false),
      use_beta_sigmas: unsupportedFlag(),
      sigma_min: float(null, true),
      sigma_max: float(null, true),
      timestep_spacing: spacing("linspace"),
      timestep_type: oneOf("discrete", ["discrete", "continuous"]),
      steps_offset: int(0),
      rescale_betas_zero_snr: bool(false),
      final_sigmas_type: oneOf("zero", FINAL_SIGMAS_TYPES),
    },
  };
  readonly order = 1;
  readonly timestepsDtype = "float32" as const;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(EulerDiscreteScheduler.spec, config);
    checkSigmaSwitches(this.className, this.config);
    if (this.config.rescale_betas_zero_snr) this.alphasCumprod[this.alphasCumprod.length - 1] = 1 / 16777216; // 2^-24
    this.resetTrainingSchedule();
  }

  private get continuousV(): boolean {
    return this.config.timestep_type === "continuous" && this.config.prediction_type === "v_prediction";
  }

  /** Upstream's state right after __init__: all training sigmas, timesteps 999..0. */
  private resetTrainingSchedule(): void {
    const n = this.alphasCumprod.length;
    for (let i = 0; i < n; i++) {
      const a = this.alphasCumprod[n - 1 - i];
      this.sigmaTable[i] = fsqrt(f32(1 - a) / a);
    }
    this.timesteps = this.continuousV
      ? Array.from(this.sigmaTable.subarray(0, n), (s) => fmul(0.25, logF32Scalar(s)))
      : Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    const numTrain = c.num_train_timesteps as number;
    this.checkSteps(numInferenceSteps);
    this.numInferenceSteps = numInferenceSteps;
    let timesteps: number[] = spacedTimestepsF32(
      c.timestep_spacing as string,
      numTrain,
      numInferenceSteps,
      c.steps_offset as number,
    );
    const table = new Float32Array(this.alphasCumprod.length);
    for (let i = 0; i < table.length; i++) table[i] = fsqrt(f32(1 - this.alphasCumprod[i]) / this.alphasCumprod[i]);
    const logSigmas = logF32(table);
    let sigmas: ArrayLike<number>;
    if (c.interpolation_type === "linear") {
      sigmas = interpolatedSigmas(table, timesteps);
    } else {
      const lo = logF32(table.subarray(table.length - 1))[0];
      const hi = logF32(table.subarray(0, 1))[0];
      sigmas = Array.from(torchLinspaceF32(lo, hi, numInferenceSteps + 1), (v) => expF32(v));
    }
    if (c.use_karras_sigmas) {
      const sMin = (c.sigma_min as number | null) ?? sigmas[sigmas.length - 1];
      const sMax = (c.sigma_max as number | null) ?? sigmas[0];
      sigmas = karrasSigmas(sMin, sMax, numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => sigmaToT(s, logSigmas));
    } else if (c.use_exponential_sigmas) {
      const sMin = configBound(c, "sigma_min") ?? sigmas[sigmas.length - 1];
      const sMax = configBound(c, "sigma_max") ?? sigmas[0];
      sigmas = exponentialSigmas(sMin, sMax, numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => sigmaToTFromTensor(s, logSigmas));
    }
    const last =
      c.final_sigmas_type === "sigma_min" ? fsqrt(f32(1 - this.alphasCumprod[0]) / this.alphasCumprod[0]) : 0;
    const all = new Float32Array(sigmas.length + 1);
    all.set(Array.from(sigmas));
    all[sigmas.length] = last;
    this.sigmaTable = all;
    this.timesteps = this.continuousV
      ? Array.from(all.subarray(0, all.length - 1), (s) => fmul(0.25, logF32Scalar(s)))
      : timesteps.map(f32);
    this.stepIndexValue = null;
    this.beginIndexValue = null;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): StepResult {
    const mo = dataOf(modelOutput, "modelOutput");
    let x = dataOf(sample, "sample");
    if (mo.length !== x.length) throw new RangeError("EulerDiscreteScheduler.step: modelOutput and sample differ");
    this.initStepIndex(timestep);
    const i = this.stepIndexValue as number;
    const sigma = this.sigmaTable[i];
    const sChurn = options.sChurn ?? 0;
    const sTmin = options.sTmin ?? 0;
    const sTmax = options.sTmax ?? Number.POSITIVE_INFINITY;
    const sNoise = options.sNoise ?? 1;
    const gamma =
      sTmin <= sigma && sigma <= sTmax ? Math.min(sChurn / (this.sigmaTable.length - 1), Math.SQRT2 - 1) : 0;
    const sigmaHat = fmul(sigma, gamma + 1);
    if (gamma > 0) {
      const noise = this.drawNoise(modelOutput.shape, options.generator);
      const k = fsqrt(fsub(fmul(sigmaHat, sigmaHat), fmul(sigma, sigma)));
      const noisy = new Float32Array(x.length);
      for (let j = 0; j < x.length; j++) noisy[j] = x[j] + f32(f32(noise[j] * f32(sNoise)) * k);
      x = noisy;
    }
    const prediction = this.config.prediction_type as string;
    const x0 = this.predictX0(
      prediction === "original_sample" ? "sample" : prediction,
      prediction === "epsilon" ? sigmaHat : sigma,
      x,
      mo,
    );
    const dt = fsub(this.sigmaTable[i + 1], sigmaHat);
    const prev = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) prev[j] = x[j] + f32(f32(f32(x[j] - x0[j]) / sigmaHat) * dt);
    this.stepIndexValue = i + 1;
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: wrap(x0, sample.shape) };
  }
}
