// Dispatch on config.json's `_class_name`, as Diffusers' from_pretrained on a generic loader does.

import { AutoencoderKL } from "./autoencoder-kl.js";
import { ConfigError } from "./config.js";
import { openModelWeights, type PretrainedOptions, readModelConfig } from "./folder.js";
import { checkDtype, type DiffusersModel, resolveFolder } from "./model.js";
import type { ModelSource } from "./source.js";
import { UNet2DModel } from "./unet2d.js";
import { UNet2DConditionModel } from "./unet2d-condition.js";

export type AnyModel = UNet2DModel | UNet2DConditionModel | AutoencoderKL;

const CLASSES: Record<string, (config: unknown, source: string) => AnyModel> = {
  UNet2DModel: (c, s) => new UNet2DModel(c, s),
  UNet2DConditionModel: (c, s) => new UNet2DConditionModel(c, s),
  AutoencoderKL: (c, s) => new AutoencoderKL(c, s),
};

export const SUPPORTED_MODEL_CLASSES: readonly string[] = Object.keys(CLASSES);

/** Builds the model class named by `config._class_name` (weights not loaded). */
export function modelFromConfig(config: unknown, source = "config"): AnyModel {
  const name = (config as { _class_name?: unknown } | null)?._class_name;
  const build = typeof name === "string" && Object.hasOwn(CLASSES, name) ? CLASSES[name] : undefined;
  if (build === undefined) {
    throw new ConfigError(
      `${source}: _class_name ${JSON.stringify(name)} is not supported; supported: ${SUPPORTED_MODEL_CLASSES.join(", ")}`,
    );
  }
  return build(config, source);
}

/** Loads whichever supported model class the folder's config.json names. */
export async function loadModel(location: ModelSource, options: PretrainedOptions = {}): Promise<AnyModel> {
  checkDtype(options);
  const folder = await resolveFolder(location, options);
  const raw = await readModelConfig(folder, options);
  const model: DiffusersModel = modelFromConfig(raw, `${folder.location}/config.json`);
  const weights = await openModelWeights(folder, options);
  try {
    await model.loadWeights(weights);
  } finally {
    await weights.close?.();
  }
  return model as AnyModel;
}
