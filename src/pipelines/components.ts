import type { Generator } from "../rng/index.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * What a pipeline needs from its scheduler. Every reprodiff scheduler satisfies it, so any of them can be
 * swapped in with `pipe.scheduler = XScheduler.fromConfig(pipe.scheduler.config)`.
 */
export interface SchedulerLike {
  readonly config: Record<string, unknown>;
  readonly timesteps: ArrayLike<number | bigint> | Tensor;
  setTimesteps(numInferenceSteps: number): void;
  /** Element type of `timesteps` in Diffusers: int64 (DDPM, DDIM) or float (sigma-space schedulers). */
  readonly timestepsDtype?: "int64" | "float32" | "float64";
  /** Scale of the initial noise; 1 when absent (DDPM, DDIM). */
  readonly initNoiseSigma?: number;
  /** The model input at timestep t; the latents themselves when absent. */
  scaleModelInput?(sample: Tensor<"float32">, timestep: number): Tensor<"float32">;
  step(
    modelOutput: Tensor<"float32">,
    timestep: number,
    sample: Tensor<"float32">,
    options?: { generator?: Generator | Generator[]; eta?: number; useClippedModelOutput?: boolean },
  ): { prevSample: Tensor<"float32"> };
}

/** What a pipeline needs from its denoising model. */
export interface UNetLike {
  readonly config: Record<string, unknown>;
  /** `timestep` is a number (an integer timestep) or a one-element tensor (fractional timesteps). */
  forward(sample: Tensor<"float32">, timestep: number | Tensor): Promise<{ sample: Tensor<"float32"> }>;
}
