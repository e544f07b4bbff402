// What every Diffusers-format model shares: its resolved config, its named parameters, loading from a
// folder (`fromPretrained`) and seeded random initialisation (`fromConfig`).

import type { F32 } from "../engine/backend.js";
import { ParamBuilder, ParamStore } from "../nn/param.js";
import { cloneConfigValue, configToJson, type ModelConfig } from "./config.js";
import {
  CONFIG_NAME,
  joinPath,
  type ModelFolder,
  ModelFolderError,
  openModelWeights,
  type PretrainedOptions,
  readModelConfig,
} from "./folder.js";
import { initRandomWeights, type RandomWeightsOptions } from "./random-init.js";
import { type ModelSource, openModelSource } from "./source.js";
import { type LoadReport, loadWeights, type WeightSource } from "./weights.js";

/** Called with each module's output during a forward pass, keyed by its state-dict path (for debugging). */
export type Trace = (path: string, value: F32) => void;

export abstract class DiffusersModel {
  readonly params = new ParamStore();
  protected readonly root = new ParamBuilder(this.params);
  /** Checkpoint tensors the model did not use at the last load. */
  unusedWeights: string[] = [];
  private readonly resolved: ModelConfig;

  protected constructor(config: ModelConfig) {
    this.resolved = config;
  }

  /** The full config (every default filled in, unknown keys kept), snake_case as in config.json. */
  get config(): ModelConfig {
    return cloneConfigValue(this.resolved);
  }

  /** The resolved config itself (not a copy), for the model's own reads. */
  protected get settings(): Readonly<ModelConfig> {
    return this.resolved;
  }

  /** config.json text as Diffusers writes it. */
  saveConfig(): string {
    return configToJson(this.resolved);
  }

  get numParameters(): number {
    return this.params.numParameters;
  }

  async loadWeights(source: WeightSource): Promise<LoadReport> {
    const report = await loadWeights(this.params, source);
    this.unusedWeights = report.unexpected;
    return report;
  }

  initRandomWeights(options: RandomWeightsOptions): void {
    initRandomWeights(this.params, options);
  }
}

/**
 * The folder of any fromPretrained source (see `ModelSource`); `probe` is the first file the load reads,
 * relative to the folder (a Hub branch is pinned to the commit that serves it).
 */
export async function resolveFolder(
  location: ModelSource,
  options: PretrainedOptions = {},
  probe = joinPath(options.subfolder ?? "", CONFIG_NAME),
): Promise<ModelFolder> {
  const hub = options.hub;
  return openModelSource(location, {
    probe,
    hub: {
      ...(hub?.revision !== undefined ? { revision: hub.revision } : {}),
      ...(hub?.token !== undefined ? { token: hub.token } : {}),
      ...(hub?.endpoint !== undefined ? { endpoint: hub.endpoint } : {}),
      ...(hub?.fetch !== undefined ? { fetch: hub.fetch } : {}),
      ...(hub?.signal !== undefined ? { signal: hub.signal } : {}),
    },
    node: async (path) => {
      // A computed specifier keeps browser bundlers from following this import into the file system and Hub code.
      const nodeFolder = "./folder.node.js";
      const { openLocation } = (await import(/* @vite-ignore */ nodeFolder)) as typeof import("./folder.node.js");
      return openLocation(path, options);
    },
  });
}

export function checkDtype(options: PretrainedOptions): void {
  if (options.dtype !== undefined && options.dtype !== "float32") {
    throw new ModelFolderError(
      `dtype ${JSON.stringify(options.dtype)} is not supported: weights are widened to float32, the only compute dtype`,
    );
  }
}

/** Reads config.json, builds the model with `build`, then loads its weights. */
export async function loadPretrained<M extends DiffusersModel>(
  location: ModelSource,
  options: PretrainedOptions,
  build: (config: unknown, source: string) => M,
): Promise<M> {
  checkDtype(options);
  const folder = await resolveFolder(location, options);
  const raw = await readModelConfig(folder, options);
  const where = [folder.location, options.subfolder, "config.json"]
    .filter((s) => s !== undefined && s !== "")
    .join("/");
  const model = build(raw, where);
  const weights = await openModelWeights(folder, options);
  try {
    await model.loadWeights(weights);
  } finally {
    await weights.close?.();
  }
  return model;
}
