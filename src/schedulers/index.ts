export {
  DIFFUSERS_VERSION,
  type ParamSpec,
  parseConfigJson,
  pythonFloatRepr,
  type SchedulerConfig,
  type SchedulerSpec,
} from "./config.js";
export { DDIMScheduler } from "./ddim.js";
export { DDPMScheduler } from "./ddpm.js";
export { DPMSolverMultistepScheduler } from "./dpm-solver-multistep.js";
export { EulerDiscreteScheduler } from "./euler.js";
export { EulerAncestralDiscreteScheduler } from "./euler-ancestral.js";
export { HeunDiscreteScheduler } from "./heun.js";
export { LMSDiscreteScheduler } from "./lms.js";
export { PNDMScheduler } from "./pndm.js";
export {
  SCHEDULER_ALIASES,
  SCHEDULERS,
  schedulerClass,
  schedulerFromConfig,
  swapScheduler,
} from "./registry.js";
export {
  Scheduler,
  type SchedulerClass,
  type StepOptions,
  type StepResult,
  type TimestepsDType,
} from "./scheduler.js";
export { UniPCMultistepScheduler } from "./unipc.js";
