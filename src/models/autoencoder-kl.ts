// AutoencoderKL: the Stable Diffusion VAE (encoder → DiagonalGaussianDistribution, decoder).

import type { F32 } from "../engine/backend.js";
import { Conv2d } from "../nn/layers.js";
import type { Generator } from "../rng/index.js";
import { ConfigError, type ConfigSchema, field, resolveConfig } from "./config.js";
import type { PretrainedOptions } from "./folder.js";
import { DiagonalGaussianDistribution } from "./gaussian.js";
import { DiffusersModel, loadPretrained } from "./model.js";
import { normalSampler } from "./random-init.js";
import type { ModelSource } from "./source.js";
import { Decoder, Encoder } from "./vae.js";

/** AutoencoderKL.__init__ of diffusers v0.31.0. */
export const AUTOENCODER_KL_SCHEMA: ConfigSchema = {
  in_channels: field(3, "int"),
  out_channels: field(3, "int"),
  down_block_types: field(["DownEncoderBlock2D"], "stringList"),
  up_block_types: field(["UpDecoderBlock2D"], "stringList"),
  block_out_channels: field([64], "intList"),
  layers_per_block: field(1, "int"),
  act_fn: field("silu", "string"),
  latent_channels: field(4, "int"),
  norm_num_groups: field(32, "int"),
  sample_size: field(32, "int", "intList"),
  scaling_factor: field(0.18215, "number"),
  shift_factor: field(null, "number", "null"),
  latents_mean: field(null, "numberList", "null"),
  latents_std: field(null, "numberList", "null"),
  force_upcast: field(true, "bool", "number"),
  use_quant_conv: field(true, "bool"),
  use_post_quant_conv: field(true, "bool"),
  mid_block_add_attention: field(true, "bool"),
};

const ENCODER_BLOCKS = ["DownEncoderBlock2D", "AttnDownEncoderBlock2D"];
const DECODER_BLOCKS = ["UpDecoderBlock2D", "AttnUpDecoderBlock2D"];

export class AutoencoderKL extends DiffusersModel {
  static readonly className = "AutoencoderKL";
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  readonly quantConv: Conv2d | null;
  readonly postQuantConv: Conv2d | null;

  constructor(rawConfig: unknown, source = "AutoencoderKL config") {
    const name = AutoencoderKL.className;
    const config = resolveConfig(name, rawConfig, AUTOENCODER_KL_SCHEMA, source);
    super(config);
    const c = config as Record<string, never>;
    const down: string[] = c.down_block_types;
    const up: string[] = c.up_block_types;
    const channels: number[] = c.block_out_channels;
    for (const [key, types, allowed] of [
      ["down_block_types", down, ENCODER_BLOCKS],
      ["up_block_types", up, DECODER_BLOCKS],
    ] as const) {
      for (const t of types) {
        if (!allowed.includes(t)) {
          throw new ConfigError(
            `${name}: ${key} entry ${JSON.stringify(t)} is not supported; supported: ${allowed.join(", ")}`,
          );
        }
      }
      if (types.length !== channels.length) {
        throw new ConfigError(
          `${name}: ${key} has ${types.length} entries but block_out_channels has ${channels.length}`,
        );
      }
    }
    const latent: number = c.latent_channels;
    const common = {
      blockOutChannels: channels,
      layersPerBlock: c.layers_per_block,
      normNumGroups: c.norm_num_groups,
      actFn: c.act_fn,
      midBlockAddAttention: c.mid_block_add_attention,
    };
    const vb = this.root;
    this.encoder = new Encoder(vb.pp("encoder"), {
      ...common,
      inChannels: c.in_channels,
      outChannels: latent,
      blockTypes: down,
    });
    this.decoder = new Decoder(vb.pp("decoder"), {
      ...common,
      inChannels: latent,
      outChannels: c.out_channels,
      blockTypes: up,
    });
    this.quantConv = c.use_quant_conv
      ? new Conv2d(vb.pp("quant_conv"), 2 * latent, 2 * latent, { kernelSize: 1 })
      : null;
    this.postQuantConv = c.use_post_quant_conv
      ? new Conv2d(vb.pp("post_quant_conv"), latent, latent, { kernelSize: 1 })
      : null;
  }

  /** Latents are multiplied by this before diffusion (and divided after), by the pipelines. */
  get scalingFactor(): number {
    return this.settings.scaling_factor as number;
  }

  /** Subtracted before scaling when set (SD3/Flux VAEs); null for SD 1.x/2.x. */
  get shiftFactor(): number | null {
    return this.settings.shift_factor as number | null;
  }

  static async fromPretrained(location: ModelSource, options: PretrainedOptions = {}): Promise<AutoencoderKL> {
    return loadPretrained(location, options, (config, source) => new AutoencoderKL(config, source));
  }

  static fromConfig(config: unknown, options: { generator: Generator }): AutoencoderKL {
    const model = new AutoencoderKL(config);
    model.initRandomWeights({ normal: normalSampler(options.generator) });
    return model;
  }

  /** image [N, C, H, W] → the posterior over latents. */
  async encode(image: F32): Promise<{ latentDist: DiagonalGaussianDistribution }> {
    checkImage(image, "AutoencoderKL.encode");
    let h = this.encoder.forward(image);
    if (this.quantConv !== null) h = this.quantConv.forward(h);
    return { latentDist: new DiagonalGaussianDistribution(h) };
  }

  /** latents [N, latent_channels, h, w] → image. No scaling is applied here (as in Diffusers). */
  async decode(latent: F32): Promise<{ sample: F32 }> {
    checkImage(latent, "AutoencoderKL.decode");
    const z = this.postQuantConv === null ? latent : this.postQuantConv.forward(latent);
    return { sample: this.decoder.forward(z) };
  }

  /** decode(encode(x).mode()), or a posterior sample when `samplePosterior`. */
  async forward(
    sample: F32,
    options: { samplePosterior?: boolean; generator?: Generator } = {},
  ): Promise<{ sample: F32 }> {
    const { latentDist } = await this.encode(sample);
    const z = options.samplePosterior === true ? latentDist.sample(options.generator) : latentDist.mode();
    return this.decode(z);
  }
}

function checkImage(x: F32, what: string): void {
  if (x.shape.length !== 4 || x.dtype !== "float32") {
    throw new RangeError(`${what}: expected a float32 [N, C, H, W] tensor, got ${x.toString()}`);
  }
}
