import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { listBackends, setBackend, setNumThreads } from "../engine/index.js";
import { serializeNpy } from "../io/npy.js";
import { absSum } from "../pipelines/abs-sum.js";
import type { GridOptions } from "../pipelines/image.js";
import { numpyToImages } from "../pipelines/postprocess.js";
import type { GenerationInfo } from "../pipelines/types.js";
import { generateWithProvenance, pngWithProvenance, renderImage } from "../provenance/capture.js";
import { BUNDLED_MODEL_ID } from "../provenance/model.node.js";
import { type LoadedPipeline, loadRecordedPipeline } from "../provenance/pipelines.node.js";
import type { ImageRecord, ProvenanceRecord } from "../provenance/record.js";
import { Generator } from "../rng/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { DownloadProgressLine, StepProgressBar } from "./progress.js";

export interface GenerateCommandOptions {
  seed: bigint;
  seeds?: bigint[];
  steps?: number;
  scheduler: string;
  eta?: number;
  batch?: number;
  out: string;
  threads?: number;
  backend?: string;
  /** What to write: PNGs, a .npy array, or both (folder output only). */
  outputType: OutputKind[];
  scale: number;
  progress?: boolean;
  revision?: string;
  variant?: string;
  cacheDir?: string;
  offline?: boolean;
  token?: string;
  quiet?: boolean;
}

/** One line per file written, so scripts can pick the paths up from stdout. */
export interface GenerateOutcome {
  files: string[];
  info: GenerationInfo;
  absSum: number;
}

/** A user mistake: printed as one line, exit code 2, never a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Upscaled grids get 2-pixel gray separators (as Diffusers' sample grids have); native-size ones none. */
function gridOptions(scale: number): GridOptions {
  return { scale, gap: scale > 1 ? 2 : 0 };
}

/** Progress goes to stderr when it is a terminal, or when asked with --progress; never with --no-progress. */
function showProgress(options: GenerateCommandOptions): boolean {
  return options.progress ?? process.stderr.isTTY === true;
}

async function loadPipeline(model: string | undefined, options: GenerateCommandOptions): Promise<LoadedPipeline> {
  const loadOptions = {
    ...(options.revision !== undefined ? { revision: options.revision } : {}),
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.offline ? { localFilesOnly: true } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(showProgress(options) ? { downloadProgress: new DownloadProgressLine().update } : {}),
  };
  const name = options.scheduler;
  // The files are resolved and hashed first (for the provenance record), then loaded from exactly there.
  // DDIMPipeline converts the saved scheduler like Diffusers; any other scheduler runs in the DDPM loop,
  // built from the saved config as Diffusers' from_config does.
  return loadRecordedPipeline(model, {
    ...loadOptions,
    pipeline: name === "ddim" ? "DDIMPipeline" : "DDPMPipeline",
    ...(name !== "ddim" && name !== "ddpm" ? { scheduler: name } : {}),
  });
}

export type OutputKind = "png" | "npy";

function outputPlan(out: string, outputType: readonly OutputKind[]): { kind: "dir" | "file"; path: string } {
  const ext = extname(out).toLowerCase();
  if (ext === ".png" || ext === ".npy") {
    if (outputType.length !== 1 || ext.slice(1) !== outputType[0]) {
      throw new UsageError(`--out ${out} is one ${ext} file but --output-type is ${outputType.join(",")}`);
    }
    return { kind: "file", path: resolve(out) };
  }
  return { kind: "dir", path: resolve(out) };
}

function pngText(info: GenerationInfo, model: string): Record<string, string> {
  return {
    Software: "reprodiff",
    "reprodiff:model": model,
    "reprodiff:generation": JSON.stringify(info),
  };
}

/** Runs `reprodiff generate`: loads the pipeline, generates, writes PNG or .npy files. */
export async function runGenerate(
  model: string | undefined,
  options: GenerateCommandOptions,
): Promise<GenerateOutcome> {
  checkSeedsMatchBatch(options);
  if (options.eta !== undefined && options.scheduler !== "ddim") {
    throw new UsageError(`--eta applies to the ddim scheduler only (got --scheduler ${options.scheduler})`);
  }
  const plan = outputPlan(options.out, options.outputType);
  applyEngineOptions(options);

  const loaded = await loadPipeline(model, options);
  const batchSize = options.seeds?.length ?? options.batch ?? 1;
  const generator = options.seeds
    ? options.seeds.map((s) => new Generator().manualSeed(s))
    : new Generator().manualSeed(options.seed);

  const bar = showProgress(options) ? new StepProgressBar(`${options.scheduler} ${batchSize}x`) : null;
  let images: Tensor<"float32">;
  let info: GenerationInfo;
  let record: ProvenanceRecord;
  try {
    const result = await generateWithProvenance(
      loaded.pipe,
      {
        batchSize,
        generator,
        // DDPM keeps Diffusers' 1000-step default; every other scheduler is meant for few steps.
        numInferenceSteps: options.steps ?? (options.scheduler === "ddpm" ? 1000 : 50),
        ...(options.eta !== undefined ? { eta: options.eta } : {}),
        outputType: "np",
        progress: bar ? bar.update : false,
      },
      loaded.model,
    );
    images = result.floats;
    info = result.info as GenerationInfo;
    record = result.record;
  } finally {
    bar?.stop();
  }

  const modelName = model ?? BUNDLED_MODEL_ID;
  const files: string[] = [];
  const write = (path: string, bytes: Uint8Array | string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    files.push(path);
  };
  if (options.outputType.includes("npy")) {
    write(plan.kind === "file" ? plan.path : join(plan.path, "images.npy"), serializeNpy(images));
  }
  if (options.outputType.includes("png")) {
    const pil = numpyToImages(images);
    const text = pngText(info, modelName);
    // Every PNG carries the provenance record, with which image (or the grid) its pixels show.
    const grid: ImageRecord = {
      kind: "grid",
      columns: Math.ceil(Math.sqrt(pil.length)),
      scale: options.scale,
      gap: gridOptions(options.scale).gap ?? 0,
    };
    const png = (image: ImageRecord) => pngWithProvenance(renderImage(images, image), record, image, text);
    if (plan.kind === "file") {
      write(plan.path, png(grid));
    } else {
      const width = String(pil.length - 1).length;
      pil.forEach((_, i) => {
        write(
          join(plan.path, `image-${String(i).padStart(width, "0")}.png`),
          png({ kind: "image", index: i, scale: options.scale }),
        );
      });
      if (pil.length > 1) write(join(plan.path, "grid.png"), png(grid));
    }
  }
  if (plan.kind === "dir") {
    write(
      join(plan.path, "generation.json"),
      `${JSON.stringify({ model: modelName, ...info, provenance: record }, null, 2)}\n`,
    );
  }
  return { files, info, absSum: absSum(images) };
}

/** `--seeds` sets the batch size; an explicit `--batch` must agree with it. */
export function checkSeedsMatchBatch(options: Pick<GenerateCommandOptions, "seeds" | "batch">): void {
  if (options.seeds && options.batch !== undefined && options.seeds.length !== options.batch) {
    throw new UsageError(
      `--seeds has ${options.seeds.length} seeds but --batch is ${options.batch}; give one seed per image`,
    );
  }
}

/** Applies `--backend` and `--threads` to the engine (neither changes the output bytes). */
export function applyEngineOptions(options: Pick<GenerateCommandOptions, "backend" | "threads">): void {
  if (options.backend !== undefined) {
    if (!listBackends().includes(options.backend)) {
      throw new UsageError(
        `--backend ${options.backend} is not available here; available: ${listBackends().join(", ")}`,
      );
    }
    setBackend(options.backend);
  }
  if (options.threads !== undefined) setNumThreads(options.threads);
}
