import type { Tensor } from "../tensor/tensor.js";
import { DiffusionPipeline, type StepContext } from "./pipeline.js";
import { registerPipeline } from "./registry.js";
import type { GenerateOptions, OutputType } from "./types.js";

/**
 * Diffusers' `DDPMPipeline`: unconditional generation with whatever scheduler it was saved with (a
 * DDPMScheduler for DDPM checkpoints). The scheduler draws variance noise from the generator at every
 * step with t > 0. Defaults as in Diffusers: 1000 steps, one image.
 */
export class DDPMPipeline extends DiffusionPipeline {
  static override readonly pipelineName: string = "DDPMPipeline";

  protected get defaultSteps(): number {
    return 1000;
  }

  protected override validate(options: GenerateOptions<OutputType, never>): void {
    // Diffusers' DDPMPipeline has no eta either; ignoring one silently would hide a mistake.
    if (options.eta !== undefined) throw new RangeError("eta is a DDIM setting; DDPMPipeline does not take it");
    if (options.useClippedModelOutput !== undefined) {
      throw new RangeError("useClippedModelOutput is a DDIM setting; DDPMPipeline does not take it");
    }
  }

  protected step(modelOutput: Tensor<"float32">, { t, latents, generator }: StepContext): Tensor<"float32"> {
    return this.scheduler.step(modelOutput, t, latents, { generator }).prevSample;
  }
}

registerPipeline(DDPMPipeline);
