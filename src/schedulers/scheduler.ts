// The base every scheduler extends: config handling (construction, fromConfig, saving), the training
// tables, timestep bookkeeping and the shared parts of step()'s contract.
import type { Generator } from "../rng/generator.js";
import { randnTensor } from "../rng/randn-tensor.js";
import { Tensor } from "../tensor/index.js";
import {
  configToJsonString,
  rememberUsedDefaults,
  resolveConfig,
  type SchedulerConfig,
  type SchedulerSpec,
  splitForTarget,
} from "./config.js";
import { buildTables } from "./tables.js";
import { dataOf, f32, fsqrt, wrap } from "./tensor-ops.js";

export interface StepOptions {
  /** Generator (or one per batch item) for schedulers that draw noise inside step(). */
  generator?: Generator | Generator[] | null;
  /** DDIM: weight of the noise term (0 = deterministic DDIM, 1 = DDPM-like). */
  eta?: number;
  /** DDIM: recompute the noise prediction from the clipped x0. */
  useClippedModelOutput?: boolean;
  /** DDIM: noise to use instead of drawing from the generator. */
  varianceNoise?: Tensor | null;
  /** EulerDiscrete: stochastic churn parameters (Karras et al. 2022). */
  sChurn?: number;
  sTmin?: number;
  sTmax?: number;
  sNoise?: number;
  /** LMSDiscrete: the maximum multistep order (Diffusers' `order` argument of step, default 4). */
  order?: number;
}

export interface StepResult {
  prevSample: Tensor<"float32">;
  /** The model's estimate of the clean sample, for schedulers whose Diffusers step() returns it. */
  predOriginalSample: Tensor<"float32"> | null;
}

/** The element type Diffusers gives `scheduler.timesteps` (values are exposed as JS numbers either way). */
export type TimestepsDType = "int64" | "float32" | "float64";

export interface SchedulerClass<T extends Scheduler = Scheduler> {
  new (config?: Readonly<Record<string, unknown>>): T;
  readonly spec: SchedulerSpec;
  fromConfig(config: Readonly<Record<string, unknown>>, overrides?: Readonly<Record<string, unknown>>): T;
}

let pendingHidden: Record<string, unknown> | null = null;

export abstract class Scheduler {
  /** The configuration as Diffusers' save_config writes it (snake_case keys, `_class_name`, ...). Frozen. */
  readonly config: SchedulerConfig;
  /** betas and alphas_cumprod tables (float32), as `scheduler.betas` / `scheduler.alphas_cumprod`. */
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** How many model evaluations one step consumes (Diffusers' `order`). */
  abstract readonly order: number;
  abstract readonly timestepsDtype: TimestepsDType;
  /** The steps to visit, in order; pass each element to scaleModelInput() and step(). */
  timesteps: number[] = [];
  numInferenceSteps: number | null = null;
  protected stepIndexValue: number | null = null;
  protected beginIndexValue: number | null = null;
  private readonly spec: SchedulerSpec;

  protected constructor(spec: SchedulerSpec, given: Readonly<Record<string, unknown>>) {
    this.spec = spec;
    const hidden = pendingHidden;
    pendingHidden = null;
    const { config, usedDefaults } = resolveConfig(spec, given ?? {});
    this.normalizeConfig(config);
    if (hidden) Object.assign(config, hidden);
    Object.freeze(config);
    rememberUsedDefaults(config, usedDefaults);
    this.config = config;
    const tables = buildTables(config as never);
    this.betas = tables.betas;
    this.alphasCumprod = tables.alphasCumprod;
  }

  /** Diffusers' from_config: takes the keys this scheduler knows, fills the rest from its own defaults. */
  static fromConfig<T extends Scheduler>(
    this: { new (config?: Readonly<Record<string, unknown>>): T; readonly spec: SchedulerSpec },
    config: Readonly<Record<string, unknown>>,
    overrides: Readonly<Record<string, unknown>> = {},
  ): T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass fromConfig was called on.
    const { init, hidden } = splitForTarget(this.spec, config, overrides);
    pendingHidden = hidden;
    try {
      return new this(init);
    } finally {
      pendingHidden = null;
    }
  }

  /** Hook for the config rewrites Diffusers' __init__ does with register_to_config (e.g. legacy names). */
  protected normalizeConfig(_config: Record<string, unknown>): void {}

  get className(): string {
    return this.spec.className;
  }

  /** Text of scheduler_config.json exactly as Diffusers' save_config writes it. */
  saveConfig(): string {
    return configToJsonString(this.spec, this.config);
  }

  toJSON(): Record<string, unknown> {
    return { ...this.config };
  }

  /** float32 sigmas of the run (one more than timesteps), or null for schedulers without sigmas (DDPM/DDIM/PNDM). */
  get sigmas(): number[] | null {
    return null;
  }

  /** `timesteps` as a Tensor of the dtype Diffusers holds them in (int64, float32 or float64). */
  get timestepsTensor(): Tensor {
    const n = this.timesteps.length;
    if (this.timestepsDtype === "int64")
      return Tensor.from(
        BigInt64Array.from(this.timesteps, (t) => BigInt(t)),
        [n],
      );
    if (this.timestepsDtype === "float32") return Tensor.from(Float32Array.from(this.timesteps), [n]);
    return Tensor.from(Float64Array.from(this.timesteps), [n]);
  }

  /** Scale of the initial noise (`init_noise_sigma`). */
  get initNoiseSigma(): number {
    return 1.0;
  }

  /** Current step index (Diffusers' `step_index`), null before the first step of a run. */
  get stepIndex(): number | null {
    return this.stepIndexValue;
  }

  get beginIndex(): number | null {
    return this.beginIndexValue;
  }

  /** Pipelines that start mid-schedule (img2img) set the first step index before the loop. */
  setBeginIndex(beginIndex = 0): void {
    this.beginIndexValue = beginIndex;
  }

  /** Computes the timesteps (and sigmas) for a run of `numInferenceSteps` and resets per-run state. */
  abstract setTimesteps(numInferenceSteps: number): void;

  /** Input the model should see at timestep t (identity unless the scheduler works in sigma space). */
  scaleModelInput(sample: Tensor, _timestep: number): Tensor<"float32"> {
    return wrap(dataOf(sample, "sample"), sample.shape);
  }

  abstract step(modelOutput: Tensor, timestep: number, sample: Tensor, options?: StepOptions): StepResult;

  /** Forward-diffuses clean samples to the given timesteps (one per batch item, or one for all). */
  addNoise(original: Tensor, noise: Tensor, timesteps: number | readonly number[]): Tensor<"float32"> {
    const x = dataOf(original, "original");
    const n = dataOf(noise, "noise");
    if (x.length !== n.length) throw new RangeError("addNoise: original and noise must have the same shape");
    const coefs = this.noiseCoefficients(this.batchTimesteps(original, timesteps));
    const batch = original.shape[0] ?? 1;
    const per = batch > 0 ? x.length / batch : 0;
    const out = new Float32Array(x.length);
    for (let b = 0; b < batch; b++) {
      const [a, s] = coefs[coefs.length === 1 ? 0 : b];
      for (let i = b * per; i < (b + 1) * per; i++) out[i] = f32(x[i] * a) + f32(n[i] * s);
    }
    return wrap(out, original.shape);
  }

  /** [signal scale, noise scale] used by addNoise for each timestep. */
  protected noiseCoefficients(timesteps: readonly number[]): Array<[number, number]> {
    return timesteps.map((t) => {
      const a = this.alphasCumprod[this.trainIndex(t)];
      return [fsqrt(a), fsqrt(f32(1 - a))];
    });
  }

  protected batchTimesteps(original: Tensor, timesteps: number | readonly number[]): number[] {
    const list = typeof timesteps === "number" ? [timesteps] : [...timesteps];
    const batch = original.shape[0] ?? 1;
    if (list.length !== 1 && list.length !== batch) {
      throw new RangeError(`addNoise: got ${list.length} timesteps for a batch of ${batch}`);
    }
    return list;
  }

  protected trainIndex(t: number): number {
    const n = this.config.num_train_timesteps as number;
    if (!Number.isInteger(t) || t < 0 || t >= n) {
      throw new RangeError(`timestep ${t} is not an integer training timestep in [0, ${n - 1}]`);
    }
    return t;
  }

  protected checkSteps(numInferenceSteps: number, limit = this.config.num_train_timesteps as number): void {
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
      throw new RangeError(`${this.className}.setTimesteps: num_inference_steps must be a positive integer`);
    }
    if (numInferenceSteps > limit) {
      throw new RangeError(
        `${this.className}.setTimesteps: num_inference_steps ${numInferenceSteps} cannot be larger than ` +
          `num_train_timesteps ${limit}`,
      );
    }
  }

  protected requireTimesteps(): void {
    if (this.numInferenceSteps === null) {
      throw new Error(`${this.className}: call setTimesteps() before step()`);
    }
  }

  /** Diffusers' noise draw: randn_tensor(shape, generator, dtype=float32). */
  protected drawNoise(shape: readonly number[], generator: Generator | Generator[] | null | undefined): Float32Array {
    const t = randnTensor(shape, { generator: generator ?? undefined, dtype: "float32" });
    return dataOf(t, "noise");
  }
}
