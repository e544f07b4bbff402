// StableDiffusionPipeline: text-to-image with a CLIP text encoder, a conditional UNet, a VAE decoder and
// classifier-free guidance, step for step as Diffusers v0.31.0's pipeline_stable_diffusion.py does it
// (encode_prompt → prepare_latents → denoising loop → vae.decode(latents / scaling_factor)).
// No safety checker is run: a repository's safety_checker / feature_extractor components are not loaded.

import { ops } from "../engine/index.js";
import type { AutoencoderKL } from "../models/autoencoder-kl.js";
import type { CLIPTextModel } from "../models/clip-text-model.js";
import type { ModelSource } from "../models/source.js";
import type { UNet2DConditionModel } from "../models/unet2d-condition.js";
import { divideByScalar } from "../nn/attention.js";
import type { Generator } from "../rng/index.js";
import { randnTensor } from "../rng/index.js";
import { Tensor } from "../tensor/tensor.js";
import type { CLIPTokenizer } from "../text/clip-tokenizer.js";
import type { SchedulerLike } from "./components.js";
import { assertActiveBackendAllowed, engineInfo } from "./engine-info.js";
import type { PipelineImage } from "./image.js";
import type { ModelIndex, PipelineLocation } from "./loading.js";
import { numpyToImages, toNumpyImages } from "./postprocess.js";
import { loadPretrained, registerPipeline } from "./registry.js";
import { abortError, reportProgress } from "./run-control.js";
import type { FromPretrainedOptions, GenerationInfo, ProgressInfo } from "./types.js";

type F32 = Tensor<"float32">;

export type StableDiffusionOutputType = "np" | "pil" | "latent";
export type StableDiffusionImages<O extends StableDiffusionOutputType> = O extends "pil" ? PipelineImage[] : F32;

export interface StableDiffusionComponents {
  tokenizer: CLIPTokenizer;
  textEncoder: CLIPTextModel;
  unet: UNet2DConditionModel;
  vae: AutoencoderKL;
  scheduler: SchedulerLike;
}

/** The tensors a step-end callback sees; return some of them to replace them for the next step. */
export interface StableDiffusionStepTensors {
  latents: F32;
  /** The UNet's text conditioning: [negative…, positive…] under guidance, else the positive embeddings. */
  promptEmbeds: F32;
}

// biome-ignore lint/suspicious/noConfusingVoidType: callbacks written as `() => {}` return void.
export type StableDiffusionStepEndResult = Partial<StableDiffusionStepTensors> | undefined | void;

export interface StableDiffusionGenerateOptions<O extends StableDiffusionOutputType = StableDiffusionOutputType> {
  /** One prompt or a batch of prompts (or pass `promptEmbeds`). */
  prompt?: string | string[];
  /** What to steer away from; a string for one prompt, a list as long as the prompt list. Ignored without guidance. */
  negativePrompt?: string | string[];
  /** [B, 77, D] text embeddings used instead of `prompt`. */
  promptEmbeds?: F32;
  negativePromptEmbeds?: F32;
  /** Classifier-free guidance weight (default 7.5); guidance is off at <= 1. */
  guidanceScale?: number;
  /** Rescales the guided noise towards the text prediction's std (arXiv 2305.08891 §3.4); default 0 (off). */
  guidanceRescale?: number;
  numInferenceSteps?: number;
  numImagesPerPrompt?: number;
  /** Default unet.sample_size × vae scale factor (512 for SD 1.5); multiples of 8. */
  height?: number;
  width?: number;
  /** One generator, or one per image (batch × numImagesPerPrompt). */
  generator?: Generator | Generator[];
  /** Initial latents [N, 4, H/8, W/8] instead of drawn noise (still multiplied by init_noise_sigma). */
  latents?: F32;
  /** DDIM's eta (other schedulers ignore it). */
  eta?: number;
  /** Layers to skip at the end of the text encoder (1 = use the penultimate layer's output). */
  clipSkip?: number;
  /** "pil" (default), "np" (float32 NHWC in [0, 1]) or "latent" (final latents NCHW). */
  outputType?: O;
  callbackOnStepEnd?: (
    pipe: StableDiffusionPipeline,
    step: number,
    t: number,
    tensors: StableDiffusionStepTensors,
  ) => StableDiffusionStepEndResult | Promise<StableDiffusionStepEndResult>;
  signal?: AbortSignal;
  progress?: false | ((info: ProgressInfo) => void);
}

export interface StableDiffusionGenerationInfo extends GenerationInfo {
  prompt: string[] | null;
  negativePrompt: string[] | null;
  guidanceScale: number;
  guidanceRescale: number;
  height: number;
  width: number;
  numImagesPerPrompt: number;
  clipSkip: number | null;
  safetyChecker: false;
}

export interface StableDiffusionResult<O extends StableDiffusionOutputType> {
  images: StableDiffusionImages<O>;
  info: StableDiffusionGenerationInfo;
}

/** x · s in float32, as torch multiplies a float32 tensor by a Python float. */
function scale(x: F32, s: number): F32 {
  if (s === 1) return x;
  const f = Math.fround(s);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(x.data[i] * f);
  return Tensor.from(out, x.shape);
}

/** Each row of x [B, …] repeated n times in place: [x0 ×n, x1 ×n, …] (torch's repeat + view in encode_prompt). */
function repeatRows(x: F32, n: number): F32 {
  if (n === 1) return x;
  const rows = x.shape[0];
  const per = x.data.length / rows;
  const out = new Float32Array(x.data.length * n);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < n; k++) out.set(x.data.subarray(r * per, (r + 1) * per), (r * n + k) * per);
  }
  return Tensor.from(out, [rows * n, ...x.shape.slice(1)]);
}

/** uncond + g · (text − uncond), each operation rounded to float32 (Diffusers' guidance formula). */
function guide(uncond: F32, text: F32, g: number): F32 {
  const gf = Math.fround(g);
  const out = new Float32Array(uncond.data.length);
  for (let i = 0; i < out.length; i++) {
    const u = uncond.data[i];
    out[i] = Math.fround(u + Math.fround(gf * Math.fround(text.data[i] - u)));
  }
  return Tensor.from(out, uncond.shape);
}

/** Diffusers' rescale_noise_cfg: std over all but the batch dimension (Bessel-corrected). */
function rescaleNoiseCfg(cfg: F32, text: F32, rescale: number): F32 {
  const rows = cfg.shape[0];
  const per = cfg.data.length / rows;
  const out = new Float32Array(cfg.data.length);
  const std = (d: Float32Array, off: number) => {
    let mean = 0;
    for (let i = 0; i < per; i++) mean += d[off + i];
    mean /= per;
    let ss = 0;
    for (let i = 0; i < per; i++) ss += (d[off + i] - mean) ** 2;
    return Math.fround(Math.sqrt(ss / (per - 1)));
  };
  const r = Math.fround(rescale);
  const keep = Math.fround(1 - rescale);
  for (let b = 0; b < rows; b++) {
    const ratio = Math.fround(std(text.data, b * per) / std(cfg.data, b * per));
    for (let i = 0; i < per; i++) {
      const v = cfg.data[b * per + i];
      const rescaled = Math.fround(v * ratio);
      out[b * per + i] = Math.fround(Math.fround(r * rescaled) + Math.fround(keep * v));
    }
  }
  return Tensor.from(out, cfg.shape);
}

function pythonList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`).join(", ")}]`;
}

export class StableDiffusionPipeline {
  static readonly pipelineName = "StableDiffusionPipeline";
  tokenizer: CLIPTokenizer;
  textEncoder: CLIPTextModel;
  unet: UNet2DConditionModel;
  vae: AutoencoderKL;
  /** Replaceable: `pipe.scheduler = EulerDiscreteScheduler.fromConfig(pipe.scheduler.config)`. */
  scheduler: SchedulerLike;
  readonly modelIndex: ModelIndex;
  /** Set to true (e.g. from a step-end callback) to stop after the current step. */
  interrupt = false;
  /** Receives Diffusers' warnings (prompt truncation); console.warn by default. */
  onWarning: (message: string) => void = (message) => console.warn(message);

  constructor(components: StableDiffusionComponents, modelIndex?: ModelIndex) {
    this.tokenizer = components.tokenizer;
    this.textEncoder = components.textEncoder;
    this.unet = components.unet;
    this.vae = components.vae;
    this.scheduler = components.scheduler;
    this.modelIndex = modelIndex ?? {
      _class_name: StableDiffusionPipeline.pipelineName,
      scheduler: ["diffusers", String(components.scheduler.config._class_name ?? "")],
      text_encoder: ["transformers", "CLIPTextModel"],
      tokenizer: ["transformers", "CLIPTokenizer"],
      unet: ["diffusers", "UNet2DConditionModel"],
      vae: ["diffusers", "AutoencoderKL"],
    };
  }

  /**
   * The model_index.json components the pipeline loads (and a Hub download fetches): never the
   * safety_checker, feature_extractor or image_encoder, which reprodiff does not run.
   */
  static readonly componentNames: readonly string[] = ["scheduler", "text_encoder", "tokenizer", "unet", "vae"];

  /** Loads a Diffusers Stable Diffusion folder: a path, Hub repo id, URL or ModelFolder (see `ModelSource`). */
  static fromPretrained(source: ModelSource, options: FromPretrainedOptions = {}): Promise<StableDiffusionPipeline> {
    return loadPretrained(StableDiffusionPipeline, source, options);
  }

  /** Builds the pipeline from a resolved folder: each component with the class model_index.json names. */
  static async fromLocation(
    location: PipelineLocation,
    options: FromPretrainedOptions,
  ): Promise<StableDiffusionPipeline> {
    const { loadStableDiffusionComponents } = await import("./stable-diffusion-loading.js");
    return new StableDiffusionPipeline(await loadStableDiffusionComponents(location, options), location.modelIndex);
  }

  /** 2^(len(vae.block_out_channels) − 1): 8 for SD. */
  get vaeScaleFactor(): number {
    const channels = this.vae.config.block_out_channels as number[];
    return 2 ** (channels.length - 1);
  }

  /**
   * Diffusers' encode_prompt: text embeddings of the prompts (truncated to the tokenizer's 77 tokens, with a
   * warning naming what was cut), repeated per image, and under guidance the embeddings of the negative
   * prompts (or of "" for each prompt), computed without clip skip.
   */
  async encodePrompt(options: {
    prompt?: string | string[];
    negativePrompt?: string | string[];
    promptEmbeds?: F32;
    negativePromptEmbeds?: F32;
    numImagesPerPrompt?: number;
    doClassifierFreeGuidance: boolean;
    clipSkip?: number;
  }): Promise<{ promptEmbeds: F32; negativePromptEmbeds: F32 | null }> {
    const { prompt, negativePrompt } = options;
    const nipp = options.numImagesPerPrompt ?? 1;
    const batchSize =
      typeof prompt === "string" ? 1 : Array.isArray(prompt) ? prompt.length : options.promptEmbeds!.shape[0];
    const maxLength = this.tokenizer.modelMaxLength;
    let promptEmbeds = options.promptEmbeds;
    if (promptEmbeds === undefined) {
      const prompts = typeof prompt === "string" ? [prompt] : prompt!;
      const ids = this.tokenizer.encodeBatch(prompts, { padding: "max_length", maxLength, truncation: true }).inputIds;
      const untruncated = this.tokenizer.encodeBatch(prompts, { padding: "longest" }).inputIds;
      const differs = untruncated.some((row, i) => row.length !== ids[i].length || row.some((v, j) => v !== ids[i][j]));
      if (untruncated[0].length >= ids[0].length && differs) {
        const removed = untruncated.map((row) => this.tokenizer.decode(row.slice(maxLength - 1, -1)));
        this.onWarning(
          `The following part of your input was truncated because CLIP can only handle sequences up to ${maxLength} tokens: ${pythonList(removed)}`,
        );
      }
      promptEmbeds = await this.textEmbeddings(ids, options.clipSkip);
    }
    promptEmbeds = repeatRows(promptEmbeds, nipp);

    let negativeEmbeds = options.negativePromptEmbeds ?? null;
    if (options.doClassifierFreeGuidance && negativeEmbeds === null) {
      let uncond: string[];
      if (negativePrompt === undefined) {
        uncond = new Array<string>(batchSize).fill("");
      } else if (prompt !== undefined && Array.isArray(prompt) !== Array.isArray(negativePrompt)) {
        throw new TypeError(
          `negativePrompt should be the same type as prompt (${Array.isArray(prompt) ? "a list" : "a string"}), got ${Array.isArray(negativePrompt) ? "a list" : "a string"}`,
        );
      } else if (typeof negativePrompt === "string") {
        uncond = [negativePrompt];
      } else if (negativePrompt.length !== batchSize) {
        throw new RangeError(
          `negativePrompt has batch size ${negativePrompt.length}, but prompt has batch size ${batchSize}; pass one negative prompt per prompt`,
        );
      } else {
        uncond = negativePrompt;
      }
      if (uncond.length !== batchSize) {
        throw new RangeError(
          `one negative prompt was given for a batch of ${batchSize} prompt embeddings; pass a list of ${batchSize}`,
        );
      }
      const ids = this.tokenizer.encodeBatch(uncond, {
        padding: "max_length",
        maxLength: promptEmbeds.shape[1],
        truncation: true,
      }).inputIds;
      negativeEmbeds = await this.textEmbeddings(ids);
    }
    if (options.doClassifierFreeGuidance && negativeEmbeds !== null) negativeEmbeds = repeatRows(negativeEmbeds, nipp);
    return { promptEmbeds, negativePromptEmbeds: options.doClassifierFreeGuidance ? negativeEmbeds : null };
  }

  private async textEmbeddings(ids: number[][], clipSkip?: number): Promise<F32> {
    const out = await this.textEncoder.forward(ids);
    if (clipSkip === undefined) return out.lastHiddenState;
    const hs = out.hiddenStates;
    if (!Number.isInteger(clipSkip) || clipSkip < 0 || clipSkip + 1 > hs.length) {
      throw new RangeError(`clipSkip must be an integer in [0, ${hs.length - 1}], got ${clipSkip}`);
    }
    return this.textEncoder.finalNorm(hs[hs.length - 1 - clipSkip]);
  }

  private checkInputs(o: StableDiffusionGenerateOptions, height: number, width: number): void {
    const f = this.vaeScaleFactor;
    for (const [name, v] of [
      ["height", height],
      ["width", width],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0 || v % 8 !== 0 || v % f !== 0) {
        throw new RangeError(`${name} must be a positive multiple of ${Math.max(8, f)}, got ${v}`);
      }
    }
    if (o.prompt !== undefined && o.promptEmbeds !== undefined) {
      throw new RangeError("pass either prompt or promptEmbeds, not both");
    }
    if (o.prompt === undefined && o.promptEmbeds === undefined) {
      throw new RangeError("pass prompt (a string or a list of strings) or promptEmbeds");
    }
    if (o.prompt !== undefined) {
      const ok =
        typeof o.prompt === "string" ||
        (Array.isArray(o.prompt) && o.prompt.length > 0 && o.prompt.every((p) => typeof p === "string"));
      if (!ok) throw new TypeError("prompt must be a string or a non-empty list of strings");
    }
    if (o.negativePrompt !== undefined && o.negativePromptEmbeds !== undefined) {
      throw new RangeError("pass either negativePrompt or negativePromptEmbeds, not both");
    }
    const d = this.unet.config.cross_attention_dim;
    for (const [name, t] of [
      ["promptEmbeds", o.promptEmbeds],
      ["negativePromptEmbeds", o.negativePromptEmbeds],
    ] as const) {
      if (t === undefined) continue;
      if (t.dtype !== "float32" || t.shape.length !== 3 || (typeof d === "number" && t.shape[2] !== d)) {
        throw new RangeError(`${name} must be a float32 [batch, tokens, ${String(d)}] tensor, got ${t.toString()}`);
      }
    }
    if (o.promptEmbeds !== undefined && o.negativePromptEmbeds !== undefined) {
      const a = o.promptEmbeds.shape.join(", ");
      const b = o.negativePromptEmbeds.shape.join(", ");
      if (a !== b) throw new RangeError(`promptEmbeds [${a}] and negativePromptEmbeds [${b}] must have the same shape`);
    }
    const nipp = o.numImagesPerPrompt ?? 1;
    if (!Number.isInteger(nipp) || nipp < 1)
      throw new RangeError(`numImagesPerPrompt must be a positive integer, got ${nipp}`);
    const steps = o.numInferenceSteps ?? 50;
    if (!Number.isInteger(steps) || steps < 1)
      throw new RangeError(`numInferenceSteps must be a positive integer, got ${steps}`);
    const g = o.guidanceScale ?? 7.5;
    if (typeof g !== "number" || !Number.isFinite(g))
      throw new RangeError(`guidanceScale must be a finite number, got ${g}`);
    const r = o.guidanceRescale ?? 0;
    if (typeof r !== "number" || !Number.isFinite(r) || r < 0 || r > 1) {
      throw new RangeError(`guidanceRescale must be in [0, 1], got ${r}`);
    }
    const eta = o.eta ?? 0;
    if (typeof eta !== "number" || !Number.isFinite(eta) || eta < 0)
      throw new RangeError(`eta must be a finite number >= 0, got ${eta}`);
    const outputType = o.outputType ?? "pil";
    if (!["np", "pil", "latent"].includes(outputType)) {
      throw new RangeError(`outputType must be "np", "pil" or "latent", got ${JSON.stringify(outputType)}`);
    }
  }

  /** Text-to-image. Draw order is Diffusers': the initial noise, then any noise the scheduler draws per step. */
  async generate<O extends StableDiffusionOutputType = "pil">(
    options: StableDiffusionGenerateOptions<O>,
  ): Promise<StableDiffusionResult<O>> {
    const o = options ?? ({} as StableDiffusionGenerateOptions<O>);
    const f = this.vaeScaleFactor;
    const sampleSize = this.unet.config.sample_size as number;
    const height = o.height ?? sampleSize * f;
    const width = o.width ?? sampleSize * f;
    this.checkInputs(o, height, width);
    assertActiveBackendAllowed();
    const { signal, progress, callbackOnStepEnd } = o;
    if (signal?.aborted) throw abortError(signal);
    const guidanceScale = o.guidanceScale ?? 7.5;
    const guidanceRescale = o.guidanceRescale ?? 0;
    const cfg = guidanceScale > 1;
    const nipp = o.numImagesPerPrompt ?? 1;
    const numInferenceSteps = o.numInferenceSteps ?? 50;
    const outputType = (o.outputType ?? "pil") as StableDiffusionOutputType;
    const batchSize =
      typeof o.prompt === "string" ? 1 : Array.isArray(o.prompt) ? o.prompt.length : o.promptEmbeds!.shape[0];
    const n = batchSize * nipp;
    const generator = o.generator;
    if (Array.isArray(generator) && generator.length !== n) {
      throw new RangeError(
        `a list of ${generator.length} generators was passed, but the effective batch size is ${n} (prompts × numImagesPerPrompt); pass one generator per image or a single generator`,
      );
    }
    this.interrupt = false;

    const encoded = await this.encodePrompt({
      prompt: o.prompt,
      negativePrompt: o.negativePrompt,
      promptEmbeds: o.promptEmbeds,
      negativePromptEmbeds: o.negativePromptEmbeds,
      numImagesPerPrompt: nipp,
      doClassifierFreeGuidance: cfg,
      clipSkip: o.clipSkip,
    });
    let promptEmbeds = cfg
      ? ops.concat([encoded.negativePromptEmbeds!, encoded.promptEmbeds], 0)
      : encoded.promptEmbeds;

    this.scheduler.setTimesteps(numInferenceSteps);
    const timesteps = Array.from(
      ((this.scheduler.timesteps as Tensor).data ?? this.scheduler.timesteps) as ArrayLike<number | bigint>,
      Number,
    );
    const channels = this.unet.config.in_channels as number;
    const shape = [n, channels, Math.trunc(height / f), Math.trunc(width / f)];
    let latents: F32;
    if (o.latents !== undefined) {
      if (o.latents.dtype !== "float32" || o.latents.shape.join(",") !== shape.join(",")) {
        throw new RangeError(`latents must be a float32 [${shape.join(", ")}] tensor, got ${o.latents.toString()}`);
      }
      latents = o.latents;
    } else {
      latents = randnTensor(shape, { generator }) as F32;
    }
    latents = scale(latents, this.scheduler.initNoiseSigma ?? 1);

    const start = Date.now();
    let stepsRun = 0;
    for (let i = 0; i < timesteps.length; i++) {
      if (this.interrupt) break;
      if (signal?.aborted) throw abortError(signal);
      const t = timesteps[i];
      const doubled = cfg ? ops.concat([latents, latents], 0) : latents;
      const input = this.scheduler.scaleModelInput ? this.scheduler.scaleModelInput(doubled, t) : doubled;
      let { sample: noise } = await this.unet.forward(input, t, { encoderHiddenStates: promptEmbeds });
      if (cfg) {
        const uncond = ops.narrow(noise, 0, 0, n);
        const text = ops.narrow(noise, 0, n, n);
        noise = guide(uncond, text, guidanceScale);
        if (guidanceRescale > 0) noise = rescaleNoiseCfg(noise, text, guidanceRescale);
      }
      latents = this.scheduler.step(noise, t, latents, {
        generator,
        ...(o.eta !== undefined ? { eta: o.eta } : {}),
      }).prevSample;
      stepsRun++;
      if (callbackOnStepEnd) {
        const replaced = await callbackOnStepEnd(this, i, t, { latents, promptEmbeds });
        if (replaced?.latents !== undefined) latents = replaced.latents;
        if (replaced?.promptEmbeds !== undefined) promptEmbeds = replaced.promptEmbeds;
      }
      if (progress) reportProgress(progress, start, stepsRun, timesteps.length, t);
    }
    if (signal?.aborted) throw abortError(signal);

    let images: F32 | PipelineImage[];
    if (outputType === "latent") {
      images = latents;
    } else {
      const scalingFactor = this.vae.config.scaling_factor as number;
      const { sample } = await this.vae.decode(divideByScalar(latents, scalingFactor));
      const np = toNumpyImages(sample);
      images = outputType === "np" ? np : numpyToImages(np);
    }
    const prompts = o.prompt === undefined ? null : typeof o.prompt === "string" ? [o.prompt] : [...o.prompt];
    const negatives =
      !cfg || o.negativePrompt === undefined
        ? null
        : typeof o.negativePrompt === "string"
          ? [o.negativePrompt]
          : [...o.negativePrompt];
    const info: StableDiffusionGenerationInfo = {
      pipeline: StableDiffusionPipeline.pipelineName,
      scheduler: String(this.scheduler.config._class_name ?? this.scheduler.constructor.name),
      batchSize: n,
      numInferenceSteps,
      stepsRun,
      interrupted: stepsRun < timesteps.length,
      ...(o.eta !== undefined ? { eta: o.eta } : {}),
      seeds:
        generator === undefined
          ? []
          : (Array.isArray(generator) ? generator : [generator]).map((g) => g.initialSeed().toString()),
      engine: engineInfo(),
      prompt: prompts,
      negativePrompt: negatives,
      guidanceScale,
      guidanceRescale,
      height,
      width,
      numImagesPerPrompt: nipp,
      clipSkip: o.clipSkip ?? null,
      safetyChecker: false,
    };
    return { images: images as StableDiffusionImages<O>, info };
  }
}

registerPipeline(StableDiffusionPipeline);
