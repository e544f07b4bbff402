// Loading a pipeline together with the record of its files, for generate, replay, verify and record.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DDIMPipeline } from "../pipelines/ddim.js";
import { DDPMPipeline } from "../pipelines/ddpm.js";
import type { DiffusionPipeline } from "../pipelines/pipeline.js";
import { StableDiffusionPipeline } from "../pipelines/stable-diffusion.js";
import type { FromPretrainedOptions } from "../pipelines/types.js";
import { schedulerFromConfig, swapScheduler } from "../schedulers/index.js";
import type { GeneratingPipeline } from "./capture.js";
import { type PipelineSource, resolvePipelineSource } from "./model.node.js";

type Loadable = { fromPretrained(path: string, options?: FromPretrainedOptions): Promise<unknown> };

/** The pipeline classes a record or manifest may name. */
const PIPELINES = new Map<string, Loadable>([
  ["DDIMPipeline", DDIMPipeline as unknown as Loadable],
  ["DDPMPipeline", DDPMPipeline as unknown as Loadable],
  ["StableDiffusionPipeline", StableDiffusionPipeline as unknown as Loadable],
]);

/** Lets another pipeline family (e.g. Stable Diffusion) be replayed and verified. */
export function registerReplayablePipeline(name: string, cls: Loadable): void {
  PIPELINES.set(name, cls);
}

export function replayablePipelines(): string[] {
  return [...PIPELINES.keys()].sort();
}

export interface LoadSpec extends FromPretrainedOptions {
  /** Pipeline class name; default: the one model_index.json names. */
  pipeline?: string;
  /** A scheduler alias or class name to swap in (from the loaded config), or a full recorded config. */
  scheduler?: string | Record<string, unknown>;
}

export interface LoadedPipeline extends PipelineSource {
  pipe: GeneratingPipeline;
}

function readClassName(folder: string): string {
  const file = join(folder, "model_index.json");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const name = (json as { _class_name?: unknown } | null)?._class_name;
  if (typeof name !== "string") throw new Error(`${file}: "_class_name" must be a string naming the pipeline class`);
  return name;
}

/** Resolves and hashes the model's files, then loads the pipeline from exactly those files. */
export async function loadRecordedPipeline(idOrPath: string | undefined, spec: LoadSpec = {}): Promise<LoadedPipeline> {
  const { pipeline, scheduler, ...options } = spec;
  const source = await resolvePipelineSource(idOrPath, options);
  const { folder } = source;
  const local: FromPretrainedOptions = {
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
  };
  // Without a class named, model_index.json's decides (as DiffusionPipeline.fromPretrained does).
  const name = pipeline ?? readClassName(folder);
  const cls = PIPELINES.get(name);
  if (!cls) {
    throw new RangeError(
      `pipeline class "${name}" cannot be loaded for replay or verify (known: ${replayablePipelines().join(", ")})`,
    );
  }
  const pipe = (await cls.fromPretrained(folder, local)) as DiffusionPipeline;
  if (typeof scheduler === "string") {
    pipe.scheduler = swapScheduler(scheduler, pipe.scheduler.config) as never;
  } else if (scheduler !== undefined) {
    pipe.scheduler = schedulerFromConfig(scheduler) as never;
  }
  return { ...source, pipe: pipe as unknown as GeneratingPipeline };
}
