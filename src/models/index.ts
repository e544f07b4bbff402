export { AUTOENCODER_KL_SCHEMA, AutoencoderKL } from "./autoencoder-kl.js";
export {
  type BlockArgs,
  type BlockContext,
  DOWN_BLOCK_TYPES,
  DownBlock,
  MID_BLOCK_TYPES,
  MidBlock,
  UP_BLOCK_TYPES,
  UpBlock,
} from "./blocks.js";
export { ClassEmbedding, type ClassLabels } from "./class-embedding.js";
export {
  CLIP_TEXT_CONFIG_SCHEMA,
  type CLIPTextForwardOptions,
  CLIPTextModel,
  type CLIPTextModelOutput,
} from "./clip-text-model.js";
export {
  type ConfigSchema,
  type ConfigValue,
  configToJson,
  type ModelConfig,
  resolveConfig as resolveModelConfig,
} from "./config.js";
export { GaussianFourierProjection, TimestepEmbedding, Timesteps } from "./embeddings.js";
export {
  addVariant,
  isModelFolder,
  type ModelFolder,
  ModelFolderError,
  openModelWeights,
  type PretrainedOptions,
  readFolderJson,
  readModelConfig,
} from "./folder.js";
export { DiagonalGaussianDistribution } from "./gaussian.js";
export { type FileContents, type MemoryFiles, MemoryModelFolder, modelFolderFromFiles } from "./memory-folder.js";
export { DiffusersModel, type Trace } from "./model.js";
export { type AnyModel, loadModel, modelFromConfig, SUPPORTED_MODEL_CLASSES } from "./registry.js";
export { ResnetBlock2D } from "./resnet.js";
export { Downsample2D, Upsample2D } from "./sampling.js";
export type { ModelSource } from "./source.js";
export { BasicTransformerBlock, Transformer2DModel } from "./transformer2d.js";
export { type FromConfigOptions, UNET_2D_SCHEMA, type UNet2DForwardOptions, UNet2DModel } from "./unet2d.js";
export {
  UNET_2D_CONDITION_SCHEMA,
  type UNet2DConditionForwardOptions,
  UNet2DConditionModel,
} from "./unet2d-condition.js";
export { type HubFolderOptions, hubModelFolder, type UrlFolderOptions, UrlModelFolder } from "./url-folder.js";
export { type LoadReport, SafetensorsWeights, WeightError, type WeightSource } from "./weights.js";
