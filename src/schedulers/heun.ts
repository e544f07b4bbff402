// HeunDiscreteScheduler (Karras et al. 2022, algorithm 1 without churn), Diffusers v0.31.0 semantics.
// Every sigma except the first and last is visited twice: an Euler step, then the trapezoidal correction.

import { numpyLogF32Array } from "../math/compat/numpy-f32.js";
import type { Tensor } from "../tensor/index.js";
import type { SchedulerSpec } from "./config.js";
import {
  BETA_SCHEDULES,
  bool,
  float,
  int,
  oneOf,
  PREDICTION_TYPES,
  spacing,
  trainingNoiseParams,
  unsupportedFlag,
} from "./params.js";
import type { StepResult } from "./scheduler.js";
import { SigmaScheduler } from "./sigma-scheduler.js";
import { alternativeSigmas, checkSigmaSwitches, interpolatedSigmas } from "./sigma-schedules.js";
import { clamp, type F32, f32, fsub, wrap } from "./tensor-ops.js";

export class HeunDiscreteScheduler extends SigmaScheduler {
  static readonly spec: SchedulerSpec = {
    className: "HeunDiscreteScheduler",
    params: {
      ...trainingNoiseParams(0.00085, 0.012, [...BETA_SCHEDULES, "exp"]),
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
    const spaced = this.startRun(numInferenceSteps);
    const table = this.trainingSigmas();
    const interpolated = interpolatedSigmas(table, spaced);
    const run = alternativeSigmas(
      this.config,
      { sigmas: interpolated, timesteps: spaced },
      numpyLogF32Array(table),
      numInferenceSteps,
      "config",
    );
    this.karrasRun = run.converted;
    const { sigmas, timesteps } = run;
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
    const inputs = this.stepInputs(modelOutput, timestep, sample);
    const { mo, i } = inputs;
    let x = inputs.x;
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
