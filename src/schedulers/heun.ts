// HeunDiscreteScheduler (Karras et al. 2022, algorithm 1 without churn), Diffusers v0.31.0 semantics.
// Every sigma except the first and last is visited twice: an Euler step, then the trapezoidal correction.
import type { Tensor } from "../tensor/index.js";
import { spacedTimestepsF32 } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { checkSigmaSwitches, configBound, exponentialSigmas, interpolatedSigmas } from "./euler.js";
import { karrasSigmas, logF32, sigmaToT, sigmaToTFromTensor } from "./numpy.js";
import { bool, float, int, oneOf, PREDICTION_TYPES, spacing, trainedBetas, unsupportedFlag } from "./params.js";
import type { StepResult } from "./scheduler.js";
import { SigmaScheduler } from "./sigma-scheduler.js";
import { clamp, dataOf, type F32, f32, fsqrt, fsub, wrap } from "./tensor-ops.js";

export class HeunDiscreteScheduler extends SigmaScheduler {
  static readonly spec: SchedulerSpec = {
    className: "HeunDiscreteScheduler",
    params: {
      num_train_timesteps: int(1000),
      beta_start: float(0.00085),
      beta_end: float(0.012),
      beta_schedule: oneOf("linear", ["linear", "scaled_linear", "squaredcos_cap_v2", "exp"]),
      trained_betas: trainedBetas,
      prediction_type: oneOf("epsilon", PREDICTION_TYPES),
      use_karras_sigmas: bool(false),
      use_exponential_sigmas: bool(false),
      use_beta_sigmas: unsupportedFlag(),
      clip_sample: bool(false),
      clip_sample_range: float(1.0),
      timestep_spacing: spacing("linspace"),
      steps_offset: int(0),
    },
  };
  readonly order = 2;
  private karrasRun = false;
  private prevDerivative: F32 | null = null;
  private dt: number | null = null;
  private firstSample: F32 | null = null;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(HeunDiscreteScheduler.spec, config);
    checkSigmaSwitches(this.className, this.config);
    this.setTimesteps(this.config.num_train_timesteps as number);
  }

  get timestepsDtype(): "float32" | "float64" {
    return this.karrasRun ? "float64" : "float32";
  }

  /** True when the next step() is the first (Euler) half of a Heun step. */
  get stateInFirstOrder(): boolean {
    return this.dt === null;
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
      const sMin = configBound(c, "sigma_min") ?? sigmas[sigmas.length - 1];
      const sMax = configBound(c, "sigma_max") ?? sigmas[0];
      sigmas = karrasSigmas(sMin, sMax, numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => sigmaToT(s, logSigmas));
    } else if (c.use_exponential_sigmas) {
      const sMin = configBound(c, "sigma_min") ?? sigmas[sigmas.length - 1];
      const sMax = configBound(c, "sigma_max") ?? sigmas[0];
      sigmas = exponentialSigmas(sMin, sMax, numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => sigmaToTFromTensor(s, logSigmas));
    }
    const base = Float32Array.from({ length: sigmas.length + 1 }, (_, i) => (i < sigmas.length ? sigmas[i] : 0));
    // [s0, s1, s1, s2, s2, ..., s_{n-1}, s_{n-1}, 0]
    const doubled: number[] = [base[0]];
    for (let i = 1; i < base.length - 1; i++) doubled.push(base[i], base[i]);
    doubled.push(base[base.length - 1]);
    this.sigmaTable = Float32Array.from(doubled);
    const ts: number[] = [timesteps[0]];
    for (let i = 1; i < timesteps.length; i++) ts.push(timesteps[i], timesteps[i]);
    this.timesteps = ts;
    this.prevDerivative = null;
    this.dt = null;
    this.firstSample = null;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor): StepResult {
    const mo = dataOf(modelOutput, "modelOutput");
    let x = dataOf(sample, "sample");
    if (mo.length !== x.length) throw new RangeError("HeunDiscreteScheduler.step: shapes differ");
    this.initStepIndex(timestep);
    const i = this.stepIndexValue as number;
    const first = this.stateInFirstOrder;
    const sigma = first ? this.sigmaTable[i] : this.sigmaTable[i - 1];
    const sigmaNext = first ? this.sigmaTable[i + 1] : this.sigmaTable[i];
    const sigmaInput = first ? sigma : sigmaNext;
    let x0 = this.predictX0(this.config.prediction_type as string, sigmaInput, x, mo);
    if (this.config.clip_sample) {
      const r = this.config.clip_sample_range as number;
      x0 = clamp(x0, -r, r);
    }
    const n = x.length;
    let derivative = new Float32Array(n);
    let dt: number;
    if (first) {
      for (let j = 0; j < n; j++) derivative[j] = f32(x[j] - x0[j]) / sigma;
      dt = fsub(sigmaNext, sigma);
      this.prevDerivative = derivative;
      this.dt = dt;
      this.firstSample = x;
    } else {
      const prevD = this.prevDerivative as F32;
      const second = new Float32Array(n);
      for (let j = 0; j < n; j++) second[j] = f32(x[j] - x0[j]) / sigmaNext;
      derivative = new Float32Array(n);
      for (let j = 0; j < n; j++) derivative[j] = f32(prevD[j] + second[j]) / 2;
      dt = this.dt as number;
      x = this.firstSample as F32;
      this.prevDerivative = null;
      this.dt = null;
      this.firstSample = null;
    }
    const prev = new Float32Array(n);
    for (let j = 0; j < n; j++) prev[j] = x[j] + f32(derivative[j] * dt);
    this.stepIndexValue = i + 1;
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: wrap(x0, sample.shape) };
  }
}
