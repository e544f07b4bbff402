import { DDIMScheduler } from "../schedulers/index.js";
import type { Tensor } from "../tensor/tensor.js";
import type { SchedulerLike, UNetLike } from "./components.js";
import type { ModelIndex } from "./loading.js";
import { DiffusionPipeline, type StepContext } from "./pipeline.js";
import { registerPipeline } from "./registry.js";
import type { GenerateOptions, GenerationInfo, OutputType } from "./types.js";

/**
 * Diffusers' `DDIMPipeline`. Like Diffusers it converts whatever scheduler it is given with
 * `DDIMScheduler.fromConfig(scheduler.config)`, so a DDPM checkpoint samples with DDIM (the DDPM config's
 * keys DDIM does not know are kept in the config, and DDIM's own defaults fill the rest, e.g.
 * set_alpha_to_one true). Defaults: 50 steps, eta 0 (deterministic given the initial noise).
 */
export class DDIMPipeline extends DiffusionPipeline {
  static override readonly pipelineName: string = "DDIMPipeline";

  constructor(components: { unet: UNetLike; scheduler: SchedulerLike }, modelIndex?: ModelIndex) {
    const scheduler = DDIMScheduler.fromConfig(components.scheduler.config) as unknown as SchedulerLike;
    super({ unet: components.unet, scheduler }, modelIndex);
  }

  protected get defaultSteps(): number {
    return 50;
  }

  protected override validate(options: GenerateOptions<OutputType, never>): void {
    const eta = options.eta ?? 0;
    if (typeof eta !== "number" || !Number.isFinite(eta) || eta < 0) {
      throw new RangeError(`eta must be a finite number >= 0, got ${eta}`);
    }
  }

  protected step(
    modelOutput: Tensor<"float32">,
    { t, latents, generator }: StepContext,
    options: GenerateOptions<OutputType, never>,
  ): Tensor<"float32"> {
    const eta = options.eta ?? 0;
    return this.scheduler.step(modelOutput, t, latents, {
      eta,
      useClippedModelOutput: options.useClippedModelOutput,
      generator,
    }).prevSample;
  }

  protected override extraInfo(options: GenerateOptions<OutputType, never>): Partial<GenerationInfo> {
    return { eta: options.eta ?? 0 };
  }
}

registerPipeline(DDIMPipeline);
