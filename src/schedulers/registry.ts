// Scheduler lookup by Diffusers class name (`_class_name` of scheduler_config.json) or by the short names
// the CLI uses.
import { parseConfigJson } from "./config.js";
import { DDIMScheduler } from "./ddim.js";
import { DDPMScheduler } from "./ddpm.js";
import { DPMSolverMultistepScheduler } from "./dpm-solver-multistep.js";
import { EulerDiscreteScheduler } from "./euler.js";
import { EulerAncestralDiscreteScheduler } from "./euler-ancestral.js";
import { HeunDiscreteScheduler } from "./heun.js";
import { LMSDiscreteScheduler } from "./lms.js";
import { PNDMScheduler } from "./pndm.js";
import type { Scheduler, SchedulerClass } from "./scheduler.js";
import { UniPCMultistepScheduler } from "./unipc.js";

export const SCHEDULERS: Readonly<Record<string, SchedulerClass>> = {
  DDPMScheduler,
  DDIMScheduler,
  PNDMScheduler,
  EulerDiscreteScheduler,
  EulerAncestralDiscreteScheduler,
  DPMSolverMultistepScheduler,
  LMSDiscreteScheduler,
  HeunDiscreteScheduler,
  UniPCMultistepScheduler,
};

export const SCHEDULER_ALIASES: Readonly<Record<string, string>> = {
  ddpm: "DDPMScheduler",
  ddim: "DDIMScheduler",
  pndm: "PNDMScheduler",
  euler: "EulerDiscreteScheduler",
  "euler-a": "EulerAncestralDiscreteScheduler",
  "dpm++2m": "DPMSolverMultistepScheduler",
  lms: "LMSDiscreteScheduler",
  heun: "HeunDiscreteScheduler",
  unipc: "UniPCMultistepScheduler",
};

/** The scheduler class for a Diffusers class name or a short alias (ddim, euler-a, dpm++2m, ...). */
export function schedulerClass(name: string): SchedulerClass {
  const resolved = SCHEDULER_ALIASES[name] ?? name;
  const cls = Object.hasOwn(SCHEDULERS, resolved) ? SCHEDULERS[resolved] : undefined;
  if (!cls) {
    throw new Error(
      `unknown scheduler ${JSON.stringify(name)}; expected one of ${[...Object.keys(SCHEDULER_ALIASES), ...Object.keys(SCHEDULERS)].join(", ")}`,
    );
  }
  return cls;
}

/** Builds the scheduler a config names in `_class_name` (a parsed object or scheduler_config.json text). */
export function schedulerFromConfig(config: Readonly<Record<string, unknown>> | string): Scheduler {
  const obj = typeof config === "string" ? parseConfigJson(config) : config;
  const name = obj._class_name;
  if (typeof name !== "string") {
    throw new TypeError('scheduler config has no "_class_name" string naming its scheduler class');
  }
  return schedulerClass(name).fromConfig(obj);
}

/**
 * Swaps a scheduler config into another scheduler, as `Target.from_config(pipe.scheduler.config)`:
 * `target` is a class name or alias; `overrides` are applied on top.
 */
export function swapScheduler(
  target: string,
  config: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, unknown>> = {},
): Scheduler {
  return schedulerClass(target).fromConfig(config, overrides);
}
