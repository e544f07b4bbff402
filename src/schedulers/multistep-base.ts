// Shared parts of the exponential-integrator multistep solvers (DPM-Solver++ and UniPC): integer
// timesteps over sigmas that are built in float64 and stored as float32, and the float32 (alpha_t, sigma_t,
// lambda_t) of a sigma.

import { numpyLogF32Array } from "../math/compat/numpy-f32.js";
import { roundHalfEven } from "../math/compat/numpy-f64.js";
import { sleefLogf } from "../math/compat/sleef-f32.js";
import { indexForTimestep, spacedTimesteps, thresholdSample, withFinalSigma } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { Scheduler } from "./scheduler.js";
import { interpolatedSigmas, karrasSigmas, sigmaToT } from "./sigma-schedules.js";
import { type F32, f32, fadd, fdiv, fmul, fsqrt, fsub } from "./tensor-ops.js";

export interface AlphaSigma {
  alpha: number;
  sigma: number;
  lambda: number;
}

/** Diffusers' _sigma_to_alpha_sigma_t plus lambda = log(alpha) - log(sigma), all float32. */
export function alphaSigma(sigma: number): AlphaSigma {
  const alpha = fdiv(1, fsqrt(fadd(fmul(sigma, sigma), 1)));
  const s = fmul(sigma, alpha);
  return { alpha, sigma: s, lambda: fsub(sleefLogf(alpha), sleefLogf(s)) };
}

export abstract class MultistepScheduler extends Scheduler {
  readonly timestepsDtype = "int64" as const;
  protected sigmaTable: Float32Array;
  /** The converted model outputs of the last solver_order steps, oldest first (null before they exist). */
  protected modelOutputs: Array<F32 | null> = [];
  /** Steps taken at lower order since the run started (upstream's lower_order_nums). */
  protected lowerOrderNums = 0;

  protected constructor(spec: SchedulerSpec, given: Readonly<Record<string, unknown>>) {
    super(spec, given);
    this.avoidInfiniteSigma();
    this.sigmaTable = this.trainingSigmas();
    const n = this.alphasCumprod.length;
    this.timesteps = Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  /**
   * A run's integer timesteps and float64 sigmas: the training sigmas interpolated at the spaced timesteps
   * (n + 1 points with the last dropped, except for "trailing"), or with use_karras_sigmas the Karras sigmas
   * and their training timesteps rounded half to even. `lastTimestep` bounds the spacing (lambda_min_clipped).
   */
  protected runSchedule(
    numInferenceSteps: number,
    lastTimestep?: number,
  ): { sigmas: Float64Array; timesteps: number[]; karras: boolean } {
    const c = this.config;
    this.checkSteps(numInferenceSteps);
    const timesteps = spacedTimesteps(
      c.timestep_spacing as string,
      c.num_train_timesteps as number,
      numInferenceSteps,
      c.steps_offset as number,
      { extra: c.timestep_spacing === "trailing" ? 0 : 1, lastTimestep },
    );
    const table = this.trainingSigmas();
    if (!c.use_karras_sigmas) return { sigmas: interpolatedSigmas(table, timesteps), timesteps, karras: false };
    const logSigmas = numpyLogF32Array(table);
    const flipped = Float64Array.from(table).reverse();
    const sigmas = karrasSigmas(flipped[flipped.length - 1], flipped[0], numInferenceSteps);
    return { sigmas, timesteps: Array.from(sigmas, (s) => roundHalfEven(sigmaToT(s, logSigmas))), karras: true };
  }

  /** Installs a run (float32 sigmas, then `last`) and clears the solver history and step index. */
  protected setRun(sigmas: ArrayLike<number>, last: number, timesteps: number[]): void {
    this.sigmaTable = withFinalSigma(sigmas, last);
    this.timesteps = timesteps;
    this.numInferenceSteps = timesteps.length;
    this.modelOutputs = new Array(this.config.solver_order as number).fill(null);
    this.lowerOrderNums = 0;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
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

  /**
   * The model output as a data (x0) prediction at the current sigma, from an epsilon, sample or
   * v_prediction model, dynamically thresholded when the config asks for it (float32 as upstream).
   */
  protected dataPrediction(mo: F32, x: F32, shape: readonly number[]): F32 {
    const c = this.config;
    const n = x.length;
    const { alpha, sigma } = alphaSigma(this.sigmaTable[this.stepIndexValue as number]);
    const prediction = c.prediction_type as string;
    const out = new Float32Array(n);
    if (prediction === "epsilon") for (let i = 0; i < n; i++) out[i] = f32(x[i] - f32(sigma * mo[i])) / alpha;
    else if (prediction === "sample") out.set(mo);
    else for (let i = 0; i < n; i++) out[i] = f32(alpha * x[i]) - f32(sigma * mo[i]);
    if (c.thresholding) {
      return thresholdSample(out, shape, c.dynamic_thresholding_ratio as number, c.sample_max_value as number);
    }
    return out;
  }

  /** The model output as a noise (epsilon) prediction at the current sigma (float32, not thresholded). */
  protected noisePrediction(mo: F32, x: F32): F32 {
    const n = x.length;
    const { alpha, sigma } = alphaSigma(this.sigmaTable[this.stepIndexValue as number]);
    const prediction = this.config.prediction_type as string;
    const out = new Float32Array(n);
    if (prediction === "epsilon") out.set(mo);
    else if (prediction === "sample") for (let i = 0; i < n; i++) out[i] = f32(x[i] - f32(alpha * mo[i])) / sigma;
    else for (let i = 0; i < n; i++) out[i] = f32(alpha * mo[i]) + f32(sigma * x[i]);
    return out;
  }

  /** Appends a converted model output to the history of the last solver_order outputs. */
  protected pushModelOutput(converted: F32): void {
    const order = this.config.solver_order as number;
    for (let i = 0; i < order - 1; i++) this.modelOutputs[i] = this.modelOutputs[i + 1];
    this.modelOutputs[order - 1] = converted;
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
