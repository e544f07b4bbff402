// Loading a Stable Diffusion folder: model_index.json names each component's class; the tokenizer and text
// encoder come from transformers' file layout, the UNet, VAE and scheduler from Diffusers'. A weights
// variant ("fp16") falls back to a component's default weights when that component has none, as Diffusers
// does for pipelines. safety_checker / feature_extractor / image_encoder are never loaded.

import { AutoencoderKL } from "../models/autoencoder-kl.js";
import { CLIPTextModel } from "../models/clip-text-model.js";
import { ModelFolderError, type PretrainedOptions } from "../models/folder.js";
import { UNet2DConditionModel } from "../models/unet2d-condition.js";
import { schedulerFromConfig } from "../schedulers/index.js";
import { CLIPTokenizer } from "../text/clip-tokenizer.js";
import type { SchedulerLike } from "./components.js";
import { type ModelIndex, nodeFiles } from "./loading.js";
import type { StableDiffusionComponents } from "./stable-diffusion.js";
import type { FromPretrainedOptions } from "./types.js";

const EXPECTED: Readonly<Record<string, readonly [string, readonly string[]]>> = {
  tokenizer: ["transformers", ["CLIPTokenizer", "CLIPTokenizerFast"]],
  text_encoder: ["transformers", ["CLIPTextModel"]],
  unet: ["diffusers", ["UNet2DConditionModel"]],
  vae: ["diffusers", ["AutoencoderKL"]],
};
const NOT_LOADED = new Set(["safety_checker", "feature_extractor", "image_encoder"]);

function parseStableDiffusionIndex(json: unknown, file: string): ModelIndex {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new Error(`${file}: expected a JSON object`);
  const index = json as Record<string, unknown>;
  if (typeof index._class_name !== "string") {
    throw new Error(`${file}: "_class_name" must be a string naming the pipeline class`);
  }
  for (const [key, value] of Object.entries(index)) {
    if (key.startsWith("_") || !Array.isArray(value)) continue;
    const ok = value.length === 2 && value.every((v) => v === null || typeof v === "string");
    if (!ok) throw new Error(`${file}: component "${key}" must be [library, className], got ${JSON.stringify(value)}`);
  }
  return index as ModelIndex;
}

async function withVariantFallback<T>(load: (o: PretrainedOptions) => Promise<T>, variant?: string): Promise<T> {
  if (variant === undefined) return load({});
  try {
    return await load({ variant });
  } catch (e) {
    if (!(e instanceof ModelFolderError) || !/not found|no .*weights found/.test(e.message)) throw e;
    return load({});
  }
}

export async function loadStableDiffusionComponents(
  idOrPath: string,
  options: FromPretrainedOptions,
): Promise<{ components: StableDiffusionComponents; modelIndex: ModelIndex }> {
  if (options.dtype !== undefined && options.dtype !== "float32") {
    throw new RangeError(
      `dtype ${JSON.stringify(options.dtype)} is not supported: reprodiff computes in float32 (fp16 weights are widened exactly)`,
    );
  }
  const files = await nodeFiles();
  const folder = await files.resolvePipelineFolder(idOrPath, options);
  const indexFile = `${folder}/model_index.json`;
  const modelIndex = parseStableDiffusionIndex(files.readJson(indexFile), indexFile);
  if (modelIndex._class_name !== "StableDiffusionPipeline") {
    throw new Error(
      `${indexFile}: _class_name is ${JSON.stringify(modelIndex._class_name)}; StableDiffusionPipeline loads "StableDiffusionPipeline" folders`,
    );
  }
  for (const [name, spec] of Object.entries(modelIndex)) {
    if (name.startsWith("_") || NOT_LOADED.has(name)) continue;
    // Non-component entries such as `requires_safety_checker: false` are pipeline arguments.
    if (!Array.isArray(spec)) continue;
    const [library, className] = spec as [string | null, string | null];
    const expected = EXPECTED[name];
    if (name === "scheduler") continue;
    if (expected === undefined) {
      if (className === null) continue;
      throw new Error(`${indexFile}: component "${name}" (${className}) is not used by StableDiffusionPipeline`);
    }
    if (library !== expected[0] || className === null || !expected[1].includes(className)) {
      throw new Error(
        `${indexFile}: component "${name}" is ${JSON.stringify(spec)}; expected ["${expected[0]}", "${expected[1][0]}"]`,
      );
    }
  }
  for (const name of [...Object.keys(EXPECTED), "scheduler"]) {
    if (!Array.isArray(modelIndex[name])) throw new Error(`${indexFile}: no "${name}" component`);
  }
  const variant = options.variant;
  const tokenizer = await CLIPTokenizer.fromPretrained(folder, { subfolder: "tokenizer" });
  const textEncoder = await withVariantFallback(
    (o) => CLIPTextModel.fromPretrained(folder, { ...o, subfolder: "text_encoder" }),
    variant,
  );
  const unet = await withVariantFallback(
    (o) => UNet2DConditionModel.fromPretrained(folder, { ...o, subfolder: "unet" }),
    variant,
  );
  const vae = await withVariantFallback(
    (o) => AutoencoderKL.fromPretrained(folder, { ...o, subfolder: "vae" }),
    variant,
  );
  const configFile = `${folder}/scheduler/scheduler_config.json`;
  const config = files.readJson(configFile) as Record<string, unknown>;
  const className = (modelIndex.scheduler as [string, string])[1];
  if (config._class_name !== undefined && config._class_name !== className) {
    throw new Error(
      `${configFile}: _class_name ${JSON.stringify(config._class_name)} disagrees with model_index.json's ${JSON.stringify(className)}`,
    );
  }
  const scheduler = schedulerFromConfig({ ...config, _class_name: className }) as unknown as SchedulerLike;
  return { components: { tokenizer, textEncoder, unet, vae, scheduler }, modelIndex };
}
