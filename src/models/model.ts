// What every Diffusers-format model shares: its resolved config, its named parameters, loading from a
// folder (`fromPretrained`) and seeded random initialisation (`fromConfig`).

import type { F32 } from "../engine/backend.js";
import { ParamBuilder, ParamStore } from "../nn/param.js";
import { cloneConfigValue, configToJson, type ModelConfig } from "./config.js";
import {
  type ModelFolder,
  ModelFolderError,
  openModelWeights,
  type PretrainedOptions,
  readModelConfig,
} from "./folder.js";
import { initRandomWeights, type RandomWeightsOptions } from "./random-init.js";
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

/** Opens a local folder or Hub repository (Node), or passes a ModelFolder through. */
export async function resolveFolder(
  location: string | ModelFolder,
  options: PretrainedOptions = {},
): Promise<ModelFolder> {
  if (typeof location !== "string") return location;
  const { openLocation } = await import("./folder.node.js");
  return openLocation(location, options);
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
  location: string | ModelFolder,
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
