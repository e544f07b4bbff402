import type { EngineInfo } from "../engine/determinism.js";
import type { Generator } from "../rng/index.js";
import type { Tensor } from "../tensor/tensor.js";
import type { PipelineImage } from "./image.js";

/** What `generate()` returns the images as (Diffusers' `output_type`). */
export type OutputType = "np" | "pil" | "latent" | "tensor";

/** The images of one `generate()` call, typed by the requested output type. */
export type ImagesFor<O extends OutputType> = O extends "pil" ? PipelineImage[] : Tensor<"float32">;

/** The tensors a step-end callback sees (Diffusers' `callback_on_step_end_tensor_inputs`). */
export interface StepTensors {
  latents: Tensor<"float32">;
}

/** What a step-end callback may return: replacement tensors, or nothing to keep them. */
// biome-ignore lint/suspicious/noConfusingVoidType: callbacks written as `() => {}` return void.
export type StepEndResult = Partial<StepTensors> | undefined | void;

/**
 * Called after every denoising step as `callbackOnStepEnd(pipe, step, t, tensors)`: `step` is the 0-based
 * index, `t` the timestep just taken. Return `{ latents }` to replace the latents the next step starts
 * from, or set `pipe.interrupt = true` to stop after this step (the images are made from the latents
 * reached so far, like Diffusers' `_interrupt`).
 */
export type StepEndCallback<P> = (
  pipe: P,
  step: number,
  t: number,
  tensors: StepTensors,
) => StepEndResult | Promise<StepEndResult>;

/** Progress after each step; the CLI draws its bar from this. */
export interface ProgressInfo {
  /** Steps finished so far (1-based). */
  step: number;
  totalSteps: number;
  /** The timestep just taken. */
  timestep: number;
  elapsedMs: number;
  /** Steps per second over the whole run so far. */
  stepsPerSecond: number;
  /** Estimated milliseconds left at the current rate. */
  etaMs: number;
}

export interface GenerateOptions<O extends OutputType = OutputType, P = unknown> {
  /** Images to generate (default 1). */
  batchSize?: number;
  /**
   * One generator for the whole batch, or one per image (the list's length must equal `batchSize`). Without
   * one, the default generator is used (as torch's global generator is), so results depend on what drew
   * from it before.
   */
  generator?: Generator | Generator[];
  /** Denoising steps (default 1000 for DDPM, 50 for DDIM, as in Diffusers). */
  numInferenceSteps?: number;
  /** DDIM only: 0 is deterministic DDIM, 1 is DDPM-like (default 0). */
  eta?: number;
  /** DDIM only: recompute the noise from the clipped x0 prediction (default: the scheduler's own choice). */
  useClippedModelOutput?: boolean;
  /** "pil" (default, 8-bit images), "np" (float32 [B,H,W,C] in [0,1]), "latent"/"tensor" (raw [B,C,H,W]). */
  outputType?: O;
  callbackOnStepEnd?: StepEndCallback<P>;
  /** Aborting rejects the call with an AbortError at the next step boundary. */
  signal?: AbortSignal;
  /** `false` (default) or a function called after every step. */
  progress?: false | ((info: ProgressInfo) => void);
}

/** How an output was made: enough to reproduce it, and proof of the numerics it was made with. */
export interface GenerationInfo {
  pipeline: string;
  scheduler: string;
  batchSize: number;
  numInferenceSteps: number;
  /** Steps actually run (fewer when interrupted). */
  stepsRun: number;
  interrupted: boolean;
  eta?: number;
  /**
   * The initial seed of each generator passed, as decimal strings (uint64); empty when the default generator
   * was used. A generator reused across calls continues its stream, so for a second call the seed alone
   * does not reproduce the noise (save `generator.getState()` before the call for that).
   */
  seeds: string[];
  engine: EngineInfo;
}

export interface GenerateResult<O extends OutputType> {
  images: ImagesFor<O>;
  info: GenerationInfo;
}

/** One file's download progress (the Hub client's `ProgressEvent`). */
export interface DownloadProgress {
  readonly file: string;
  readonly downloaded: number;
  readonly total: number;
  readonly resumedFrom: number;
  readonly done: boolean;
}

export interface FromPretrainedOptions {
  /** Hub revision (branch, tag or commit); local folders ignore it. */
  revision?: string;
  cacheDir?: string;
  /** Never touch the network; resolve from a local folder or the cache only. */
  localFilesOnly?: boolean;
  token?: string;
  /** Weights variant, e.g. "fp16" → `diffusion_pytorch_model.fp16.safetensors`. */
  variant?: string;
  /**
   * Compute dtype. reprodiff computes in float32 only (float16/bfloat16 weights, e.g. `variant: "fp16"`,
   * are widened exactly when loaded), so this accepts "float32" and refuses anything else.
   */
  dtype?: "float32";
  /** Only "cpu" exists; anything else is an error (a determinism error under full determinism). */
  device?: string;
  /** Hub base URL (default: Node's $HF_ENDPOINT, else https://huggingface.co), e.g. a mirror. */
  endpoint?: string;
  /** The fetch used for URL folders and the Hub (tests, proxies). */
  fetch?: typeof fetch;
  /** Called as Hub downloads progress (Node only; the CLI draws a bar from it). */
  downloadProgress?: (event: DownloadProgress) => void;
}
