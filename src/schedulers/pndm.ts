// PNDMScheduler (Liu et al. 2022): Runge-Kutta warm-up steps then linear multistep (PLMS), Diffusers
// v0.31.0 semantics and float32 arithmetic. One "step" per model evaluation; `timesteps` lists them all.

import { arange, linspace, roundHalfEven } from "../math/compat/numpy-f64.js";
import type { Tensor } from "../tensor/index.js";
import type { SchedulerSpec } from "./config.js";
import { bool, int, oneOf, spacing, trainingNoiseParams } from "./params.js";
import { Scheduler, type StepResult } from "./scheduler.js";
import { dataOf, type F32, f32, fdiv, fmul, fsqrt, fsub, wrap } from "./tensor-ops.js";

export class PNDMScheduler extends Scheduler {
  static readonly spec: SchedulerSpec = {
    className: "PNDMScheduler",
    params: {
      ...trainingNoiseParams(),
      skip_prk_steps: bool(false),
      set_alpha_to_one: bool(false),
      prediction_type: oneOf("epsilon", ["epsilon", "v_prediction"]),
      timestep_spacing: spacing("leading"),
      steps_offset: int(0),
    },
  };
  readonly order = 1;
  readonly timestepsDtype = "int64" as const;
  readonly finalAlphaCumprod: number;
  private readonly pndmOrder = 4;
  private prkTimesteps: number[] = [];
  private curModelOutput: F32 | null = null;
  private curSample: F32 | null = null;
  private counter = 0;
  private ets: F32[] = [];

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    super(PNDMScheduler.spec, config);
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    const numTrain = c.num_train_timesteps as number;
    this.checkSteps(numInferenceSteps);
    this.numInferenceSteps = numInferenceSteps;
    // Ascending, as upstream's `_timesteps`.
    let base: number[];
    if (c.timestep_spacing === "linspace") {
      base = Array.from(linspace(0, numTrain - 1, numInferenceSteps), roundHalfEven);
    } else if (c.timestep_spacing === "leading") {
      const ratio = Math.floor(numTrain / numInferenceSteps);
      base = Array.from({ length: numInferenceSteps }, (_, i) => i * ratio + (c.steps_offset as number));
    } else {
      base = Array.from(arange(numTrain, 0, -(numTrain / numInferenceSteps)), (t) => roundHalfEven(t) - 1).reverse();
    }
    let plms: number[];
    if (c.skip_prk_steps) {
      this.prkTimesteps = [];
      plms = [...base.slice(0, -1), ...base.slice(-2, -1), ...base.slice(-1)].reverse();
    } else {
      const half = Math.floor(Math.floor(numTrain / numInferenceSteps) / 2);
      const lastFour = base.slice(-this.pndmOrder);
      const prk: number[] = [];
      for (const t of lastFour) prk.push(t, t + half);
      // prk[:-1].repeat(2)[1:-1], reversed
      const rep: number[] = [];
      for (const t of prk.slice(0, -1)) rep.push(t, t);
      this.prkTimesteps = rep.slice(1, -1).reverse();
      plms = base.slice(0, -3).reverse();
    }
    this.timesteps = [...this.prkTimesteps, ...plms];
    this.ets = [];
    this.counter = 0;
    this.curModelOutput = null;
    this.curSample = null;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor): StepResult {
    this.requireTimesteps();
    const mo = dataOf(modelOutput, "modelOutput");
    const x = dataOf(sample, "sample");
    if (mo.length !== x.length) throw new RangeError("PNDMScheduler.step: modelOutput and sample shapes differ");
    const prev =
      this.counter < this.prkTimesteps.length && !this.config.skip_prk_steps
        ? this.stepPrk(mo, timestep, x)
        : this.stepPlms(mo, timestep, x);
    return { prevSample: wrap(prev, sample.shape), predOriginalSample: null };
  }

  private get ratio(): number {
    return Math.floor((this.config.num_train_timesteps as number) / (this.numInferenceSteps as number));
  }

  private stepPrk(mo: F32, timestep: number, x: F32): F32 {
    const diffToPrev = this.counter % 2 ? 0 : Math.floor(this.ratio / 2);
    const prevTimestep = timestep - diffToPrev;
    const t = this.prkTimesteps[Math.floor(this.counter / 4) * 4];
    let output = mo;
    const phase = this.counter % 4;
    if (phase === 0) {
      this.curModelOutput = accumulate(this.curModelOutput, 1 / 6, mo);
      this.ets.push(mo);
      this.curSample = x;
    } else if (phase === 1 || phase === 2) {
      this.curModelOutput = accumulate(this.curModelOutput, 1 / 3, mo);
    } else {
      output = accumulate(this.curModelOutput, 1 / 6, mo);
      this.curModelOutput = null;
    }
    const cur = this.curSample ?? x;
    const prev = this.prevSample(cur, t, prevTimestep, output);
    this.counter++;
    return prev;
  }

  private stepPlms(mo: F32, timestep: number, x: F32): F32 {
    if (!this.config.skip_prk_steps && this.ets.length < 3) {
      throw new Error("PNDMScheduler: PLMS steps need the Runge-Kutta warm-up (12 model evaluations) first");
    }
    let t = timestep;
    let prevTimestep = t - this.ratio;
    if (this.counter !== 1) {
      this.ets = this.ets.slice(-3);
      this.ets.push(mo);
    } else {
      prevTimestep = t;
      t = t + this.ratio;
    }
    const e = this.ets;
    const n = mo.length;
    let output: F32;
    let sample = x;
    if (e.length === 1 && this.counter === 0) {
      output = mo;
      this.curSample = x;
    } else if (e.length === 1 && this.counter === 1) {
      output = new Float32Array(n);
      for (let i = 0; i < n; i++) output[i] = f32(mo[i] + e[0][i]) / 2;
      sample = this.curSample as F32;
      this.curSample = null;
    } else if (e.length === 2) {
      output = new Float32Array(n);
      for (let i = 0; i < n; i++) output[i] = f32(f32(3 * e[1][i]) - e[0][i]) / 2;
    } else if (e.length === 3) {
      output = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        output[i] = f32(f32(f32(23 * e[2][i]) - f32(16 * e[1][i])) + f32(5 * e[0][i])) / 12;
      }
    } else {
      output = new Float32Array(n);
      const c = f32(1 / 24);
      for (let i = 0; i < n; i++) {
        const s = f32(f32(f32(f32(55 * e[3][i]) - f32(59 * e[2][i])) + f32(37 * e[1][i])) - f32(9 * e[0][i]));
        output[i] = c * s;
      }
    }
    const prev = this.prevSample(sample, t, prevTimestep, output);
    this.counter++;
    return prev;
  }

  /** Diffusers' _get_prev_sample (formula (9) of the PNDM paper), float32. */
  private prevSample(sample: F32, t: number, prevT: number, modelOutput: F32): F32 {
    const alphaProdT = this.alphasCumprod[this.trainIndex(t)];
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[this.trainIndex(prevT)] : this.finalAlphaCumprod;
    const betaProdT = fsub(1, alphaProdT);
    const betaProdPrev = fsub(1, alphaProdPrev);
    const n = sample.length;
    let mo = modelOutput;
    if (this.config.prediction_type === "v_prediction") {
      const sa = fsqrt(alphaProdT);
      const sb = fsqrt(betaProdT);
      mo = new Float32Array(n);
      for (let i = 0; i < n; i++) mo[i] = f32(sa * modelOutput[i]) + f32(sb * sample[i]);
    }
    const sampleCoeff = fsqrt(fdiv(alphaProdPrev, alphaProdT));
    const denom = f32(fmul(alphaProdT, fsqrt(betaProdPrev)) + fsqrt(fmul(fmul(alphaProdT, betaProdT), alphaProdPrev)));
    const diff = fsub(alphaProdPrev, alphaProdT);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = f32(sampleCoeff * sample[i]) - f32(f32(diff * mo[i]) / denom);
    return out;
  }
}

/** acc + c * x with the float32 scalar c (acc absent = the Python int 0 upstream starts from). */
function accumulate(acc: F32 | null, c: number, x: F32): F32 {
  const k = f32(c);
  const out = new Float32Array(x.length);
  if (acc === null) for (let i = 0; i < x.length; i++) out[i] = k * x[i];
  else for (let i = 0; i < x.length; i++) out[i] = acc[i] + f32(k * x[i]);
  return out;
}
