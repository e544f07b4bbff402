// Shared behaviour of the k-diffusion style schedulers (Euler, Euler ancestral, LMS, Heun), which work on
// x = x0 + sigma * noise: the model input is scaled by 1/sqrt(sigma^2 + 1) and the step index is tracked.
import type { Tensor } from "../tensor/index.js";
import { indexForTimestep } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { Scheduler } from "./scheduler.js";
import { dataOf, f32, fadd, fmul, fsqrt, wrap } from "./tensor-ops.js";

export abstract class SigmaScheduler extends Scheduler {
  /** float32 sigmas (one more than timesteps: the final sigma). */
  protected sigmaTable: Float32Array;

  protected constructor(spec: SchedulerSpec, given: Readonly<Record<string, unknown>>) {
    super(spec, given);
    // Before setTimesteps upstream holds the full training table reversed, followed by 0.
    const n = this.alphasCumprod.length;
    this.sigmaTable = new Float32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const a = this.alphasCumprod[n - 1 - i];
      this.sigmaTable[i] = fsqrt(f32(1 - a) / a);
    }
  }

  override get sigmas(): number[] {
    return Array.from(this.sigmaTable);
  }

  /** max(sigmas), or sqrt(max^2 + 1) for "leading" spacing (float32 like upstream's 0-dim tensor). */
  override get initNoiseSigma(): number {
    let max = Number.NEGATIVE_INFINITY;
    for (const s of this.sigmaTable) if (s > max || Number.isNaN(s)) max = s;
    const spacing = this.config.timestep_spacing;
    if (spacing === "linspace" || spacing === "trailing") return max;
    return fsqrt(fadd(fmul(max, max), 1));
  }

  /** Matches a timestep against the schedule the way the float32 tensor comparison upstream does. */
  protected lookupIndex(timestep: number): number {
    return indexForTimestep(this.timesteps, this.timestepsDtype === "float64" ? timestep : f32(timestep));
  }

  protected initStepIndex(timestep: number): void {
    if (this.stepIndexValue === null) {
      this.stepIndexValue = this.beginIndexValue ?? this.lookupIndex(timestep);
    }
  }

  protected currentSigma(): number {
    return this.sigmaTable[this.stepIndexValue as number];
  }

  override scaleModelInput(sample: Tensor, timestep: number): Tensor<"float32"> {
    this.initStepIndex(timestep);
    const sigma = this.currentSigma();
    const d = fsqrt(fadd(fmul(sigma, sigma), 1));
    const x = dataOf(sample, "sample");
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] / d;
    return wrap(out, sample.shape);
  }

  /** original + noise * sigma, with sigma chosen as upstream's add_noise does. */
  override addNoise(original: Tensor, noise: Tensor, timesteps: number | readonly number[]): Tensor<"float32"> {
    const x = dataOf(original, "original");
    const nz = dataOf(noise, "noise");
    if (x.length !== nz.length) throw new RangeError("addNoise: original and noise must have the same shape");
    const list = this.batchTimesteps(original, timesteps);
    const sigmas = list.map((t) => {
      if (this.beginIndexValue === null) return this.sigmaTable[this.lookupIndex(t)];
      return this.sigmaTable[this.stepIndexValue ?? this.beginIndexValue];
    });
    const batch = original.shape[0] ?? 1;
    const per = batch > 0 ? x.length / batch : 0;
    const out = new Float32Array(x.length);
    for (let b = 0; b < batch; b++) {
      const s = sigmas[sigmas.length === 1 ? 0 : b];
      for (let i = b * per; i < (b + 1) * per; i++) out[i] = x[i] + f32(nz[i] * s);
    }
    return wrap(out, original.shape);
  }

  /** x0 from the model output in sigma space (epsilon, v_prediction or sample), float32 as upstream. */
  protected predictX0(prediction: string, sigma: number, sample: Float32Array, mo: Float32Array): Float32Array {
    const n = sample.length;
    const out = new Float32Array(n);
    if (prediction === "epsilon") {
      for (let i = 0; i < n; i++) out[i] = sample[i] - f32(sigma * mo[i]);
    } else if (prediction === "v_prediction") {
      const s2p1 = fadd(fmul(sigma, sigma), 1);
      const c = f32(-sigma / fsqrt(s2p1));
      for (let i = 0; i < n; i++) out[i] = f32(mo[i] * c) + f32(sample[i] / s2p1);
    } else {
      out.set(mo);
    }
    return out;
  }
}
