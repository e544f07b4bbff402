// EulerDiscreteScheduler (Karras et al. 2022, algorithm 2), Diffusers v0.31.0 semantics: sigmas built in
// float64 with NumPy's arithmetic then rounded to float32, steps in float32.

import { numpyLogF32Array } from "../math/compat/numpy-f32.js";
import { sleefExpf, sleefLogf } from "../math/compat/sleef-f32.js";
import { torchLinspaceF32 } from "../math/compat/torch-f32.js";
import type { Tensor } from "../tensor/index.js";
import type { SchedulerSpec } from "./config.js";
import {
  bool,
  FINAL_SIGMAS_TYPES,
  float,
  int,
  oneOf,
  spacing,
  trainingNoiseParams,
  unsupportedFlag,
} from "./params.js";
import type { StepOptions, StepResult } from "./scheduler.js";
import { SigmaScheduler } from "./sigma-scheduler.js";
import { alternativeSigmas, checkSigmaSwitches, interpolatedSigmas } from "./sigma-schedules.js";
import { f32, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";

export class EulerDiscreteScheduler extends SigmaScheduler {
  static readonly spec: SchedulerSpec = {
    className: "EulerDiscreteScheduler",
    params: {
      ...trainingNoiseParams(),
      prediction_type: oneOf("epsilon", ["epsilon", "v_prediction", "sample", "original_sample"]),
      interpolation_type: oneOf("linear", ["linear", "log_linear"]),
      use_karras_sigmas: bool(false),
      use_exponential_sigmas: bool(false),
      use_beta_sigmas: unsupportedFlag(),
      sigma_min: float(null, true),
      sigma_max: float(null, true),
      timestep_spacing: spacing("linspace"),
      timestep_type: oneOf("discrete", ["discrete", "continuous"]),
      steps_offset: int(0),
      rescale_betas_zero_snr: bool(false),
      final_sigmas_type: oneOf("zero", FINAL_SIGMAS_TYPES),
    },
  };
  readonly order = 1;
  readonly timestepsDtype = "float32" as const;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(EulerDiscreteScheduler.spec, config);
    checkSigmaSwitches(this.className, this.config);
    this.avoidInfiniteSigma();
    this.resetTrainingSchedule();
  }

  private get continuousV(): boolean {
    return this.config.timestep_type === "continuous" && this.config.prediction_type === "v_prediction";
  }

  /** Upstream's state right after __init__: all training sigmas, timesteps 999..0. */
  private resetTrainingSchedule(): void {
    const n = this.alphasCumprod.length;
    this.sigmaTable.set(this.trainingSigmas().reverse());
    this.timesteps = this.continuousV
      ? Array.from(this.sigmaTable.subarray(0, n), (s) => fmul(0.25, sleefLogf(s)))
      : Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    const timesteps = this.startRun(numInferenceSteps);
    const table = this.trainingSigmas();
    const logSigmas = numpyLogF32Array(table);
    let sigmas: ArrayLike<number>;
    if (c.interpolation_type === "linear") {
      sigmas = interpolatedSigmas(table, timesteps);
    } else {
      const lo = numpyLogF32Array(table.subarray(table.length - 1))[0];
      const hi = numpyLogF32Array(table.subarray(0, 1))[0];
      sigmas = Array.from(torchLinspaceF32(lo, hi, numInferenceSteps + 1), (v) => sleefExpf(v));
    }
    const run = alternativeSigmas(c, { sigmas, timesteps }, logSigmas, numInferenceSteps, "config");
    this.setRun(run.sigmas, this.finalSigma(), run.timesteps.map(f32));
    if (this.continuousV) {
      this.timesteps = Array.from(this.sigmaTable.subarray(0, run.sigmas.length), (s) => fmul(0.25, sleefLogf(s)));
    }
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): StepResult {
    const inputs = this.stepInputs(modelOutput, timestep, sample);
    const { mo, i } = inputs;
    let x = inputs.x;
    const sigma = this.sigmaTable[i];
    const sChurn = options.sChurn ?? 0;
    const sTmin = options.sTmin ?? 0;
    const sTmax = options.sTmax ?? Number.POSITIVE_INFINITY;
    const sNoise = options.sNoise ?? 1;
    const gamma =
      sTmin <= sigma && sigma <= sTmax ? Math.min(sChurn / (this.sigmaTable.length - 1), Math.SQRT2 - 1) : 0;
    const sigmaHat = fmul(sigma, gamma + 1);
    if (gamma > 0) {
      const noise = this.drawNoise(modelOutput.shape, options.generator);
      const k = fsqrt(fsub(fmul(sigmaHat, sigmaHat), fmul(sigma, sigma)));
      const noisy = new Float32Array(x.length);
      for (let j = 0; j < x.length; j++) noisy[j] = x[j] + f32(f32(noise[j] * f32(sNoise)) * k);
      x = noisy;
    }
    const prediction = this.config.prediction_type as string;
    const x0 = this.predictX0(
      prediction === "original_sample" ? "sample" : prediction,
      prediction === "epsilon" ? sigmaHat : sigma,
      x,
      mo,
    );
    const dt = fsub(this.sigmaTable[i + 1], sigmaHat);
    const prev = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) prev[j] = x[j] + f32(f32(f32(x[j] - x0[j]) / sigmaHat) * dt);
    this.stepIndexValue = i + 1;
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: wrap(x0, sample.shape) };
  }
}
