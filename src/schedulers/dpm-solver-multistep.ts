// DPMSolverMultistepScheduler (DPM-Solver / DPM-Solver++, Lu et al. 2022), Diffusers v0.31.0 semantics:
// orders 1-3, midpoint/heun second-order updates, lower_order_final, Karras sigmas, SDE variants.
import type { Tensor } from "../tensor/index.js";
import { spacedTimesteps, thresholdSample } from "./common.js";
import type { SchedulerSpec } from "./config.js";
import { alphaSigma, MultistepScheduler } from "./multistep-base.js";
import { interp, karrasSigmas, logF32, roundHalfEven, sigmaToT } from "./numpy.js";
import {
  betaSchedule,
  bool,
  FINAL_SIGMAS_TYPES,
  float,
  int,
  oneOf,
  PREDICTION_TYPES,
  spacing,
  trainedBetas,
  unsupportedFlag,
} from "./params.js";
import type { StepOptions, StepResult } from "./scheduler.js";
import { dataOf, type F32, f32, fadd, fdiv, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";
import { expF32, logF32Scalar } from "./transcendental.js";

const ALGORITHMS = ["dpmsolver++", "dpmsolver", "sde-dpmsolver++", "sde-dpmsolver", "deis"];
const SOLVER_TYPES = ["midpoint", "heun", "logrho", "bh1", "bh2"];

export class DPMSolverMultistepScheduler extends MultistepScheduler {
  static readonly spec: SchedulerSpec = {
    className: "DPMSolverMultistepScheduler",
    params: {
      num_train_timesteps: int(1000),
      beta_start: float(0.0001),
      beta_end: float(0.02),
      beta_schedule: betaSchedule(),
      trained_betas: trainedBetas,
      solver_order: int(2),
      prediction_type: oneOf("epsilon", PREDICTION_TYPES),
      thresholding: bool(false),
      dynamic_thresholding_ratio: float(0.995),
      sample_max_value: float(1.0),
      algorithm_type: oneOf("dpmsolver++", ALGORITHMS),
      solver_type: oneOf("midpoint", SOLVER_TYPES),
      lower_order_final: bool(true),
      euler_at_final: bool(false),
      use_karras_sigmas: bool(false),
      use_exponential_sigmas: unsupportedFlag(),
      use_beta_sigmas: unsupportedFlag(),
      use_lu_lambdas: unsupportedFlag(),
      final_sigmas_type: oneOf("zero", FINAL_SIGMAS_TYPES, true),
      lambda_min_clipped: float(Number.NEGATIVE_INFINITY),
      // Only "learned" / "learned_range" change anything; other values (e.g. a DDPM config's) are ignored.
      variance_type: { type: "string", default: null, nullable: true },
      timestep_spacing: spacing("linspace"),
      steps_offset: int(0),
      rescale_betas_zero_snr: bool(false),
    },
  };
  readonly order = 1;
  private modelOutputs: Array<F32 | null> = [];
  private lowerOrderNums = 0;
  /** lambda_t of the training table (float32), for lambda_min_clipped. */
  private readonly lambdaT: Float32Array;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(DPMSolverMultistepScheduler.spec, config);
    const c = this.config;
    const order = c.solver_order as number;
    if (order < 1 || order > 3) {
      throw new RangeError(`DPMSolverMultistepScheduler: config key "solver_order" must be 1, 2 or 3; got ${order}`);
    }
    const algo = c.algorithm_type as string;
    if (algo !== "dpmsolver++" && algo !== "sde-dpmsolver++" && c.final_sigmas_type === "zero") {
      throw new RangeError(
        `DPMSolverMultistepScheduler: final_sigmas_type "zero" is not supported for algorithm_type "${algo}"; ` +
          `use "sigma_min"`,
      );
    }
    const n = this.alphasCumprod.length;
    this.lambdaT = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = fsqrt(this.alphasCumprod[i]);
      const s = fsqrt(f32(1 - this.alphasCumprod[i]));
      this.lambdaT[i] = fsub(logF32Scalar(a), logF32Scalar(s));
    }
    this.modelOutputs = new Array(order).fill(null);
  }

  protected override normalizeConfig(config: Record<string, unknown>): void {
    // Diffusers rewrites legacy / foreign names with register_to_config.
    if (config.algorithm_type === "deis") config.algorithm_type = "dpmsolver++";
    if (["logrho", "bh1", "bh2"].includes(config.solver_type as string)) config.solver_type = "midpoint";
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    const numTrain = c.num_train_timesteps as number;
    this.checkSteps(numInferenceSteps);
    // searchsorted(flip(lambda_t), lambda_min_clipped): count of flipped entries < the bound.
    // torch.searchsorted promotes the Python float bound to the table's float32.
    const bound = f32(c.lambda_min_clipped as number);
    let clipped = 0;
    for (let i = numTrain - 1; i >= 0 && this.lambdaT[i] < bound; i--) clipped++;
    const lastTimestep = numTrain - clipped;
    let timesteps = spacedTimesteps(
      c.timestep_spacing as string,
      numTrain,
      numInferenceSteps,
      c.steps_offset as number,
      {
        extra: c.timestep_spacing === "trailing" ? 0 : 1,
        lastTimestep,
      },
    );
    const table = this.trainingSigmas();
    const logSigmas = logF32(table);
    let sigmas: ArrayLike<number>;
    if (c.use_karras_sigmas) {
      const flipped = Float64Array.from(table).reverse();
      sigmas = karrasSigmas(flipped[flipped.length - 1], flipped[0], numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => roundHalfEven(sigmaToT(s, logSigmas)));
    } else {
      sigmas = interp(
        timesteps,
        Float64Array.from(table, (_, i) => i),
        table,
      );
    }
    const last =
      c.final_sigmas_type === "sigma_min" ? fsqrt(f32(1 - this.alphasCumprod[0]) / this.alphasCumprod[0]) : 0;
    const all = new Float32Array(sigmas.length + 1);
    all.set(Array.from(sigmas));
    all[sigmas.length] = last;
    this.sigmaTable = all;
    this.timesteps = timesteps;
    this.numInferenceSteps = timesteps.length;
    this.modelOutputs = new Array(c.solver_order as number).fill(null);
    this.lowerOrderNums = 0;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
  }

  /** The model output as the solver's x0 (dpmsolver++) or epsilon (dpmsolver) prediction. */
  private convertModelOutput(mo: F32, x: F32, shape: readonly number[]): F32 {
    const c = this.config;
    const n = x.length;
    const { alpha, sigma } = alphaSigma(this.sigmaTable[this.stepIndexValue as number]);
    const out = new Float32Array(n);
    const prediction = c.prediction_type as string;
    if ((c.algorithm_type as string).endsWith("dpmsolver++")) {
      if (prediction === "epsilon") for (let i = 0; i < n; i++) out[i] = f32(x[i] - f32(sigma * mo[i])) / alpha;
      else if (prediction === "sample") out.set(mo);
      else for (let i = 0; i < n; i++) out[i] = f32(alpha * x[i]) - f32(sigma * mo[i]);
      if (c.thresholding) {
        return thresholdSample(out, shape, c.dynamic_thresholding_ratio as number, c.sample_max_value as number);
      }
      return out;
    }
    if (prediction === "epsilon") out.set(mo);
    else if (prediction === "sample") for (let i = 0; i < n; i++) out[i] = f32(x[i] - f32(alpha * mo[i])) / sigma;
    else for (let i = 0; i < n; i++) out[i] = f32(alpha * mo[i]) + f32(sigma * x[i]);
    if (c.thresholding) {
      const x0 = new Float32Array(n);
      for (let i = 0; i < n; i++) x0[i] = f32(x[i] - f32(sigma * out[i])) / alpha;
      const th = thresholdSample(x0, shape, c.dynamic_thresholding_ratio as number, c.sample_max_value as number);
      for (let i = 0; i < n; i++) out[i] = f32(x[i] - f32(alpha * th[i])) / sigma;
    }
    return out;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): StepResult {
    this.requireTimesteps();
    const c = this.config;
    let mo = dataOf(modelOutput, "modelOutput");
    const x = dataOf(sample, "sample");
    if ((c.variance_type === "learned" || c.variance_type === "learned_range") && mo.length === 2 * x.length) {
      mo = firstChannels(mo, modelOutput.shape, sample.shape[1]);
    }
    if (mo.length !== x.length) throw new RangeError("DPMSolverMultistepScheduler.step: shapes differ");
    this.initStepIndex(timestep);
    const idx = this.stepIndexValue as number;
    const len = this.timesteps.length;
    const lowerOrderFinal =
      idx === len - 1 &&
      (Boolean(c.euler_at_final) || (Boolean(c.lower_order_final) && len < 15) || c.final_sigmas_type === "zero");
    const lowerOrderSecond = idx === len - 2 && Boolean(c.lower_order_final) && len < 15;
    const converted = this.convertModelOutput(mo, x, sample.shape);
    const order = c.solver_order as number;
    for (let i = 0; i < order - 1; i++) this.modelOutputs[i] = this.modelOutputs[i + 1];
    this.modelOutputs[order - 1] = converted;
    const algo = c.algorithm_type as string;
    let noise: F32 | null = null;
    if (algo.startsWith("sde-")) {
      if (options.varianceNoise) noise = dataOf(options.varianceNoise, "varianceNoise");
      else noise = this.drawNoise(modelOutput.shape, options.generator);
    }
    let prev: F32;
    if (order === 1 || this.lowerOrderNums < 1 || lowerOrderFinal) prev = this.firstOrder(converted, x, noise);
    else if (order === 2 || this.lowerOrderNums < 2 || lowerOrderSecond) prev = this.secondOrder(x, noise);
    else prev = this.thirdOrder(x);
    if (this.lowerOrderNums < order) this.lowerOrderNums++;
    this.stepIndexValue = idx + 1;
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: null };
  }

  private firstOrder(m: F32, x: F32, noise: F32 | null): F32 {
    const i = this.stepIndexValue as number;
    const t = alphaSigma(this.sigmaTable[i + 1]);
    const s = alphaSigma(this.sigmaTable[i]);
    const h = fsub(t.lambda, s.lambda);
    const n = x.length;
    const out = new Float32Array(n);
    switch (this.config.algorithm_type) {
      case "dpmsolver++": {
        const a = fdiv(t.sigma, s.sigma);
        const b = fmul(t.alpha, fsub(expF32(-h), 1));
        for (let j = 0; j < n; j++) out[j] = f32(a * x[j]) - f32(b * m[j]);
        break;
      }
      case "dpmsolver": {
        const a = fdiv(t.alpha, s.alpha);
        const b = fmul(t.sigma, fsub(expF32(h), 1));
        for (let j = 0; j < n; j++) out[j] = f32(a * x[j]) - f32(b * m[j]);
        break;
      }
      case "sde-dpmsolver++": {
        const z = noise as F32;
        const a = fmul(fdiv(t.sigma, s.sigma), expF32(-h));
        const e2 = expF32(fmul(-2.0, h));
        const b = fmul(t.alpha, fsub(1, e2));
        const c = fmul(t.sigma, fsqrt(fsub(1.0, expF32(fmul(-2, h)))));
        for (let j = 0; j < n; j++) out[j] = f32(f32(a * x[j]) + f32(b * m[j])) + f32(c * z[j]);
        break;
      }
      default: {
        const z = noise as F32;
        const a = fdiv(t.alpha, s.alpha);
        const b = fmul(2.0, fmul(t.sigma, fsub(expF32(h), 1)));
        const c = fmul(t.sigma, fsqrt(fsub(expF32(fmul(2, h)), 1)));
        for (let j = 0; j < n; j++) out[j] = f32(f32(a * x[j]) - f32(b * m[j])) + f32(c * z[j]);
      }
    }
    return out;
  }

  private secondOrder(x: F32, noise: F32 | null): F32 {
    const i = this.stepIndexValue as number;
    const t = alphaSigma(this.sigmaTable[i + 1]);
    const s0 = alphaSigma(this.sigmaTable[i]);
    const s1 = alphaSigma(this.sigmaTable[i - 1]);
    const outs = this.modelOutputs;
    const m0 = outs[outs.length - 1] as F32;
    const m1 = outs[outs.length - 2] as F32;
    const h = fsub(t.lambda, s0.lambda);
    const h0 = fsub(s0.lambda, s1.lambda);
    const r0 = fdiv(h0, h);
    const invR0 = fdiv(1, r0);
    const n = x.length;
    const d1 = new Float32Array(n);
    for (let j = 0; j < n; j++) d1[j] = invR0 * f32(m0[j] - m1[j]);
    const out = new Float32Array(n);
    const heun = this.config.solver_type === "heun";
    switch (this.config.algorithm_type) {
      case "dpmsolver++": {
        const a = fdiv(t.sigma, s0.sigma);
        const em1 = fsub(expF32(-h), 1);
        const b = fmul(t.alpha, em1);
        const c = heun ? fmul(t.alpha, fadd(fdiv(em1, h), 1)) : fmul(0.5, b);
        for (let j = 0; j < n; j++) {
          const base = f32(f32(a * x[j]) - f32(b * m0[j]));
          out[j] = heun ? base + f32(c * d1[j]) : base - f32(c * d1[j]);
        }
        break;
      }
      case "dpmsolver": {
        const a = fdiv(t.alpha, s0.alpha);
        const em1 = fsub(expF32(h), 1);
        const b = fmul(t.sigma, em1);
        const c = heun ? fmul(t.sigma, fsub(fdiv(em1, h), 1)) : fmul(0.5, b);
        for (let j = 0; j < n; j++) out[j] = f32(f32(a * x[j]) - f32(b * m0[j])) - f32(c * d1[j]);
        break;
      }
      case "sde-dpmsolver++": {
        const z = noise as F32;
        const a = fmul(fdiv(t.sigma, s0.sigma), expF32(-h));
        const om = fsub(1, expF32(fmul(-2.0, h)));
        const b = fmul(t.alpha, om);
        const c = heun ? fmul(t.alpha, fadd(fdiv(fsub(1.0, expF32(fmul(-2.0, h))), fmul(-2.0, h)), 1)) : fmul(0.5, b);
        const d = fmul(t.sigma, fsqrt(fsub(1.0, expF32(fmul(-2, h)))));
        for (let j = 0; j < n; j++) {
          out[j] = f32(f32(f32(a * x[j]) + f32(b * m0[j])) + f32(c * d1[j])) + f32(d * z[j]);
        }
        break;
      }
      default: {
        const z = noise as F32;
        const a = fdiv(t.alpha, s0.alpha);
        const em1 = fsub(expF32(h), 1);
        const b = fmul(2.0, fmul(t.sigma, em1));
        const c = heun ? fmul(2.0, fmul(t.sigma, fsub(fdiv(em1, h), 1))) : fmul(t.sigma, em1);
        const d = fmul(t.sigma, fsqrt(fsub(expF32(fmul(2, h)), 1)));
        for (let j = 0; j < n; j++) {
          out[j] = f32(f32(f32(a * x[j]) - f32(b * m0[j])) - f32(c * d1[j])) + f32(d * z[j]);
        }
      }
    }
    return out;
  }

  private thirdOrder(x: F32): F32 {
    const i = this.stepIndexValue as number;
    const t = alphaSigma(this.sigmaTable[i + 1]);
    const s0 = alphaSigma(this.sigmaTable[i]);
    const s1 = alphaSigma(this.sigmaTable[i - 1]);
    const s2 = alphaSigma(this.sigmaTable[i - 2]);
    const outs = this.modelOutputs;
    const m0 = outs[outs.length - 1] as F32;
    const m1 = outs[outs.length - 2] as F32;
    const m2 = outs[outs.length - 3] as F32;
    const h = fsub(t.lambda, s0.lambda);
    const h0 = fsub(s0.lambda, s1.lambda);
    const h1 = fsub(s1.lambda, s2.lambda);
    const r0 = fdiv(h0, h);
    const r1 = fdiv(h1, h);
    const k0 = fdiv(1, r0);
    const k1 = fdiv(1, r1);
    const kd1 = fdiv(r0, fadd(r0, r1));
    const kd2 = fdiv(1, fadd(r0, r1));
    const n = x.length;
    const out = new Float32Array(n);
    const plus = this.config.algorithm_type === "dpmsolver++";
    const e = plus ? fsub(expF32(-h), 1) : fsub(expF32(h), 1);
    const scale = plus ? t.alpha : t.sigma;
    const a = plus ? fdiv(t.sigma, s0.sigma) : fdiv(t.alpha, s0.alpha);
    const b = fmul(scale, e);
    const c = plus ? fmul(scale, fadd(fdiv(e, h), 1)) : fmul(scale, fsub(fdiv(e, h), 1));
    const d = plus
      ? fmul(scale, fsub(fdiv(fadd(e, h), fmul(h, h)), 0.5))
      : fmul(scale, fsub(fdiv(fsub(e, h), fmul(h, h)), 0.5));
    for (let j = 0; j < n; j++) {
      const d10 = f32(k0 * f32(m0[j] - m1[j]));
      const d11 = f32(k1 * f32(m1[j] - m2[j]));
      const diff = f32(d10 - d11);
      const D1 = f32(d10 + f32(kd1 * diff));
      const D2 = f32(kd2 * diff);
      const base = f32(f32(a * x[j]) - f32(b * m0[j]));
      out[j] = plus ? f32(base + f32(c * D1)) - f32(d * D2) : f32(base - f32(c * D1)) - f32(d * D2);
    }
    return out;
  }
}

/** model_output[:, :C] of a [B, 2C, ...] tensor. */
function firstChannels(data: F32, shape: readonly number[], channels: number): F32 {
  const b = shape[0];
  const inner = data.length / (b * shape[1]);
  const out = new Float32Array(b * channels * inner);
  for (let i = 0; i < b; i++) {
    out.set(data.subarray(i * shape[1] * inner, i * shape[1] * inner + channels * inner), i * channels * inner);
  }
  return out;
}
