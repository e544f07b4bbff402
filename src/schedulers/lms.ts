// LMSDiscreteScheduler (k-diffusion's linear multistep), Diffusers v0.31.0 semantics. The multistep
// coefficients are integrals of Lagrange polynomials that upstream evaluates in float32 torch arithmetic
// and integrates with scipy.integrate.quad; both are reproduced here.

import { numpyLogF32Array } from "../math/compat/numpy-f32.js";
import type { Tensor } from "../tensor/index.js";
import type { SchedulerSpec } from "./config.js";
import { bool, int, oneOf, PREDICTION_TYPES, spacing, trainingNoiseParams, unsupportedFlag } from "./params.js";
import { quadSingleRule } from "./quadpack.js";
import type { StepOptions, StepResult } from "./scheduler.js";
import { SigmaScheduler } from "./sigma-scheduler.js";
import { alternativeSigmas, checkSigmaSwitches, interpolatedSigmas } from "./sigma-schedules.js";
import { type F32, f32, wrap } from "./tensor-ops.js";

export class LMSDiscreteScheduler extends SigmaScheduler {
  static readonly spec: SchedulerSpec = {
    className: "LMSDiscreteScheduler",
    params: {
      ...trainingNoiseParams(),
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
    const timesteps = this.startRun(numInferenceSteps);
    const table = this.trainingSigmas();
    const sigmas = interpolatedSigmas(table, timesteps);
    // Upstream's LMS gives Karras the run's own sigma range, never the config's sigma_min / sigma_max.
    const run = alternativeSigmas(
      this.config,
      { sigmas, timesteps },
      numpyLogF32Array(table),
      numInferenceSteps,
      "run",
    );
    this.karrasRun = run.converted;
    this.setRun(run.sigmas, 0, run.timesteps);
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
    const { mo, x, i } = this.stepInputs(modelOutput, timestep, sample);
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
