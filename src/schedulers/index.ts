/**
 * Noise schedulers with Diffusers v0.31.0 semantics and PyTorch 1.13 CPU arithmetic (float32 rounding points,
 * SLEEF exp/log, NumPy's float32 log and float64 timestep maths, QUADPACK for LMS), swappable by config.
 *
 * - `new XScheduler(kwargs)` / `XScheduler.fromConfig(config, overrides)` / `schedulerFromConfig(config)`.
 * - `config` is frozen and equals what Diffusers' save_config writes (`saveConfig()` gives that text).
 *   `fromConfig` keeps keys the target does not know (as Diffusers does) and ignores them; the constructor
 *   refuses unknown keys (as Python refuses an unknown keyword argument).
 * - `timesteps` is a `number[]`; `timestepsDtype` says which torch dtype upstream holds them in ("int64",
 *   "float32" or "float64"), and float values are exactly the float32/float64 values torch holds.
 * - `sigmas` (sigma-space and multistep schedulers) is a `number[]` of float32 values.
 * - Tensors in and out of `scaleModelInput` / `step` / `addNoise` are float32 reprodiff Tensors.
 */
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
