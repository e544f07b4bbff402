// EulerAncestralDiscreteScheduler (k-diffusion's sample_euler_ancestral), Diffusers v0.31.0 semantics:
// one fresh noise draw of the sample's shape at every step.
import type { Tensor } from "../tensor/index.js";
import { spacedTimestepsF32 } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { interpolatedSigmas } from "./euler.js";
import { betaSchedule, bool, float, int, oneOf, spacing, trainedBetas } from "./params.js";
import type { StepOptions, StepResult } from "./scheduler.js";
import { SigmaScheduler } from "./sigma-scheduler.js";
import { dataOf, f32, fdiv, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";

export class EulerAncestralDiscreteScheduler extends SigmaScheduler {
  static readonly spec: SchedulerSpec = {
    className: "EulerAncestralDiscreteScheduler",
    params: {
      num_train_timesteps: int(1000),
      beta_start: float(0.0001),
      beta_end: float(0.02),
      beta_schedule: betaSchedule(),
      trained_betas: trainedBetas,
      // "sample" raises NotImplementedError upstream.
      prediction_type: oneOf("epsilon", ["epsilon", "v_prediction"]),
      timestep_spacing: spacing("linspace"),
      steps_offset: int(0),
      rescale_betas_zero_snr: bool(false),
    },
  };
  readonly order = 1;
  readonly timestepsDtype = "float32" as const;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(EulerAncestralDiscreteScheduler.spec, config);
    if (this.config.rescale_betas_zero_snr) {
      this.alphasCumprod[this.alphasCumprod.length - 1] = 1 / 16777216; // 2^-24
      const n = this.alphasCumprod.length;
      this.sigmaTable[0] = fsqrt(f32(1 - this.alphasCumprod[n - 1]) / this.alphasCumprod[n - 1]);
    }
    const n = this.alphasCumprod.length;
    this.timesteps = Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    this.checkSteps(numInferenceSteps);
    this.numInferenceSteps = numInferenceSteps;
    const timesteps = spacedTimestepsF32(
      c.timestep_spacing as string,
      c.num_train_timesteps as number,
      numInferenceSteps,
      c.steps_offset as number,
    );
    const table = new Float32Array(this.alphasCumprod.length);
    for (let i = 0; i < table.length; i++) table[i] = fsqrt(f32(1 - this.alphasCumprod[i]) / this.alphasCumprod[i]);
    const sigmas = interpolatedSigmas(table, timesteps);
    const all = new Float32Array(sigmas.length + 1);
    all.set(sigmas);
    this.sigmaTable = all;
    this.timesteps = timesteps;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): StepResult {
    const mo = dataOf(modelOutput, "modelOutput");
    const x = dataOf(sample, "sample");
    if (mo.length !== x.length) throw new RangeError("EulerAncestralDiscreteScheduler.step: shapes differ");
    this.initStepIndex(timestep);
    const i = this.stepIndexValue as number;
    const sigma = this.sigmaTable[i];
    const x0 = this.predictX0(this.config.prediction_type as string, sigma, x, mo);
    const from2 = fmul(sigma, sigma);
    const sigmaTo = this.sigmaTable[i + 1];
    const to2 = fmul(sigmaTo, sigmaTo);
    const sigmaUp = fsqrt(fdiv(fmul(to2, fsub(from2, to2)), from2));
    const sigmaDown = fsqrt(fsub(to2, fmul(sigmaUp, sigmaUp)));
    const dt = fsub(sigmaDown, sigma);
    const prev = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) prev[j] = x[j] + f32(f32(f32(x[j] - x0[j]) / sigma) * dt);
    const noise = this.drawNoise(modelOutput.shape, options.generator);
    for (let j = 0; j < x.length; j++) prev[j] = prev[j] + f32(noise[j] * sigmaUp);
    this.stepIndexValue = i + 1;
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: wrap(x0, sample.shape) };
  }
}
