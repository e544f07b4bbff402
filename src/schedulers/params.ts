// Parameter specs shared by several schedulers (names, defaults and accepted values as in Diffusers v0.31.0).
import type { ParamSpec } from "./config.js";

export const BETA_SCHEDULES = ["linear", "scaled_linear", "squaredcos_cap_v2"] as const;
export const PREDICTION_TYPES = ["epsilon", "v_prediction", "sample"] as const;
export const TIMESTEP_SPACINGS = ["linspace", "leading", "trailing"] as const;
export const FINAL_SIGMAS_TYPES = ["zero", "sigma_min"] as const;

export const int = (d: number): ParamSpec => ({ type: "int", default: d });
export const float = (d: number | null, nullable = false): ParamSpec => ({ type: "float", default: d, nullable });
export const bool = (d: boolean): ParamSpec => ({ type: "bool", default: d });
export const oneOf = (d: string | null, allowed: readonly string[], nullable = false): ParamSpec => ({
  type: "string",
  default: d,
  allowed,
  nullable,
});

export const trainedBetas: ParamSpec = { type: "float[]", default: null, nullable: true };
export const betaSchedule = (allowed: readonly string[] = BETA_SCHEDULES): ParamSpec => oneOf("linear", allowed);
export const spacing = (d: string): ParamSpec => oneOf(d, TIMESTEP_SPACINGS);
/** Sigma schedule switches that reprodiff does not reproduce: accepted only as false. */
export const unsupportedFlag = (): ParamSpec => ({ type: "bool", default: false, allowed: ["false"] });

/**
 * The training-noise parameters every scheduler's signature opens with, in Diffusers' order: num_train_timesteps,
 * beta_start, beta_end, beta_schedule, trained_betas.
 */
export const trainingNoiseParams = (
  betaStart = 0.0001,
  betaEnd = 0.02,
  schedules: readonly string[] = BETA_SCHEDULES,
): Record<string, ParamSpec> => ({
  num_train_timesteps: int(1000),
  beta_start: float(betaStart),
  beta_end: float(betaEnd),
  beta_schedule: betaSchedule(schedules),
  trained_betas: trainedBetas,
});
