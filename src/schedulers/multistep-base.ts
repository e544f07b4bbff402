// Shared parts of the exponential-integrator multistep solvers (DPM-Solver++ and UniPC): integer
// timesteps over sigmas that are built in float64 and stored as float32, and the float32 (alpha_t, sigma_t,
// lambda_t) of a sigma.
import { indexForTimestep } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { Scheduler } from "./scheduler.js";
import { f32, fadd, fdiv, fmul, fsqrt, fsub } from "./tensor-ops.js";
import { logF32Scalar } from "./transcendental.js";

export interface AlphaSigma {
  alpha: number;
  sigma: number;
  lambda: number;
}

/** Diffusers' _sigma_to_alpha_sigma_t plus lambda = log(alpha) - log(sigma), all float32. */
export function alphaSigma(sigma: number): AlphaSigma {
  const alpha = fdiv(1, fsqrt(fadd(fmul(sigma, sigma), 1)));
  const s = fmul(sigma, alpha);
  return { alpha, sigma: s, lambda: fsub(logF32Scalar(alpha), logF32Scalar(s)) };
}

export abstract class MultistepScheduler extends Scheduler {
  readonly timestepsDtype = "int64" as const;
  protected sigmaTable: Float32Array;

  protected constructor(spec: SchedulerSpec, given: Readonly<Record<string, unknown>>) {
    super(spec, given);
    if (this.config.rescale_betas_zero_snr) this.alphasCumprod[this.alphasCumprod.length - 1] = 1 / 16777216; // 2^-24
    this.sigmaTable = this.trainingSigmas();
    const n = this.alphasCumprod.length;
    this.timesteps = Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  /** ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5, float32, in training-step order. */
  protected trainingSigmas(): Float32Array {
    const out = new Float32Array(this.alphasCumprod.length);
    for (let i = 0; i < out.length; i++) out[i] = fsqrt(f32(1 - this.alphasCumprod[i]) / this.alphasCumprod[i]);
    return out;
  }

  override get sigmas(): number[] {
    return Array.from(this.sigmaTable);
  }

  protected initStepIndex(timestep: number): void {
    if (this.stepIndexValue === null) {
      this.stepIndexValue =
        this.beginIndexValue ?? indexForTimestep(this.timesteps, timestep, this.timesteps.length - 1);
    }
  }

  /** alpha_t * original + sigma_t * noise at the sigma of each timestep. */
  protected override noiseCoefficients(timesteps: readonly number[]): Array<[number, number]> {
    return timesteps.map((t) => {
      const idx =
        this.beginIndexValue === null
          ? indexForTimestep(this.timesteps, t, this.timesteps.length - 1)
          : (this.stepIndexValue ?? this.beginIndexValue);
      const { alpha, sigma } = alphaSigma(this.sigmaTable[idx]);
      return [alpha, sigma];
    });
  }
}
