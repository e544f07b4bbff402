// Timestep embeddings: the sinusoidal projection (Timesteps), Gaussian Fourier features
// (GaussianFourierProjection) and the MLP that follows either (TimestepEmbedding).

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { cos, log, sin } from "../math/index.js";
import { type Activation, getActivation } from "../nn/activation.js";
import { Linear } from "../nn/layers.js";
import type { Param, ParamBuilder } from "../nn/param.js";
import { Tensor } from "../tensor/tensor.js";

const f32 = Math.fround;

export class Timesteps {
  constructor(
    readonly numChannels: number,
    readonly flipSinToCos: boolean,
    readonly downscaleFreqShift: number,
    readonly scale = 1,
  ) {}

  /** One float32 timestep per batch item → [N, numChannels]. */
  forward(timesteps: Float32Array): F32 {
    return ops.timestepEmbedding(timesteps, this.numChannels, {
      flipSinToCos: this.flipSinToCos,
      downscaleFreqShift: this.downscaleFreqShift,
      scale: this.scale,
    });
  }
}

export class GaussianFourierProjection {
  readonly weight: Param;

  constructor(
    vb: ParamBuilder,
    readonly embeddingSize: number,
    /** UNet2DModel takes log(t) first; UNet2DConditionModel does not. */
    readonly takeLog: boolean,
    readonly flipSinToCos: boolean,
  ) {
    // torch.randn(embedding_size) * scale: the checkpoint supplies the values.
    this.weight = vb.param("weight", [embeddingSize], { kind: "normal", std: 16 });
  }

  /** [N] → [N, 2 * embeddingSize], with torch's float32 rounding points for x·w·2·π. */
  forward(timesteps: Float32Array): F32 {
    const w = this.weight.value.data;
    const n = timesteps.length;
    const d = this.embeddingSize;
    const out = new Float32Array(n * 2 * d);
    const pi = f32(Math.PI);
    for (let i = 0; i < n; i++) {
      const x = this.takeLog ? f32(log(timesteps[i])) : timesteps[i];
      for (let j = 0; j < d; j++) {
        const proj = f32(f32(f32(x * w[j]) * 2) * pi);
        const s = f32(sin(proj));
        const c = f32(cos(proj));
        out[i * 2 * d + j] = this.flipSinToCos ? c : s;
        out[i * 2 * d + d + j] = this.flipSinToCos ? s : c;
      }
    }
    return Tensor.from(out, [n, 2 * d]);
  }
}

export class TimestepEmbedding {
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly act: Activation;
  readonly postAct: Activation | null;

  constructor(
    vb: ParamBuilder,
    inChannels: number,
    timeEmbedDim: number,
    options: { actFn?: string; outDim?: number | null; postActFn?: string | null } = {},
  ) {
    this.linear1 = new Linear(vb.pp("linear_1"), inChannels, timeEmbedDim);
    this.act = getActivation(options.actFn ?? "silu", "act_fn");
    this.linear2 = new Linear(vb.pp("linear_2"), timeEmbedDim, options.outDim ?? timeEmbedDim);
    this.postAct =
      options.postActFn === null || options.postActFn === undefined
        ? null
        : getActivation(options.postActFn, "timestep_post_act");
  }

  forward(sample: F32): F32 {
    const h = this.linear2.forward(this.act(this.linear1.forward(sample)));
    return this.postAct === null ? h : this.postAct(h);
  }
}

/**
 * Diffusers' timestep argument as one float32 value per batch item: a number or a 0-d/[1] tensor is
 * broadcast to the batch; `torch.tensor([t], dtype=long)` (UNet2DModel's treatment of a Python number)
 * is mimicked by `truncateNumber`. Values become float32 as in get_timestep_embedding's `.float()`.
 */
export function timestepsForBatch(t: number | Tensor, batch: number, truncateNumber: boolean): Float32Array {
  let values: number[];
  if (typeof t === "number") {
    if (!Number.isFinite(t)) throw new RangeError(`timestep must be a finite number, got ${t}`);
    values = [truncateNumber ? Math.trunc(t) : t];
  } else {
    if (t.shape.length > 1)
      throw new RangeError(`timestep tensor must be 0-d or 1-d, got shape [${t.shape.join(", ")}]`);
    switch (t.dtype) {
      case "int64":
      case "float32":
      case "float64":
        values = Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
        break;
      default:
        throw new TypeError(`timestep tensor must be int64, float32 or float64, got ${t.dtype}`);
    }
  }
  if (values.length !== 1 && values.length !== batch) {
    throw new RangeError(`got ${values.length} timesteps for a batch of ${batch} (give one, or one per batch item)`);
  }
  const out = new Float32Array(batch);
  for (let i = 0; i < batch; i++) out[i] = values.length === 1 ? values[0] : values[i];
  return out;
}
