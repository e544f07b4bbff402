// DDPMScheduler (Ho et al. 2020), Diffusers v0.31.0 semantics and float32 arithmetic.

import { sleefExpf, sleefLogf } from "../math/compat/sleef-f32.js";
import type { Tensor } from "../tensor/index.js";
import { thresholdSample } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { bool, float, int, oneOf, PREDICTION_TYPES, spacing, trainingNoiseParams } from "./params.js";
import { Scheduler, type StepOptions, type StepResult } from "./scheduler.js";
import { clamp, dataOf, type F32, f32, fdiv, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";

export const VARIANCE_TYPES = [
  "fixed_small",
  "fixed_small_log",
  "fixed_large",
  "fixed_large_log",
  "learned",
  "learned_range",
] as const;

/** x0 estimate shared by DDPM and DDIM: float32 ops in Diffusers' order. */
export function predictOriginal(
  prediction: string,
  alphaProdT: number,
  sample: F32,
  modelOutput: F32,
): { x0: F32; eps: F32 } {
  const betaProdT = fsub(1, alphaProdT);
  const sa = fsqrt(alphaProdT);
  const sb = fsqrt(betaProdT);
  const n = sample.length;
  const x0 = new Float32Array(n);
  const eps = new Float32Array(n);
  if (prediction === "epsilon") {
    for (let i = 0; i < n; i++) {
      x0[i] = f32(sample[i] - f32(sb * modelOutput[i])) / sa;
      eps[i] = modelOutput[i];
    }
  } else if (prediction === "sample") {
    for (let i = 0; i < n; i++) {
      x0[i] = modelOutput[i];
      eps[i] = f32(sample[i] - f32(sa * modelOutput[i])) / sb;
    }
  } else {
    for (let i = 0; i < n; i++) {
      x0[i] = f32(sa * sample[i]) - f32(sb * modelOutput[i]);
      eps[i] = f32(sa * modelOutput[i]) + f32(sb * sample[i]);
    }
  }
  return { x0, eps };
}

export class DDPMScheduler extends Scheduler {
  static readonly spec: SchedulerSpec = {
    className: "DDPMScheduler",
    params: {
      ...trainingNoiseParams(),
      variance_type: oneOf("fixed_small", VARIANCE_TYPES),
      clip_sample: bool(true),
      prediction_type: oneOf("epsilon", PREDICTION_TYPES),
      thresholding: bool(false),
      dynamic_thresholding_ratio: float(0.995),
      clip_sample_range: float(1.0),
      sample_max_value: float(1.0),
      timestep_spacing: spacing("leading"),
      steps_offset: int(0),
      rescale_betas_zero_snr: bool(false),
    },
  };
  readonly order = 1;
  readonly timestepsDtype = "int64" as const;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(DDPMScheduler.spec, config);
  }

  setTimesteps(numInferenceSteps: number): void {
    this.timesteps = this.startRun(numInferenceSteps);
  }

  private previousTimestep(t: number): number {
    const n = this.config.num_train_timesteps as number;
    return t - Math.floor(n / (this.numInferenceSteps ?? n));
  }

  /** Variance of the posterior at t (Diffusers' _get_variance), float32. */
  private variance(alphaProdT: number, alphaProdPrev: number): number {
    const currentBeta = fsub(1, fdiv(alphaProdT, alphaProdPrev));
    let variance = fmul(fdiv(fsub(1, alphaProdPrev), fsub(1, alphaProdT)), currentBeta);
    variance = Math.max(variance, f32(1e-20));
    switch (this.config.variance_type) {
      case "fixed_small_log":
        return sleefExpf(fmul(0.5, sleefLogf(variance)));
      case "fixed_large":
        return currentBeta;
      case "fixed_large_log":
        return sleefLogf(currentBeta);
      default:
        return variance;
    }
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): StepResult {
    this.requireTimesteps();
    const c = this.config;
    const t = this.trainIndex(timestep);
    const prevT = this.previousTimestep(t);
    let mo = dataOf(modelOutput, "modelOutput");
    const x = dataOf(sample, "sample");
    const varianceType = c.variance_type as string;
    const channels = sample.shape[1];
    let predictedVariance: F32 | null = null;
    if (
      modelOutput.shape[1] === channels * 2 &&
      (varianceType === "learned" || varianceType === "learned_range") &&
      modelOutput.shape.length >= 2
    ) {
      [mo, predictedVariance] = splitChannels(mo, modelOutput.shape);
    }
    if (mo.length !== x.length) throw new RangeError("DDPMScheduler.step: modelOutput and sample shapes differ");
    const alphaProdT = this.alphasCumprod[t];
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT] : 1;
    const betaProdT = fsub(1, alphaProdT);
    const betaProdPrev = fsub(1, alphaProdPrev);
    const currentAlpha = fdiv(alphaProdT, alphaProdPrev);
    const currentBeta = fsub(1, currentAlpha);

    let x0 = predictOriginal(c.prediction_type as string, alphaProdT, x, mo).x0;
    if (c.thresholding) {
      x0 = thresholdSample(x0, sample.shape, c.dynamic_thresholding_ratio as number, c.sample_max_value as number);
    } else if (c.clip_sample) {
      const r = c.clip_sample_range as number;
      x0 = clamp(x0, -r, r);
    }
    const x0Coeff = fdiv(fmul(fsqrt(alphaProdPrev), currentBeta), betaProdT);
    const sampleCoeff = fdiv(fmul(fsqrt(currentAlpha), betaProdPrev), betaProdT);
    const prev = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) prev[i] = f32(x0Coeff * x0[i]) + f32(sampleCoeff * x[i]);

    if (t > 0) {
      const noise = this.drawNoise(sample.shape, options.generator);
      if (varianceType === "learned_range" || varianceType === "learned") {
        if (!predictedVariance) {
          throw new Error(`DDPMScheduler: variance_type "${varianceType}" needs a model output with 2x channels`);
        }
        const v = this.variance(alphaProdT, alphaProdPrev);
        const pv = predictedVariance;
        for (let i = 0; i < prev.length; i++) {
          let std: number;
          if (varianceType === "learned") {
            std = f32(Math.sqrt(pv[i]));
          } else {
            const minLog = sleefLogf(v);
            const maxLog = sleefLogf(currentBeta);
            const frac = f32(f32(pv[i] + 1) / 2);
            const logVar = f32(f32(frac * maxLog) + f32(f32(1 - frac) * minLog));
            std = sleefExpf(f32(0.5 * logVar));
          }
          prev[i] = prev[i] + f32(std * noise[i]);
        }
      } else {
        const v = this.variance(alphaProdT, alphaProdPrev);
        const std = varianceType === "fixed_small_log" ? v : fsqrt(v);
        for (let i = 0; i < prev.length; i++) prev[i] = prev[i] + f32(std * noise[i]);
      }
    }
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: wrap(x0, sample.shape) };
  }
}

/** torch.split(model_output, C, dim=1) for a [B, 2C, ...] tensor. */
function splitChannels(data: F32, shape: readonly number[]): [F32, F32] {
  const b = shape[0];
  const c2 = shape[1];
  const inner = data.length / (b * c2);
  const half = (c2 / 2) * inner;
  const first = new Float32Array(b * half);
  const second = new Float32Array(b * half);
  for (let i = 0; i < b; i++) {
    first.set(data.subarray(i * 2 * half, i * 2 * half + half), i * half);
    second.set(data.subarray(i * 2 * half + half, (i + 1) * 2 * half), i * half);
  }
  return [first, second];
}
