import { type ModelFolder, ModelFolderError, readFolderJson } from "../models/folder.js";
import { UNet2DModel } from "../models/index.js";
import { isNode, type ModelSource, openModelSource } from "../models/source.js";
import { schedulerFromConfig } from "../schedulers/index.js";
import type { SchedulerLike, UNetLike } from "./components.js";
import type { FromPretrainedOptions } from "./types.js";

// A computed specifier keeps browser bundlers from following this import into the file system and Hub code.
const FILES_MODULE = "./files.node.js";

/** The Node-only file helpers (pipeline folders, the Hub cache), imported on demand. */
export const nodeFiles = (): Promise<typeof import("./files.node.js")> => import(/* @vite-ignore */ FILES_MODULE);

/**
 * model_index.json: the pipeline class; per component, `[library, className]` (`[null, null]` for an
 * optional component that was not saved); and, as in Diffusers, any other value is a pipeline argument
 * (`requires_safety_checker: false`). Keys starting with "_" are metadata (`_diffusers_version`, `_name_or_path`).
 */
export interface ModelIndex {
  _class_name: string;
  _diffusers_version?: string;
  [key: string]: unknown;
}

/** A component entry of model_index.json. */
export type ComponentSpec = readonly [library: string | null, className: string | null];

function isComponentSpec(value: unknown): value is ComponentSpec {
  return Array.isArray(value) && value.length === 2 && value.every((v: unknown) => v === null || typeof v === "string");
}

/**
 * Validates a parsed model_index.json, naming the file in every error. Lists must be `[library, className]`
 * pairs; booleans, numbers, strings, null and objects are pipeline arguments and are kept as they are.
 */
export function parseModelIndex(json: unknown, file: string): ModelIndex {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`${file}: expected a JSON object`);
  }
  const index = json as Record<string, unknown>;
  if (typeof index._class_name !== "string") {
    throw new Error(`${file}: "_class_name" must be a string naming the pipeline class`);
  }
  for (const [key, value] of Object.entries(index)) {
    if (key.startsWith("_") || !Array.isArray(value)) continue;
    if (!isComponentSpec(value)) {
      throw new Error(`${file}: component "${key}" must be [library, className], got ${JSON.stringify(value)}`);
    }
  }
  return index as ModelIndex;
}

/** The saved components model_index.json names: entries `[library, className]` with both set. */
export function savedComponents(index: ModelIndex): Map<string, readonly [library: string, className: string]> {
  const out = new Map<string, readonly [string, string]>();
  for (const [key, value] of Object.entries(index)) {
    if (key.startsWith("_") || !isComponentSpec(value)) continue;
    const [library, className] = value;
    if (library !== null && className !== null) out.set(key, [library, className]);
  }
  return out;
}

/** A resolved pipeline folder and its model_index.json. */
export interface PipelineLocation {
  folder: ModelFolder;
  /** The path of model_index.json, for error messages. */
  indexFile: string;
  modelIndex: ModelIndex;
}

/**
 * The `[library, className]` of a component the pipeline needs, checked against the classes it can load.
 * Errors name the file, the component and what was expected.
 */
export function requireComponent(
  { modelIndex, indexFile }: PipelineLocation,
  name: string,
  library: string,
  classNames: readonly string[],
): string {
  const value = modelIndex[name];
  if (value === undefined) throw new Error(`${indexFile}: no "${name}" component`);
  if (!isComponentSpec(value)) {
    throw new Error(`${indexFile}: component "${name}" must be [library, className], got ${JSON.stringify(value)}`);
  }
  const [lib, className] = value;
  if (lib === null || className === null) {
    throw new Error(
      `${indexFile}: component "${name}" is [null, null] (not saved), but ${modelIndex._class_name} needs it`,
    );
  }
  if (lib !== library) {
    throw new Error(
      `${indexFile}: component "${name}" comes from library ${JSON.stringify(lib)}; expected "${library}"`,
    );
  }
  if (classNames.length > 0 && !classNames.includes(className)) {
    throw new Error(
      `${indexFile}: ${name} class ${JSON.stringify(className)} is not supported (expected ${classNames.map((c) => JSON.stringify(c)).join(" or ")})`,
    );
  }
  return className;
}

const MODEL_INDEX = "model_index.json";

/**
 * Opens `source` and reads its model_index.json. Nothing names the bundled model (Node only); a ModelFolder
 * or an http(s) URL is read as it is, in Node and browsers alike; any other string is a local folder or a
 * Hub repository id (Node: the Hugging Face cache, downloading only the component folders `componentsFor`
 * names; browsers: the Hub's resolve URLs, fetched as the components load).
 */
export async function locatePipeline(
  source: ModelSource | undefined,
  options: FromPretrainedOptions,
  componentsFor?: (modelIndex: ModelIndex) => readonly string[],
): Promise<PipelineLocation> {
  if (source === undefined && !isNode()) {
    throw new ModelFolderError(
      "fromPretrained() without a source loads the bundled model from the file system, which only Node has; " +
        "pass a URL of a served Diffusers folder, a Hub repository id or a ModelFolder",
    );
  }
  const folder =
    source === undefined
      ? await (await nodeFiles()).openPipelineFolder(undefined, options, componentsFor)
      : await openModelSource(source, {
          probe: MODEL_INDEX,
          hub: {
            ...(options.revision !== undefined ? { revision: options.revision } : {}),
            ...(options.token !== undefined ? { token: options.token } : {}),
            ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
            ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
          },
          node: async (path) => (await nodeFiles()).openPipelineFolder(path, options, componentsFor),
        });
  const indexFile = `${folder.location}/${MODEL_INDEX}`;
  if (!(await folder.exists(MODEL_INDEX))) {
    throw new ModelFolderError(
      `${indexFile}: not found (is this a Diffusers pipeline folder, save_pretrained layout?)`,
    );
  }
  return { folder, indexFile, modelIndex: parseModelIndex(await readFolderJson(folder, MODEL_INDEX), indexFile) };
}

/** The scheduler model_index.json names, built from its saved config. */
export async function loadScheduler(location: PipelineLocation): Promise<SchedulerLike> {
  const className = requireComponent(location, "scheduler", "diffusers", []);
  const path = "scheduler/scheduler_config.json";
  const configFile = `${location.folder.location}/${path}`;
  const config = await readFolderJson(location.folder, path);
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ModelFolderError(`${configFile}: expected a JSON object`);
  }
  const savedClass = (config as Record<string, unknown>)._class_name;
  if (savedClass !== undefined && savedClass !== className) {
    throw new Error(
      `${configFile}: _class_name ${JSON.stringify(savedClass)} disagrees with model_index.json's ${JSON.stringify(className)}`,
    );
  }
  try {
    return schedulerFromConfig({ ...config, _class_name: className }) as unknown as SchedulerLike;
  } catch (error) {
    if (error instanceof Error && !error.message.includes(configFile))
      error.message = `${configFile}: ${error.message}`;
    throw error;
  }
}

/** The components of an unconditional pipeline (DDPM, DDIM), loaded each with the class model_index.json names. */
export async function loadUnconditionalComponents(
  location: PipelineLocation,
  options: FromPretrainedOptions,
): Promise<{ unet: UNetLike; scheduler: SchedulerLike }> {
  const { folder, indexFile } = location;
  // A saved component the pipeline has no place for means the folder is for another kind of pipeline.
  for (const [name, [, className]] of savedComponents(location.modelIndex)) {
    if (name !== "unet" && name !== "scheduler") {
      throw new Error(`${indexFile}: component "${name}" (${className}) is not used by unconditional pipelines`);
    }
  }
  requireComponent(location, "unet", "diffusers", ["UNet2DModel"]);
  const unet = await UNet2DModel.fromPretrained(folder, {
    subfolder: "unet",
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
  });
  return { unet, scheduler: await loadScheduler(location) };
}
