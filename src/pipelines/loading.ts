import { UNet2DModel } from "../models/index.js";
import { schedulerFromConfig } from "../schedulers/index.js";
import type { SchedulerLike, UNetLike } from "./components.js";
import type { FromPretrainedOptions } from "./types.js";

// A computed specifier keeps browser bundlers from following this import into the file system and Hub code.
const FILES_MODULE = "./files.node.js";

/** The Node-only file helpers (pipeline folders, the Hub cache), imported on demand. */
export const nodeFiles = (): Promise<typeof import("./files.node.js")> => import(/* @vite-ignore */ FILES_MODULE);

/** model_index.json: the pipeline class and, per component, `[library, className]`. */
export interface ModelIndex {
  _class_name: string;
  _diffusers_version?: string;
  [key: string]: unknown;
}

/** Validates a parsed model_index.json, naming the file in every error. */
export function parseModelIndex(json: unknown, file: string): ModelIndex {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`${file}: expected a JSON object`);
  }
  const index = json as Record<string, unknown>;
  if (typeof index._class_name !== "string") {
    throw new Error(`${file}: "_class_name" must be a string naming the pipeline class`);
  }
  for (const [key, value] of Object.entries(index)) {
    if (key.startsWith("_")) continue;
    const ok =
      Array.isArray(value) &&
      value.length === 2 &&
      (value[0] === null || typeof value[0] === "string") &&
      (value[1] === null || typeof value[1] === "string");
    if (!ok) throw new Error(`${file}: component "${key}" must be [library, className], got ${JSON.stringify(value)}`);
  }
  return index as ModelIndex;
}

/** The components of an unconditional pipeline, loaded each with the class model_index.json names. */
export interface LoadedComponents {
  unet: UNetLike;
  scheduler: SchedulerLike;
  modelIndex: ModelIndex;
  folder: string;
}

/** A resolved pipeline folder and its model_index.json. */
export interface PipelineLocation {
  folder: string;
  modelIndex: ModelIndex;
}

/**
 * Resolves `idOrPath` (nothing → the bundled model; a local folder; or a Hub repo id) and reads its
 * model_index.json. Node only: the file access is imported on demand so the pipelines themselves stay
 * browser-safe (in a browser, build a pipeline from components instead).
 */
export async function locatePipeline(
  idOrPath: string | undefined,
  options: FromPretrainedOptions,
): Promise<PipelineLocation> {
  const files = await nodeFiles();
  const folder = await files.resolvePipelineFolder(idOrPath, options);
  const indexFile = `${folder}/model_index.json`;
  return { folder, modelIndex: parseModelIndex(files.readJson(indexFile), indexFile) };
}

/** Loads each component model_index.json lists, with the class it names. */
export async function loadPipelineComponents(
  { folder, modelIndex }: PipelineLocation,
  options: FromPretrainedOptions,
): Promise<LoadedComponents> {
  const files = await nodeFiles();
  const indexFile = `${folder}/model_index.json`;
  const components: Partial<Record<"unet" | "scheduler", unknown>> = {};
  for (const [name, spec] of Object.entries(modelIndex)) {
    if (name.startsWith("_")) continue;
    const [library, className] = spec as [string | null, string | null];
    // Diffusers writes [null, null] for optional components that were not saved.
    if (className === null) continue;
    if (library !== "diffusers") {
      throw new Error(
        `${indexFile}: component "${name}" comes from library ${JSON.stringify(library)}; only "diffusers" components are supported`,
      );
    }
    if (name === "unet") {
      if (className !== "UNet2DModel") {
        throw new Error(
          `${indexFile}: unet class ${JSON.stringify(className)} is not supported (expected "UNet2DModel")`,
        );
      }
      components.unet = await UNet2DModel.fromPretrained(folder, {
        subfolder: "unet",
        ...(options.variant !== undefined ? { variant: options.variant } : {}),
        ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
      });
    } else if (name === "scheduler") {
      const configFile = `${folder}/scheduler/scheduler_config.json`;
      const config = files.readJson(configFile) as Record<string, unknown>;
      if (config._class_name !== undefined && config._class_name !== className) {
        throw new Error(
          `${configFile}: _class_name ${JSON.stringify(config._class_name)} disagrees with model_index.json's ${JSON.stringify(className)}`,
        );
      }
      components.scheduler = schedulerFromConfig({ ...config, _class_name: className });
    } else {
      throw new Error(
        `${indexFile}: component "${name}" (${className}) is not used by the pipelines reprodiff provides`,
      );
    }
  }
  if (!components.unet) throw new Error(`${indexFile}: no "unet" component`);
  if (!components.scheduler) throw new Error(`${indexFile}: no "scheduler" component`);
  return {
    unet: components.unet as UNetLike,
    scheduler: components.scheduler as SchedulerLike,
    modelIndex,
    folder,
  };
}
