import type { ModelSource } from "../models/source.js";
import type { Generator } from "../rng/index.js";
import { randnTensor } from "../rng/index.js";
import { Tensor } from "../tensor/tensor.js";
import type { SchedulerLike, UNetLike } from "./components.js";
import { assertActiveBackendAllowed, engineInfo } from "./engine-info.js";
import { loadUnconditionalComponents, type ModelIndex, type PipelineLocation } from "./loading.js";
import { numpyToImages, toNumpyImages } from "./postprocess.js";
import { type AnyPipeline, loadPretrained, type PipelineClass } from "./registry.js";
import { abortError, reportProgress } from "./run-control.js";
import type {
  FromPretrainedOptions,
  GenerateOptions,
  GenerateResult,
  GenerationInfo,
  ImagesFor,
  OutputType,
  StepTensors,
} from "./types.js";

/** What an unconditional pipeline (DDPM, DDIM) is built from. */
export interface UnconditionalComponents {
  unet: UNetLike;
  scheduler: SchedulerLike;
}

function timestepNumbers(timesteps: SchedulerLike["timesteps"]): number[] {
  const data = ((timesteps as Tensor).data ?? timesteps) as ArrayLike<number | bigint>;
  return Array.from(data, (v) => Number(v));
}

/** Options as the subclass hooks see them (the callback's pipeline type does not matter there). */
type HookOptions = GenerateOptions<OutputType, never>;

/** Everything one denoising step needs from the concrete pipeline. */
export interface StepContext {
  t: number;
  latents: Tensor<"float32">;
  generator: Generator | Generator[] | undefined;
}

/**
 * The shared machinery of unconditional image pipelines (Diffusers' `DiffusionPipeline`): loading,
 * noise, the denoising loop with callbacks, interruption, abort and progress, and output conversion.
 * Subclasses define one scheduler step.
 */
export abstract class DiffusionPipeline {
  /** The name model_index.json's `_class_name` uses for this pipeline. */
  static readonly pipelineName: string = "DiffusionPipeline";

  unet: UNetLike;
  /** Replaceable: `pipe.scheduler = DDIMScheduler.fromConfig(pipe.scheduler.config)`. */
  scheduler: SchedulerLike;
  /** model_index.json as loaded (or a minimal one for pipelines built from components). */
  readonly modelIndex: ModelIndex;
  /** Set to true (e.g. from a step-end callback) to stop the current call after this step. */
  interrupt = false;

  constructor(components: UnconditionalComponents, modelIndex?: ModelIndex) {
    this.unet = components.unet;
    this.scheduler = components.scheduler;
    this.modelIndex = modelIndex ?? {
      _class_name: (this.constructor as typeof DiffusionPipeline).pipelineName,
      unet: ["diffusers", "UNet2DModel"],
      scheduler: ["diffusers", schedulerName(components.scheduler)],
    };
  }

  /** The model_index.json components an unconditional pipeline loads (and a Hub download fetches). */
  static readonly componentNames: readonly string[] = ["scheduler", "unet"];

  /**
   * Loads a pipeline from a Diffusers `save_pretrained` folder: a local path or Hub repo id (Node), an http(s)
   * URL of a served folder, a Hub repo id fetched through the Hub's resolve URLs (browsers), or a ModelFolder
   * (`MemoryModelFolder`, `modelFolderFromFiles`, `UrlModelFolder`, `hubModelFolder`, or your own). Called on
   * `DiffusionPipeline` it builds whichever registered class model_index.json's `_class_name` names
   * (DDPMPipeline, DDIMPipeline, StableDiffusionPipeline; narrow the result with `instanceof`); called on a
   * subclass it builds that subclass (so `DDIMPipeline.fromPretrained` on a DDPM folder converts its
   * scheduler, as in Diffusers). Without a path it loads the bundled model (Node only).
   */
  static fromPretrained<T extends DiffusionPipeline>(
    this: new (
      ...args: never[]
    ) => T,
    source?: ModelSource,
    options?: FromPretrainedOptions,
  ): Promise<T>;
  static fromPretrained(
    this: abstract new (
      ...args: never[]
    ) => DiffusionPipeline,
    source?: ModelSource,
    options?: FromPretrainedOptions,
  ): Promise<AnyPipeline>;
  static fromPretrained(source?: ModelSource, options: FromPretrainedOptions = {}): Promise<AnyPipeline> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class fromPretrained was called on.
    const cls = this === DiffusionPipeline ? null : (this as unknown as PipelineClass);
    return loadPretrained(cls, source, options);
  }

  /** Builds this class from a resolved folder: the UNet and scheduler model_index.json names. */
  static async fromLocation<T extends DiffusionPipeline>(
    this: new (
      components: UnconditionalComponents,
      modelIndex?: ModelIndex,
    ) => T,
    location: PipelineLocation,
    options: FromPretrainedOptions,
  ): Promise<T> {
    const components = await loadUnconditionalComponents(location, options);
    return new this(components, location.modelIndex);
  }

  /** Applies one scheduler step; DDPM and DDIM differ only here. */
  protected abstract step(
    modelOutput: Tensor<"float32">,
    context: StepContext,
    options: HookOptions,
  ): Tensor<"float32">;

  /** Default number of inference steps when the call names none. */
  protected abstract get defaultSteps(): number;

  /** The noise shape for a batch: (B, in_channels, sample_size, sample_size) from the UNet config. */
  protected sampleShape(batchSize: number): number[] {
    const cfg = this.unet.config as { in_channels?: number; sample_size?: number | number[] };
    const channels = cfg.in_channels;
    const size = cfg.sample_size;
    if (typeof channels !== "number") throw new Error("unet config has no in_channels");
    if (typeof size === "number") return [batchSize, channels, size, size];
    if (Array.isArray(size) && size.length === 2) return [batchSize, channels, size[0], size[1]];
    throw new Error(`unet config sample_size must be a number or [height, width], got ${JSON.stringify(size)}`);
  }

  /**
   * Generates images. Draw order is Diffusers': the initial noise `randnTensor(shape, generator)` (one
   * draw of shape (1, …) per generator when a list is given), then whatever the scheduler draws per step
   * (DDPM: variance noise at every t > 0; DDIM: only when eta > 0), in step order.
   */
  async generate<O extends OutputType = "pil">(options: GenerateOptions<O, this> = {}): Promise<GenerateResult<O>> {
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    const numInferenceSteps = options.numInferenceSteps ?? this.defaultSteps;
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
      throw new RangeError(`numInferenceSteps must be a positive integer, got ${numInferenceSteps}`);
    }
    const outputType = (options.outputType ?? "pil") as OutputType;
    if (!["np", "pil", "latent", "tensor"].includes(outputType)) {
      throw new RangeError(`outputType must be "np", "pil", "latent" or "tensor", got ${JSON.stringify(outputType)}`);
    }
    const generator = options.generator;
    if (Array.isArray(generator) && generator.length !== batchSize) {
      throw new RangeError(
        `a list of ${generator.length} generators was passed for a batch of ${batchSize} images; ` +
          "pass exactly one generator per image (or a single generator for the whole batch)",
      );
    }
    this.validate(options);
    assertActiveBackendAllowed();
    const { signal, progress, callbackOnStepEnd } = options;
    if (signal?.aborted) throw abortError(signal);

    this.interrupt = false;
    let latents = randnTensor(this.sampleShape(batchSize), { generator }) as Tensor<"float32">;
    this.scheduler.setTimesteps(numInferenceSteps);
    // DDPM and DDIM start at sigma 1 and need no input scaling (Diffusers' DDPM/DDIM pipelines skip both);
    // sigma-space schedulers swapped in (Euler, LMS…) need them, and multiplying by exactly 1 would be a no-op.
    const sigma = this.scheduler.initNoiseSigma ?? 1;
    if (sigma !== 1) latents = scaleTensor(latents, sigma);
    const timesteps = timestepNumbers(this.scheduler.timesteps);
    const start = Date.now();
    let stepsRun = 0;
    for (let i = 0; i < timesteps.length; i++) {
      if (this.interrupt) break;
      if (signal?.aborted) throw abortError(signal);
      const t = timesteps[i];
      const input = this.scheduler.scaleModelInput ? this.scheduler.scaleModelInput(latents, t) : latents;
      const { sample: modelOutput } = await this.unet.forward(input, this.modelTimestep(t));
      latents = this.step(modelOutput, { t, latents, generator }, options);
      stepsRun++;
      if (callbackOnStepEnd) {
        const replaced = await callbackOnStepEnd(this, i, t, { latents } satisfies StepTensors);
        if (replaced?.latents !== undefined) latents = replaced.latents;
      }
      if (progress) reportProgress(progress, start, stepsRun, timesteps.length, t);
    }
    if (signal?.aborted) throw abortError(signal);

    const info: GenerationInfo = {
      pipeline: (this.constructor as typeof DiffusionPipeline).pipelineName,
      scheduler: schedulerName(this.scheduler),
      batchSize,
      numInferenceSteps,
      stepsRun,
      interrupted: stepsRun < timesteps.length,
      ...this.extraInfo(options),
      seeds: seedsOf(generator),
      engine: engineInfo(),
    };
    return { images: convertOutput(latents, outputType) as ImagesFor<O>, info };
  }

  /**
   * The timestep as the UNet must see it. Diffusers hands the UNet an element of `scheduler.timesteps`:
   * int64 for DDPM/DDIM (a plain number here), but float for sigma-space schedulers, whose fractional
   * timesteps must not be truncated as a bare Python number would be.
   */
  private modelTimestep(t: number): number | Tensor {
    const dtype = this.scheduler.timestepsDtype;
    if (dtype === "float32") return Tensor.from(new Float32Array([t]), [1]);
    if (dtype === "float64") return Tensor.from(new Float64Array([t]), [1]);
    return t;
  }

  /** Checks the subclass's own settings before anything is drawn from the generator. */
  protected validate(_options: HookOptions): void {}

  /** Settings a subclass adds to the record of how an output was made. */
  protected extraInfo(_options: HookOptions): Partial<GenerationInfo> {
    return {};
  }
}

/** x * s with float32 rounding, as torch multiplies a float32 tensor by a Python float. */
function scaleTensor(x: Tensor<"float32">, s: number): Tensor<"float32"> {
  const f = Math.fround(s);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(x.data[i] * f);
  return Tensor.from(out, x.shape);
}

function schedulerName(scheduler: SchedulerLike): string {
  const name = (scheduler.config as { _class_name?: unknown })._class_name;
  return typeof name === "string" ? name : scheduler.constructor.name;
}

function seedsOf(generator: Generator | Generator[] | undefined): string[] {
  if (generator === undefined) return [];
  const list = Array.isArray(generator) ? generator : [generator as Generator];
  return list.map((g) => g.initialSeed().toString());
}

function convertOutput(latents: Tensor<"float32">, outputType: OutputType): ImagesFor<OutputType> {
  if (outputType === "latent" || outputType === "tensor") return latents;
  const np = toNumpyImages(latents);
  return outputType === "np" ? np : numpyToImages(np);
}
