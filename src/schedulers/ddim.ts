// DDIMScheduler (Song et al. 2020), Diffusers v0.31.0 semantics and float32 arithmetic.
import type { Tensor } from "../tensor/index.js";
import { thresholdSample } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { predictOriginal } from "./ddpm.js";
import { bool, float, int, oneOf, PREDICTION_TYPES, spacing, trainingNoiseParams } from "./params.js";
import { Scheduler, type StepOptions, type StepResult } from "./scheduler.js";
import { clamp, dataOf, f32, fdiv, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";

export class DDIMScheduler extends Scheduler {
  static readonly spec: SchedulerSpec = {
    className: "DDIMScheduler",
    params: {
      ...trainingNoiseParams(),
      clip_sample: bool(true),
      set_alpha_to_one: bool(true),
      steps_offset: int(0),
      prediction_type: oneOf("epsilon", PREDICTION_TYPES),
      thresholding: bool(false),
      dynamic_thresholding_ratio: float(0.995),
      clip_sample_range: float(1.0),
      sample_max_value: float(1.0),
      timestep_spacing: spacing("leading"),
      rescale_betas_zero_snr: bool(false),
    },
  };
  readonly order = 1;
  readonly timestepsDtype = "int64" as const;
  /** alphas_cumprod "before" the first training step: 1, or alphas_cumprod[0] without set_alpha_to_one. */
  readonly finalAlphaCumprod: number;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(DDIMScheduler.spec, config);
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
  }

  setTimesteps(numInferenceSteps: number): void {
    this.timesteps = this.startRun(numInferenceSteps);
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): StepResult {
    this.requireTimesteps();
    const c = this.config;
    const eta = options.eta ?? 0;
    const t = this.trainIndex(timestep);
    const prevT = t - Math.floor((c.num_train_timesteps as number) / (this.numInferenceSteps as number));
    const mo = dataOf(modelOutput, "modelOutput");
    const x = dataOf(sample, "sample");
    if (mo.length !== x.length) throw new RangeError("DDIMScheduler.step: modelOutput and sample shapes differ");
    const alphaProdT = this.alphasCumprod[t];
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT] : this.finalAlphaCumprod;
    const betaProdT = fsub(1, alphaProdT);

    const pred = predictOriginal(c.prediction_type as string, alphaProdT, x, mo);
    let x0 = pred.x0;
    let eps = pred.eps;
    if (c.thresholding) {
      x0 = thresholdSample(x0, sample.shape, c.dynamic_thresholding_ratio as number, c.sample_max_value as number);
    } else if (c.clip_sample) {
      const r = c.clip_sample_range as number;
      x0 = clamp(x0, -r, r);
    }
    const betaProdPrev = fsub(1, alphaProdPrev);
    const variance = fmul(fdiv(betaProdPrev, betaProdT), fsub(1, fdiv(alphaProdT, alphaProdPrev)));
    const stdDev = fmul(eta, fsqrt(variance));
    const sa = fsqrt(alphaProdT);
    const sb = fsqrt(betaProdT);
    if (options.useClippedModelOutput) {
      eps = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) eps[i] = f32(x[i] - f32(sa * x0[i])) / sb;
    }
    const dirCoeff = fsqrt(fsub(fsub(1, alphaProdPrev), fmul(stdDev, stdDev)));
    const prevCoeff = fsqrt(alphaProdPrev);
    const prev = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) prev[i] = f32(prevCoeff * x0[i]) + f32(dirCoeff * eps[i]);

    if (eta > 0) {
      let noise: Float32Array;
      if (options.varianceNoise) {
        if (options.generator) {
          throw new Error("DDIMScheduler.step: pass either generator or varianceNoise, not both");
        }
        noise = dataOf(options.varianceNoise, "varianceNoise");
        if (noise.length !== x.length) throw new RangeError("DDIMScheduler.step: varianceNoise has the wrong size");
      } else {
        noise = this.drawNoise(modelOutput.shape, options.generator);
      }
      for (let i = 0; i < prev.length; i++) prev[i] = prev[i] + f32(stdDev * noise[i]);
    }
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: wrap(x0, sample.shape) };
  }
}
