// Loading a pipeline together with the record of its files, for generate, replay, verify and record.
import { DDIMPipeline } from "../pipelines/ddim.js";
import { DDPMPipeline } from "../pipelines/ddpm.js";
import type { DiffusionPipeline } from "../pipelines/pipeline.js";
import type { FromPretrainedOptions } from "../pipelines/types.js";
import { schedulerFromConfig, swapScheduler } from "../schedulers/index.js";
import type { GeneratingPipeline } from "./capture.js";
import { type PipelineSource, resolvePipelineSource } from "./model.node.js";

type Loadable = { fromPretrained(path: string, options?: FromPretrainedOptions): Promise<unknown> };

/** The pipeline classes a record or manifest may name. */
const PIPELINES = new Map<string, Loadable>([
  ["DDIMPipeline", DDIMPipeline as unknown as Loadable],
  ["DDPMPipeline", DDPMPipeline as unknown as Loadable],
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

/** Resolves and hashes the model's files, then loads the pipeline from exactly those files. */
export async function loadRecordedPipeline(idOrPath: string | undefined, spec: LoadSpec = {}): Promise<LoadedPipeline> {
  const { pipeline, scheduler, ...options } = spec;
  const source = await resolvePipelineSource(idOrPath, options);
  const { folder } = source;
  let pipe: DiffusionPipeline;
  const local: FromPretrainedOptions = {
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
  };
  if (pipeline === undefined) {
    const { DiffusionPipeline } = await import("../pipelines/pipeline.js");
    pipe = await DiffusionPipeline.fromPretrained(folder, local);
  } else {
    const cls = PIPELINES.get(pipeline);
    if (!cls) {
      throw new RangeError(
        `pipeline class "${pipeline}" cannot be loaded here (known: ${replayablePipelines().join(", ")})`,
      );
    }
    pipe = (await cls.fromPretrained(folder, local)) as DiffusionPipeline;
  }
  if (typeof scheduler === "string") {
    pipe.scheduler = swapScheduler(scheduler, pipe.scheduler.config) as never;
  } else if (scheduler !== undefined) {
    pipe.scheduler = schedulerFromConfig(scheduler) as never;
  }
  return { ...source, pipe: pipe as unknown as GeneratingPipeline };
}
