// Loading a Stable Diffusion folder: model_index.json names each component's class; the tokenizer and text
// encoder come from transformers' file layout, the UNet, VAE and scheduler from Diffusers'. A weights
// variant ("fp16") falls back to a component's default weights when that component has none, as Diffusers
// does for pipelines. safety_checker / feature_extractor / image_encoder are never loaded (nor downloaded).

import { AutoencoderKL } from "../models/autoencoder-kl.js";
import { CLIPTextModel } from "../models/clip-text-model.js";
import { ModelFolderError, type PretrainedOptions } from "../models/folder.js";
import { UNet2DConditionModel } from "../models/unet2d-condition.js";
import { CLIPTokenizer } from "../text/clip-tokenizer.js";
import { loadScheduler, type PipelineLocation, requireComponent, savedComponents } from "./loading.js";
import type { StableDiffusionComponents } from "./stable-diffusion.js";
import type { FromPretrainedOptions } from "./types.js";

const NOT_LOADED = new Set(["safety_checker", "feature_extractor", "image_encoder"]);
const LOADED = new Set(["scheduler", "text_encoder", "tokenizer", "unet", "vae"]);

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
  location: PipelineLocation,
  options: FromPretrainedOptions,
): Promise<StableDiffusionComponents> {
  const { folder, indexFile } = location;
  for (const [name, [, className]] of savedComponents(location.modelIndex)) {
    if (!LOADED.has(name) && !NOT_LOADED.has(name)) {
      throw new Error(`${indexFile}: component "${name}" (${className}) is not used by StableDiffusionPipeline`);
    }
  }
  requireComponent(location, "tokenizer", "transformers", ["CLIPTokenizer", "CLIPTokenizerFast"]);
  requireComponent(location, "text_encoder", "transformers", ["CLIPTextModel"]);
  requireComponent(location, "unet", "diffusers", ["UNet2DConditionModel"]);
  requireComponent(location, "vae", "diffusers", ["AutoencoderKL"]);
  const scheduler = await loadScheduler(location);
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
  return { tokenizer, textEncoder, unet, vae, scheduler };
}
