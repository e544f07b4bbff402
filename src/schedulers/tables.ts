// The training-noise tables (betas, alphas_cumprod) built exactly as Diffusers builds them with torch on the
// CPU: float32 torch.linspace (AVX2 kernel, see torchLinspaceF32), cumprod accumulated in float64 and stored
// as float32 per element, and the cosine schedule evaluated in Python float64.

import { cumprodF32, torchLinspaceF32 } from "../math/compat/torch-f32.js";
import { cos, exp } from "../math/index.js";
import { f32, fsqrt } from "./tensor-ops.js";

/** Diffusers' betas_for_alpha_bar: Python float64 math, then torch.tensor(..., dtype=float32). */
export function betasForAlphaBar(num: number, transform: "cosine" | "exp", maxBeta = 0.999): Float32Array {
  const alphaBar =
    transform === "cosine"
      ? (t: number) => {
          const c = cos((((t + 0.008) / 1.008) * Math.PI) / 2);
          return c * c;
        }
      : (t: number) => exp(t * -12.0);
  const out = new Float32Array(num);
  for (let i = 0; i < num; i++) {
    const t1 = i / num;
    const t2 = (i + 1) / num;
    out[i] = Math.min(1 - alphaBar(t2) / alphaBar(t1), maxBeta);
  }
  return out;
}

/** Diffusers' rescale_zero_terminal_snr (Lin et al. 2023), float32 torch arithmetic. */
export function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const n = betas.length;
  const alphas = new Float32Array(n);
  for (let i = 0; i < n; i++) alphas[i] = 1 - betas[i];
  const cum = cumprodF32(alphas);
  const sqrtBar = new Float32Array(n);
  for (let i = 0; i < n; i++) sqrtBar[i] = Math.sqrt(cum[i]);
  const first = sqrtBar[0];
  const last = sqrtBar[n - 1];
  const factor = f32(first / f32(first - last));
  for (let i = 0; i < n; i++) sqrtBar[i] = f32(sqrtBar[i] - last) * factor;
  const bar = new Float32Array(n);
  for (let i = 0; i < n; i++) bar[i] = sqrtBar[i] * sqrtBar[i];
  const out = new Float32Array(n);
  out[0] = 1 - bar[0];
  for (let i = 1; i < n; i++) out[i] = 1 - f32(bar[i] / bar[i - 1]);
  return out;
}

export interface BetaTableConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: string;
  trained_betas: number[] | null;
  rescale_betas_zero_snr?: boolean;
}

export interface BetaTables {
  betas: Float32Array;
  alphasCumprod: Float32Array;
}

/** betas and alphas_cumprod for a scheduler config (the schedule name is validated by the config layer). */
export function buildTables(config: BetaTableConfig): BetaTables {
  const n = config.num_train_timesteps;
  let betas: Float32Array;
  if (config.trained_betas !== null && config.trained_betas !== undefined) {
    betas = Float32Array.from(config.trained_betas);
  } else if (config.beta_schedule === "linear") {
    betas = torchLinspaceF32(config.beta_start, config.beta_end, n);
  } else if (config.beta_schedule === "scaled_linear") {
    const root = torchLinspaceF32(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n);
    betas = new Float32Array(n);
    for (let i = 0; i < n; i++) betas[i] = root[i] * root[i];
  } else if (config.beta_schedule === "squaredcos_cap_v2") {
    betas = betasForAlphaBar(n, "cosine");
  } else if (config.beta_schedule === "exp") {
    betas = betasForAlphaBar(n, "exp");
  } else {
    throw new Error(`beta_schedule ${JSON.stringify(config.beta_schedule)} is not implemented`);
  }
  if (config.rescale_betas_zero_snr) betas = rescaleZeroTerminalSnr(betas);
  const alphas = new Float32Array(n);
  for (let i = 0; i < n; i++) alphas[i] = 1 - betas[i];
  return { betas, alphasCumprod: cumprodF32(alphas) };
}

/** ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5 in float32, index order as the table. */
export function sigmasFromAlphasCumprod(alphasCumprod: Float32Array): Float32Array {
  const out = new Float32Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) {
    const a = alphasCumprod[i];
    out[i] = fsqrt(f32(1 - a) / a);
  }
  return out;
}
