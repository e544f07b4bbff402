// LMSDiscreteScheduler (k-diffusion's linear multistep), Diffusers v0.31.0 semantics. The multistep
// coefficients are integrals of Lagrange polynomials that upstream evaluates in float32 torch arithmetic
// and integrates with scipy.integrate.quad; both are reproduced here.
import type { Tensor } from "../tensor/index.js";
import { spacedTimestepsF32 } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { checkSigmaSwitches, configBound, exponentialSigmas, interpolatedSigmas } from "./euler.js";
import { karrasSigmas, logF32, sigmaToT, sigmaToTFromTensor } from "./numpy.js";
import {
  betaSchedule,
  bool,
  float,
  int,
  oneOf,
  PREDICTION_TYPES,
  spacing,
  trainedBetas,
  unsupportedFlag,
} from "./params.js";
import { quadSingleRule } from "./quadpack.js";
import type { StepOptions, StepResult } from "./scheduler.js";
import { SigmaScheduler } from "./sigma-scheduler.js";
import { dataOf, type F32, f32, fsqrt, wrap } from "./tensor-ops.js";

export class LMSDiscreteScheduler extends SigmaScheduler {
  static readonly spec: SchedulerSpec = {
    className: "LMSDiscreteScheduler",
    params: {
      num_train_timesteps: int(1000),
      beta_start: float(0.0001),
      beta_end: float(0.02),
      beta_schedule: betaSchedule(),
      trained_betas: trainedBetas,
      use_karras_sigmas: bool(false),
      use_exponential_sigmas: bool(false),
      use_beta_sigmas: unsupportedFlag(),
      prediction_type: oneOf("epsilon", PREDICTION_TYPES),
      timestep_spacing: spacing("linspace"),
      steps_offset: int(0),
    },
  };
  readonly order = 1;
  private derivatives: F32[] = [];
  private karrasRun = false;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(LMSDiscreteScheduler.spec, config);
    checkSigmaSwitches(this.className, this.config);
    this.setTimesteps(this.config.num_train_timesteps as number);
  }

  /** float64 after a Karras-sigma run (upstream keeps NumPy's float64 `_sigma_to_t` values), else float32. */
  get timestepsDtype(): "float32" | "float64" {
    return this.karrasRun ? "float64" : "float32";
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    this.checkSteps(numInferenceSteps);
    this.numInferenceSteps = numInferenceSteps;
    let timesteps = spacedTimestepsF32(
      c.timestep_spacing as string,
      c.num_train_timesteps as number,
      numInferenceSteps,
      c.steps_offset as number,
    );
    const table = new Float32Array(this.alphasCumprod.length);
    for (let i = 0; i < table.length; i++) table[i] = fsqrt(f32(1 - this.alphasCumprod[i]) / this.alphasCumprod[i]);
    const logSigmas = logF32(table);
    let sigmas: ArrayLike<number> = interpolatedSigmas(table, timesteps);
    this.karrasRun = Boolean(c.use_karras_sigmas || c.use_exponential_sigmas);
    if (c.use_karras_sigmas) {
      sigmas = karrasSigmas(sigmas[sigmas.length - 1], sigmas[0], numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => sigmaToT(s, logSigmas));
    } else if (c.use_exponential_sigmas) {
      const sMin = configBound(c, "sigma_min") ?? sigmas[sigmas.length - 1];
      const sMax = configBound(c, "sigma_max") ?? sigmas[0];
      sigmas = exponentialSigmas(sMin, sMax, numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => sigmaToTFromTensor(s, logSigmas));
    }
    const all = new Float32Array(sigmas.length + 1);
    all.set(Array.from(sigmas));
    this.sigmaTable = all;
    this.timesteps = timesteps;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
    this.derivatives = [];
  }

  /** Integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial `current` of `order` points. */
  private lmsCoefficient(order: number, t: number, current: number): number {
    const s = this.sigmaTable;
    const integrand = (tau: number): number => {
      let prod = 1;
      const tau32 = f32(tau);
      for (let k = 0; k < order; k++) {
        if (k === current) continue;
        prod = f32(prod * f32(f32(tau32 - s[t - k]) / f32(s[t - current] - s[t - k])));
      }
      return prod;
    };
    return quadSingleRule(integrand, s[t], s[t + 1], 1e-4);
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): StepResult {
    const mo = dataOf(modelOutput, "modelOutput");
    const x = dataOf(sample, "sample");
    if (mo.length !== x.length) throw new RangeError("LMSDiscreteScheduler.step: shapes differ");
    this.initStepIndex(timestep);
    const i = this.stepIndexValue as number;
    const sigma = this.sigmaTable[i];
    const x0 = this.predictX0(this.config.prediction_type as string, sigma, x, mo);
    const derivative = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) derivative[j] = f32(x[j] - x0[j]) / sigma;
    const maxOrder = options.order ?? 4;
    this.derivatives.push(derivative);
    if (this.derivatives.length > maxOrder) this.derivatives.shift();
    const order = Math.min(i + 1, maxOrder);
    const coeffs: number[] = [];
    for (let k = 0; k < order; k++) coeffs.push(this.lmsCoefficient(order, i, k));
    const recent = [...this.derivatives].reverse();
    const sum = new Float32Array(x.length);
    for (let k = 0; k < coeffs.length && k < recent.length; k++) {
      const c = f32(coeffs[k]);
      const d = recent[k];
      for (let j = 0; j < x.length; j++) sum[j] = k === 0 ? c * d[j] : sum[j] + f32(c * d[j]);
    }
    const prev = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) prev[j] = x[j] + sum[j];
    this.stepIndexValue = i + 1;
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: wrap(x0, sample.shape) };
  }
}
