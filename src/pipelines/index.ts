// Browser-safe pipeline API. `bundledModelPath` (Node only) lives in ./bundled.node.ts.
export { type AbsSumOptions, absSum, markChannelsFirstView, numpySum } from "./abs-sum.js";
export type { SchedulerLike, UNetLike } from "./components.js";
export { DDIMPipeline } from "./ddim.js";
export { DDPMPipeline } from "./ddpm.js";
export { engineInfo } from "./engine-info.js";
export { type GridOptions, imageGrid, PipelineImage } from "./image.js";
export { type ComponentSpec, type ModelIndex, type PipelineLocation, parseModelIndex } from "./loading.js";
export { DiffusionPipeline, type UnconditionalComponents } from "./pipeline.js";
export { numpyToImages, toNumpyImages } from "./postprocess.js";
export { type AnyPipeline, type PipelineClass, registeredPipelines, registerPipeline } from "./registry.js";
export {
  type StableDiffusionComponents,
  type StableDiffusionGenerateOptions,
  type StableDiffusionGenerationInfo,
  type StableDiffusionImages,
  type StableDiffusionOutputType,
  StableDiffusionPipeline,
  type StableDiffusionResult,
} from "./stable-diffusion.js";
export type {
  FromPretrainedOptions,
  GenerateOptions,
  GenerateResult,
  GenerationInfo,
  ImagesFor,
  OutputType,
  ProgressInfo,
  StepEndCallback,
  StepEndResult,
  StepTensors,
} from "./types.js";
