// DiagonalGaussianDistribution of diffusers' vae.py: the VAE encoder's posterior.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { exp } from "../math/index.js";
import { type Generator, randnTensor } from "../rng/index.js";
import { Tensor } from "../tensor/tensor.js";

const f32 = Math.fround;

function mapF32(x: F32, fn: (v: number) => number): F32 {
  const src = x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = fn(src[i]);
  return Tensor.from(out, x.shape);
}

export class DiagonalGaussianDistribution {
  readonly mean: F32;
  /** Clamped to [-30, 20] like Diffusers (NaN stays NaN, as torch.clamp). */
  readonly logvar: F32;
  /** exp(0.5 · logvar). */
  readonly std: F32;
  /** exp(logvar). */
  readonly var: F32;

  /** `parameters` [N, 2C, H, W]: mean then log-variance along channels. */
  constructor(readonly parameters: F32) {
    if (parameters.shape.length < 2 || parameters.shape[1] % 2 !== 0) {
      throw new RangeError(
        `DiagonalGaussianDistribution: parameters need an even channel count, got ${parameters.toString()}`,
      );
    }
    const c = parameters.shape[1] / 2;
    this.mean = ops.narrow(parameters, 1, 0, c);
    this.logvar = mapF32(ops.narrow(parameters, 1, c, c), (v) => (v < -30 ? -30 : Math.min(v, 20)));
    this.std = mapF32(this.logvar, (v) => f32(exp(f32(0.5 * v))));
    this.var = mapF32(this.logvar, (v) => f32(exp(v)));
  }

  /** mean + std · ε with ε = randn_tensor(mean.shape, generator), exactly as Diffusers draws it. */
  sample(generator?: Generator | readonly Generator[]): F32 {
    const noise = randnTensor(this.mean.shape, { generator });
    return ops.add(this.mean, ops.mul(this.std, noise));
  }

  mode(): F32 {
    return this.mean;
  }
}
