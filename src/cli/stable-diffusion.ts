// `reprodiff generate <sd-model> --prompt "..."`: the Stable Diffusion branch of the generate command.
// It keeps the repository's scheduler unless --scheduler names one, and records the prompt, negative
// prompt, guidance, size, seeds and engine in every PNG (text chunks) and in generation.json.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { InvalidArgumentError, Option } from "commander";
import { serializeNpy } from "../io/npy.js";
import { absSum } from "../pipelines/abs-sum.js";
import { type StableDiffusionGenerationInfo, StableDiffusionPipeline } from "../pipelines/stable-diffusion.js";
import {
  type GeneratingPipeline,
  generateWithProvenance,
  pngWithProvenance,
  renderImage,
} from "../provenance/capture.js";
import { resolvePipelineSource } from "../provenance/model.node.js";
import type { ImageRecord, ProvenanceRecord } from "../provenance/record.js";
import { Generator } from "../rng/index.js";
import { swapScheduler } from "../schedulers/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { nonNegativeNumber, positiveInt } from "./args.js";
import { applyEngineOptions, checkSeedsMatchBatch, type GenerateCommandOptions, UsageError } from "./generate.js";
import { StepProgressBar } from "./progress.js";

export interface StableDiffusionCommandOptions extends Omit<GenerateCommandOptions, "scheduler" | "quiet"> {
  prompt: string;
  negativePrompt?: string;
  guidance?: number;
  width?: number;
  height?: number;
  clipSkip?: number;
  /** Undefined keeps the repository's scheduler (PNDM for SD 1.5). */
  scheduler?: string;
}

export interface StableDiffusionOutcome {
  files: string[];
  info: StableDiffusionGenerationInfo;
  absSum: number;
}

/** The generate command's Stable Diffusion flags. */
export function stableDiffusionOptions(): Option[] {
  return [
    new Option("--prompt <text>", "Stable Diffusion: the text prompt (selects the text-to-image pipeline)"),
    new Option("--negative-prompt <text>", "Stable Diffusion: what to steer away from (needs --guidance > 1)"),
    new Option(
      "--guidance <x>",
      "Stable Diffusion: classifier-free guidance scale (default 7.5; <= 1 turns it off)",
    ).argParser(nonNegativeNumber("guidance")),
    new Option("--width <n>", "Stable Diffusion: image width, a multiple of 8 (default: the model's)").argParser(
      positiveInt("width", 8192),
    ),
    new Option("--height <n>", "Stable Diffusion: image height, a multiple of 8 (default: the model's)").argParser(
      positiveInt("height", 8192),
    ),
    new Option("--clip-skip <n>", "Stable Diffusion: text-encoder layers to skip at the end").argParser((v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError("clip skip must be an integer >= 0.");
      return Number(v);
    }),
  ];
}

export async function runStableDiffusion(
  model: string | undefined,
  options: StableDiffusionCommandOptions,
): Promise<StableDiffusionOutcome> {
  if (model === undefined) {
    throw new UsageError("--prompt needs a Stable Diffusion model: reprodiff generate <folder-or-repo> --prompt ...");
  }
  const ext = extname(options.out).toLowerCase();
  const toFile = ext === ".png" || ext === ".npy";
  if (toFile && (options.outputType.length !== 1 || ext.slice(1) !== options.outputType[0])) {
    throw new UsageError(
      `--out ${options.out} is one ${ext} file but --output-type is ${options.outputType.join(",")}`,
    );
  }
  checkSeedsMatchBatch(options);
  applyEngineOptions(options);
  // The files are resolved and hashed first (for the provenance record), then loaded from exactly there.
  const source = await resolvePipelineSource(model, {
    ...(options.revision !== undefined ? { revision: options.revision } : {}),
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.offline ? { localFilesOnly: true } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
  const pipe = await StableDiffusionPipeline.fromPretrained(source.folder, {
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
  });
  if (options.scheduler !== undefined) {
    pipe.scheduler = swapScheduler(options.scheduler, pipe.scheduler.config) as never;
  }
  const images = options.seeds?.length ?? options.batch ?? 1;
  const generator = options.seeds
    ? options.seeds.map((s) => new Generator().manualSeed(s))
    : new Generator().manualSeed(options.seed);
  const showProgress = options.progress ?? process.stderr.isTTY === true;
  const bar = showProgress ? new StepProgressBar(`sd ${images}x`) : null;
  let result: { images: Tensor<"float32">; info: StableDiffusionGenerationInfo; record: ProvenanceRecord };
  try {
    const recorded = await generateWithProvenance(
      pipe as unknown as GeneratingPipeline,
      {
        prompt: options.prompt,
        ...(options.negativePrompt !== undefined ? { negativePrompt: options.negativePrompt } : {}),
        guidanceScale: options.guidance ?? 7.5,
        numInferenceSteps: options.steps ?? 50,
        numImagesPerPrompt: images,
        ...(options.width !== undefined ? { width: options.width } : {}),
        ...(options.height !== undefined ? { height: options.height } : {}),
        ...(options.clipSkip !== undefined ? { clipSkip: options.clipSkip } : {}),
        ...(options.eta !== undefined ? { eta: options.eta } : {}),
        generator,
        outputType: "np",
        progress: bar ? bar.update : false,
      },
      source.model,
    );
    result = {
      images: recorded.floats,
      info: recorded.info as StableDiffusionGenerationInfo,
      record: recorded.record,
    };
  } catch (e) {
    // Bad sizes, prompts or seeds are usage errors, not crashes.
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  } finally {
    bar?.stop();
  }
  const { info } = result;
  const files: string[] = [];
  const write = (path: string, bytes: Uint8Array | string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    files.push(path);
  };
  const out = resolve(options.out);
  const text = {
    Software: "reprodiff",
    "reprodiff:model": model,
    "reprodiff:prompt": options.prompt,
    "reprodiff:generation": JSON.stringify(info),
  };
  if (options.outputType.includes("npy")) {
    write(toFile ? out : join(out, "images.npy"), serializeNpy(result.images));
  }
  if (options.outputType.includes("png")) {
    const count = result.images.shape[0];
    // Every PNG carries the provenance record, with which image (or the grid) its pixels show.
    const png = (image: ImageRecord) =>
      pngWithProvenance(renderImage(result.images, image), result.record, image, text);
    const grid: ImageRecord = { kind: "grid", columns: Math.ceil(Math.sqrt(count)), scale: options.scale, gap: 0 };
    if (toFile) {
      write(out, png(grid));
    } else {
      const width = String(count - 1).length;
      for (let i = 0; i < count; i++) {
        write(
          join(out, `image-${String(i).padStart(width, "0")}.png`),
          png({ kind: "image", index: i, scale: options.scale }),
        );
      }
      if (count > 1) write(join(out, "grid.png"), png(grid));
    }
  }
  if (!toFile) {
    write(join(out, "generation.json"), `${JSON.stringify({ model, ...info, provenance: result.record }, null, 2)}\n`);
  }
  return { files, info, absSum: absSum(result.images) };
}
