// UniPCMultistepScheduler (Zhao et al. 2023): UniP predictor + UniC corrector with B(h) = h (bh1) or
// e^h - 1 (bh2), Diffusers v0.31.0 semantics and float32 arithmetic.
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
import type { StepResult } from "./scheduler.js";
import { solveF32 } from "./small-solve.js";
import { dataOf, type F32, f32, fdiv, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";
import { expm1F32 } from "./transcendental.js";

export class UniPCMultistepScheduler extends MultistepScheduler {
  static readonly spec: SchedulerSpec = {
    className: "UniPCMultistepScheduler",
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
      predict_x0: bool(true),
      solver_type: oneOf("bh2", ["bh1", "bh2", "midpoint", "heun", "logrho"]),
      lower_order_final: bool(true),
      disable_corrector: { type: "int[]", default: [] },
      solver_p: { type: "none", default: null, nullable: true },
      use_karras_sigmas: bool(false),
      use_exponential_sigmas: unsupportedFlag(),
      use_beta_sigmas: unsupportedFlag(),
      timestep_spacing: spacing("linspace"),
      steps_offset: int(0),
      final_sigmas_type: oneOf("zero", FINAL_SIGMAS_TYPES, true),
      rescale_betas_zero_snr: bool(false),
    },
  };
  readonly order = 1;
  private modelOutputs: Array<F32 | null> = [];
  private lowerOrderNums = 0;
  private lastSample: F32 | null = null;
  private thisOrder = 1;

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(UniPCMultistepScheduler.spec, config);
    const order = this.config.solver_order as number;
    if (order < 1 || order > 3) {
      throw new RangeError(`UniPCMultistepScheduler: config key "solver_order" must be 1, 2 or 3; got ${order}`);
    }
    this.modelOutputs = new Array(order).fill(null);
  }

  protected override normalizeConfig(config: Record<string, unknown>): void {
    if (["midpoint", "heun", "logrho"].includes(config.solver_type as string)) config.solver_type = "bh2";
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    const numTrain = c.num_train_timesteps as number;
    this.checkSteps(numInferenceSteps);
    let timesteps = spacedTimesteps(
      c.timestep_spacing as string,
      numTrain,
      numInferenceSteps,
      c.steps_offset as number,
      {
        extra: c.timestep_spacing === "trailing" ? 0 : 1,
      },
    );
    const table = this.trainingSigmas();
    let all: Float32Array;
    if (c.use_karras_sigmas) {
      const logSigmas = logF32(table);
      const flipped = Float64Array.from(table).reverse();
      const sigmas = karrasSigmas(flipped[flipped.length - 1], flipped[0], numInferenceSteps);
      timesteps = Array.from(sigmas, (s) => roundHalfEven(sigmaToT(s, logSigmas)));
      all = new Float32Array(sigmas.length + 1);
      all.set(sigmas);
      all[sigmas.length] = c.final_sigmas_type === "sigma_min" ? sigmas[sigmas.length - 1] : 0;
    } else {
      const sigmas = interp(
        timesteps,
        Float64Array.from(table, (_, i) => i),
        table,
      );
      all = new Float32Array(sigmas.length + 1);
      all.set(sigmas);
      all[sigmas.length] =
        c.final_sigmas_type === "sigma_min" ? fsqrt(f32(1 - this.alphasCumprod[0]) / this.alphasCumprod[0]) : 0;
    }
    this.sigmaTable = all;
    this.timesteps = timesteps;
    this.numInferenceSteps = timesteps.length;
    this.modelOutputs = new Array(c.solver_order as number).fill(null);
    this.lowerOrderNums = 0;
    this.lastSample = null;
    this.stepIndexValue = null;
    this.beginIndexValue = null;
  }

  private convertModelOutput(mo: F32, x: F32, shape: readonly number[]): F32 {
    const c = this.config;
    const n = x.length;
    const { alpha, sigma } = alphaSigma(this.sigmaTable[this.stepIndexValue as number]);
    const prediction = c.prediction_type as string;
    const out = new Float32Array(n);
    if (c.predict_x0) {
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
    return out;
  }

  /**
   * The coefficient system shared by predictor and corrector: rks, the D1 differences, h_phi_1, B(h)
   * and the right-hand side b, with upstream's float32 scalar arithmetic.
   */
  private coefficients(
    order: number,
    sigmaT: number,
    sigmaS0: number,
    previous: (i: number) => number,
  ): {
    hPhi1: number;
    bH: number;
    rks: number[];
    b: number[];
    t: ReturnType<typeof alphaSigma>;
    s0: ReturnType<typeof alphaSigma>;
  } {
    const t = alphaSigma(sigmaT);
    const s0 = alphaSigma(sigmaS0);
    const h = fsub(t.lambda, s0.lambda);
    const rks: number[] = [];
    for (let i = 1; i < order; i++) {
      const si = alphaSigma(this.sigmaTable[previous(i)]);
      rks.push(fdiv(fsub(si.lambda, s0.lambda), h));
    }
    rks.push(1);
    const hh = this.config.predict_x0 ? -h : h;
    const hPhi1 = expm1F32(hh);
    let hPhiK = fsub(fdiv(hPhi1, hh), 1);
    let factorial = 1;
    const bH = this.config.solver_type === "bh1" ? hh : expm1F32(hh);
    const b: number[] = [];
    for (let i = 1; i <= order; i++) {
      b.push(fdiv(fmul(hPhiK, factorial), bH));
      factorial *= i + 1;
      hPhiK = fsub(fdiv(hPhiK, hh), 1 / factorial);
    }
    return { hPhi1, bH, rks, b, t, s0 };
  }

  /** R[p][k] = rks[k] ** p, as torch.pow on the float32 rks tensor. */
  private static powerMatrix(rks: readonly number[], size: number): number[][] {
    return Array.from({ length: size }, (_, p) =>
      rks.slice(0, size).map((r) => (p === 0 ? 1 : p === 1 ? r : p === 2 ? fmul(r, r) : fmul(fmul(r, r), r))),
    );
  }

  private predictor(x: F32, order: number): F32 {
    const i = this.stepIndexValue as number;
    const outs = this.modelOutputs;
    const m0 = outs[outs.length - 1] as F32;
    const { hPhi1, bH, rks, b, t, s0 } = this.coefficients(
      order,
      this.sigmaTable[i + 1],
      this.sigmaTable[i],
      (k) => i - k,
    );
    const n = x.length;
    const d1s: F32[] = [];
    for (let k = 1; k < order; k++) {
      const mi = outs[outs.length - (k + 1)] as F32;
      const d = new Float32Array(n);
      for (let j = 0; j < n; j++) d[j] = f32(mi[j] - m0[j]) / rks[k - 1];
      d1s.push(d);
    }
    let rhos: number[] = [];
    if (d1s.length > 0) {
      // R[:-1, :-1] is a non-contiguous view upstream, which changes how torch solves it.
      rhos =
        order === 2
          ? [0.5]
          : solveF32(UniPCMultistepScheduler.powerMatrix(rks, order - 1), b.slice(0, order - 1), false);
    }
    const predictX0 = Boolean(this.config.predict_x0);
    const a = predictX0 ? fdiv(t.sigma, s0.sigma) : fdiv(t.alpha, s0.alpha);
    const scale = predictX0 ? t.alpha : t.sigma;
    const c0 = fmul(scale, hPhi1);
    const cb = fmul(scale, bH);
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const base = f32(f32(a * x[j]) - f32(c0 * m0[j]));
      const res = d1s.length > 0 ? weightedSum(rhos, d1s, j) : 0;
      out[j] = base - f32(cb * res);
    }
    return out;
  }

  private corrector(modelT: F32, lastSample: F32, order: number): F32 {
    const i = this.stepIndexValue as number;
    const outs = this.modelOutputs;
    const m0 = outs[outs.length - 1] as F32;
    const { hPhi1, bH, rks, b, t, s0 } = this.coefficients(
      order,
      this.sigmaTable[i],
      this.sigmaTable[i - 1],
      (k) => i - (k + 1),
    );
    const n = lastSample.length;
    const d1s: F32[] = [];
    for (let k = 1; k < order; k++) {
      const mi = outs[outs.length - (k + 1)] as F32;
      const d = new Float32Array(n);
      for (let j = 0; j < n; j++) d[j] = f32(mi[j] - m0[j]) / rks[k - 1];
      d1s.push(d);
    }
    const rhos = order === 1 ? [0.5] : solveF32(UniPCMultistepScheduler.powerMatrix(rks, order), b);
    const predictX0 = Boolean(this.config.predict_x0);
    const a = predictX0 ? fdiv(t.sigma, s0.sigma) : fdiv(t.alpha, s0.alpha);
    const scale = predictX0 ? t.alpha : t.sigma;
    const c0 = fmul(scale, hPhi1);
    const cb = fmul(scale, bH);
    const rLast = f32(rhos[rhos.length - 1]);
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const base = f32(f32(a * lastSample[j]) - f32(c0 * m0[j]));
      const d1t = f32(modelT[j] - m0[j]);
      const corr = d1s.length > 0 ? weightedSum(rhos, d1s, j) : 0;
      out[j] = base - f32(cb * f32(corr + f32(rLast * d1t)));
    }
    return out;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor): StepResult {
    this.requireTimesteps();
    const c = this.config;
    const mo = dataOf(modelOutput, "modelOutput");
    let x = dataOf(sample, "sample");
    if (mo.length !== x.length) throw new RangeError("UniPCMultistepScheduler.step: shapes differ");
    this.initStepIndex(timestep);
    const idx = this.stepIndexValue as number;
    const disabled = c.disable_corrector as number[];
    const useCorrector = idx > 0 && !disabled.includes(idx - 1) && this.lastSample !== null;
    const converted = this.convertModelOutput(mo, x, sample.shape);
    if (useCorrector) x = this.corrector(converted, this.lastSample as F32, this.thisOrder);
    const order = c.solver_order as number;
    for (let i = 0; i < order - 1; i++) this.modelOutputs[i] = this.modelOutputs[i + 1];
    this.modelOutputs[order - 1] = converted;
    const wanted = c.lower_order_final ? Math.min(order, this.timesteps.length - idx) : order;
    this.thisOrder = Math.min(wanted, this.lowerOrderNums + 1);
    if (this.thisOrder < 1) throw new Error("UniPCMultistepScheduler: step() called past the end of the schedule");
    this.lastSample = x;
    const prev = this.predictor(x, this.thisOrder);
    if (this.lowerOrderNums < order) this.lowerOrderNums++;
    this.stepIndexValue = idx + 1;
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: null };
  }
}

/** einsum("k,bk...->b...") at element j: sum over k of f32(rho_k * d_k), left to right. */
function weightedSum(rhos: readonly number[], d1s: readonly F32[], j: number): number {
  let acc = f32(f32(rhos[0]) * d1s[0][j]);
  for (let k = 1; k < d1s.length; k++) acc = f32(acc + f32(f32(rhos[k]) * d1s[k][j]));
  return acc;
}
