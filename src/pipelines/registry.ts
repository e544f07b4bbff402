// The one loading path of every pipeline: resolve the folder or repo (downloading only the components the
// loading class uses), read model_index.json, pick the class (the one called, or the one `_class_name`
// names), and let that class build itself from the folder.
import { assertDeviceAllowed } from "../engine/determinism.js";
import type { ModelSource } from "../models/source.js";
import { locatePipeline, type ModelIndex, type PipelineLocation } from "./loading.js";
import type { DiffusionPipeline } from "./pipeline.js";
import type { StableDiffusionPipeline } from "./stable-diffusion.js";
import type { FromPretrainedOptions } from "./types.js";

/** What `DiffusionPipeline.fromPretrained` can return: any pipeline reprodiff provides. */
export type AnyPipeline = DiffusionPipeline | StableDiffusionPipeline;

/** A pipeline class `fromPretrained` can load, and `DiffusionPipeline.fromPretrained` dispatch to. */
export interface PipelineClass<P extends AnyPipeline = AnyPipeline> {
  /** The name model_index.json's `_class_name` uses for this pipeline. */
  readonly pipelineName: string;
  /**
   * The model_index.json components the class loads. A Hub download fetches only these folders
   * (model_index.json may name others, e.g. Stable Diffusion's safety_checker, which reprodiff never runs).
   */
  readonly componentNames: readonly string[];
  /** Builds the pipeline from a resolved folder and its model_index.json. */
  fromLocation(location: PipelineLocation, options: FromPretrainedOptions): Promise<P>;
}

const registry = new Map<string, PipelineClass>();

/** Makes a pipeline class loadable by `DiffusionPipeline.fromPretrained` through model_index.json's `_class_name`. */
export function registerPipeline(cls: PipelineClass): void {
  registry.set(cls.pipelineName, cls);
}

/** Names `DiffusionPipeline.fromPretrained` can dispatch to. */
export function registeredPipelines(): string[] {
  return [...registry.keys()].sort();
}

/** The registered class model_index.json's `_class_name` names, or an error listing those that exist. */
export function pipelineClassFor(modelIndex: ModelIndex, indexFile = "model_index.json"): PipelineClass {
  const found = registry.get(modelIndex._class_name);
  if (!found) {
    throw new Error(
      `${indexFile} names pipeline class ${JSON.stringify(modelIndex._class_name)}, which reprodiff does not ` +
        `provide (available: ${registeredPipelines().join(", ")})`,
    );
  }
  return found;
}

/**
 * Loads a pipeline with `cls`, or with the class model_index.json names when `cls` is null
 * (`DiffusionPipeline.fromPretrained`). The class is known before anything but model_index.json is fetched,
 * so an unsupported repository fails before its weights are downloaded.
 */
export async function loadPretrained<P extends AnyPipeline>(
  cls: PipelineClass<P> | null,
  source: ModelSource | undefined,
  options: FromPretrainedOptions,
): Promise<P> {
  if (options.device !== undefined) {
    assertDeviceAllowed(options.device);
    if (options.device !== "cpu") {
      throw new RangeError(`unsupported device ${JSON.stringify(options.device)}; reprodiff runs on "cpu"`);
    }
  }
  if (options.dtype !== undefined && options.dtype !== "float32") {
    throw new RangeError(
      `dtype ${JSON.stringify(options.dtype)} is not supported: reprodiff computes in float32 ` +
        '(half-precision weights such as variant "fp16" are widened exactly when loaded)',
    );
  }
  const choose = (index: ModelIndex, indexFile?: string): PipelineClass<P> =>
    cls ?? (pipelineClassFor(index, indexFile) as PipelineClass<P>);
  const location = await locatePipeline(source, options, (index) => choose(index).componentNames);
  return choose(location.modelIndex, location.indexFile).fromLocation(location, options);
}
