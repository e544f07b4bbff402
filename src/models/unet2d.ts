// UNet2DModel: the unconditional UNet of the DDPM family (google/ddpm-cifar10-32 and siblings).

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { getActivation } from "../nn/activation.js";
import { Conv2d, GroupNorm } from "../nn/layers.js";
import type { Generator } from "../rng/index.js";
import { Tensor } from "../tensor/tensor.js";
import { DownBlock, MidBlock, UpBlock } from "./blocks.js";
import { ClassEmbedding, type ClassLabels } from "./class-embedding.js";
import { ConfigError, type ConfigSchema, field, floatField, requireOneOf, resolveConfig } from "./config.js";
import { GaussianFourierProjection, TimestepEmbedding, Timesteps, timestepsForBatch } from "./embeddings.js";
import type { PretrainedOptions } from "./folder.js";
import { DiffusersModel, loadPretrained, type Trace } from "./model.js";
import { normalSampler } from "./random-init.js";
import type { ModelSource } from "./source.js";

/** UNet2DModel.__init__ of diffusers v0.31.0: the defaults applied to missing config keys. */
export const UNET_2D_SCHEMA: ConfigSchema = {
  sample_size: field(null, "null", "int", "intList"),
  in_channels: field(3, "int"),
  out_channels: field(3, "int"),
  center_input_sample: field(false, "bool"),
  time_embedding_type: field("positional", "string"),
  freq_shift: field(0, "number"),
  flip_sin_to_cos: field(true, "bool"),
  down_block_types: field(["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"], "stringList"),
  up_block_types: field(["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"], "stringList"),
  block_out_channels: field([224, 448, 672, 896], "intList"),
  layers_per_block: field(2, "int"),
  mid_block_scale_factor: field(1, "number"),
  downsample_padding: field(1, "int"),
  downsample_type: field("conv", "string"),
  upsample_type: field("conv", "string"),
  dropout: floatField(0.0, "number"),
  act_fn: field("silu", "string"),
  attention_head_dim: field(8, "int", "null"),
  norm_num_groups: field(32, "int", "null"),
  attn_norm_num_groups: field(null, "int", "null"),
  norm_eps: field(1e-5, "number"),
  resnet_time_scale_shift: field("default", "string"),
  add_attention: field(true, "bool"),
  class_embed_type: field(null, "string", "null"),
  num_class_embeds: field(null, "int", "null"),
  num_train_timesteps: field(null, "int", "null"),
};

export interface UNet2DForwardOptions {
  /** Class labels, required when the model has a class embedding. */
  classLabels?: ClassLabels;
  /** Receives every block's output by state-dict path (for localising differences). */
  trace?: Trace;
}

export interface FromConfigOptions {
  /** Seeds the random weights: every parameter is drawn from it in state-dict order. */
  generator: Generator;
}

export class UNet2DModel extends DiffusersModel {
  static readonly className = "UNet2DModel";
  readonly convIn: Conv2d;
  readonly timeProj: Timesteps | GaussianFourierProjection;
  readonly timeEmbedding: TimestepEmbedding;
  readonly classEmbedding: ClassEmbedding | null;
  readonly downBlocks: DownBlock[] = [];
  readonly midBlock: MidBlock;
  readonly upBlocks: UpBlock[] = [];
  readonly convNormOut: GroupNorm;
  readonly convOut: Conv2d;

  /** Builds the module tree from a config (weights not loaded; see fromPretrained / fromConfig). */
  constructor(rawConfig: unknown, source = "UNet2DModel config") {
    const config = resolveConfig(UNet2DModel.className, rawConfig, UNET_2D_SCHEMA, source);
    super(config);
    const c = config as Record<string, never>;
    const name = UNet2DModel.className;
    requireOneOf(config, "time_embedding_type", ["positional", "fourier"], name);
    requireOneOf(config, "resnet_time_scale_shift", ["default", "scale_shift"], name);
    requireOneOf(config, "downsample_type", ["conv", "resnet"], name);
    requireOneOf(config, "upsample_type", ["conv", "resnet"], name);
    requireOneOf(config, "class_embed_type", [null, "timestep", "identity"], name);
    const down: string[] = c.down_block_types;
    const up: string[] = c.up_block_types;
    const channels: number[] = c.block_out_channels;
    if (down.length !== up.length) {
      throw new ConfigError(`${name}: down_block_types has ${down.length} entries but up_block_types has ${up.length}`);
    }
    if (channels.length !== down.length) {
      throw new ConfigError(
        `${name}: block_out_channels has ${channels.length} entries but down_block_types has ${down.length}`,
      );
    }
    const eps: number = c.norm_eps;
    const act: string = c.act_fn;
    getActivation(act, "act_fn");
    const groups: number | null = c.norm_num_groups;
    const headDim: number | null = c.attention_head_dim;
    const tss: string = c.resnet_time_scale_shift;
    const timeEmbedDim = channels[0] * 4;
    const vb = this.root;

    this.convIn = new Conv2d(vb.pp("conv_in"), c.in_channels, channels[0], { kernelSize: 3, padding: 1 });
    let timestepInputDim: number;
    if (c.time_embedding_type === "fourier") {
      this.timeProj = new GaussianFourierProjection(vb.pp("time_proj"), channels[0], true, false);
      timestepInputDim = 2 * channels[0];
    } else {
      this.timeProj = new Timesteps(channels[0], c.flip_sin_to_cos, c.freq_shift);
      timestepInputDim = channels[0];
    }
    this.timeEmbedding = new TimestepEmbedding(vb.pp("time_embedding"), timestepInputDim, timeEmbedDim);
    this.classEmbedding = ClassEmbedding.create(
      vb.pp("class_embedding"),
      config,
      timestepInputDim,
      timeEmbedDim,
      "silu",
    );

    if (groups === null) {
      // Diffusers builds its resnets with GroupNorm(num_groups=None) here, which fails; so do we, clearly.
      throw new ConfigError(`${name}: norm_num_groups null is not supported (the resnet blocks need a group count)`);
    }
    let outC = channels[0];
    for (let i = 0; i < down.length; i++) {
      const inC = outC;
      outC = channels[i];
      this.downBlocks.push(
        new DownBlock(vb.pp("down_blocks").pp(i), down[i], {
          numLayers: c.layers_per_block,
          inChannels: inC,
          outChannels: outC,
          tembChannels: timeEmbedDim,
          addResample: i !== channels.length - 1,
          resnetEps: eps,
          resnetActFn: act,
          resnetGroups: groups,
          attentionHeadDim: headDim ?? outC,
          downsamplePadding: c.downsample_padding,
          resnetTimeScaleShift: tss,
          resampleType: c.downsample_type,
        }),
      );
    }
    const last = channels[channels.length - 1];
    this.midBlock = new MidBlock(vb.pp("mid_block"), {
      inChannels: last,
      tembChannels: timeEmbedDim,
      resnetEps: eps,
      resnetActFn: act,
      outputScaleFactor: c.mid_block_scale_factor,
      resnetTimeScaleShift: tss,
      attentionHeadDim: headDim ?? last,
      resnetGroups: groups,
      attnGroups: c.attn_norm_num_groups,
      addAttention: c.add_attention,
    });
    const reversed = [...channels].reverse();
    outC = reversed[0];
    for (let i = 0; i < up.length; i++) {
      const prevOutC = outC;
      outC = reversed[i];
      const inC = reversed[Math.min(i + 1, channels.length - 1)];
      this.upBlocks.push(
        new UpBlock(vb.pp("up_blocks").pp(i), up[i], {
          numLayers: c.layers_per_block + 1,
          inChannels: inC,
          outChannels: outC,
          prevOutputChannel: prevOutC,
          tembChannels: timeEmbedDim,
          addResample: i !== channels.length - 1,
          resnetEps: eps,
          resnetActFn: act,
          resnetGroups: groups,
          attentionHeadDim: headDim ?? outC,
          resnetTimeScaleShift: tss,
          resampleType: c.upsample_type,
        }),
      );
    }
    this.convNormOut = new GroupNorm(vb.pp("conv_norm_out"), groups, channels[0], eps);
    this.convOut = new Conv2d(vb.pp("conv_out"), channels[0], c.out_channels, { kernelSize: 3, padding: 1 });
  }

  static async fromPretrained(location: ModelSource, options: PretrainedOptions = {}): Promise<UNet2DModel> {
    return loadPretrained(location, options, (config, source) => new UNet2DModel(config, source));
  }

  /** A model with seeded random weights (benchmarks, tests). */
  static fromConfig(config: unknown, options: FromConfigOptions): UNet2DModel {
    const model = new UNet2DModel(config);
    model.initRandomWeights({ normal: normalSampler(options.generator) });
    return model;
  }

  /**
   * x [N, C, H, W] float32; t a number (truncated to an integer like Diffusers' `torch.tensor([t],
   * dtype=torch.long)`) or a tensor with one value, or one per batch item (int64, float32 or float64).
   */
  async forward(x: F32, t: number | Tensor, options: UNet2DForwardOptions = {}): Promise<{ sample: F32 }> {
    const trace = options.trace;
    const config = this.settings;
    if (x.shape.length !== 4 || x.dtype !== "float32") {
      throw new RangeError(`UNet2DModel.forward: expected a float32 [N, C, H, W] sample, got ${x.toString()}`);
    }
    if (config.center_input_sample === true) x = ops.affine(x, 2, -1);
    const batch = x.shape[0];
    const timesteps = timestepsForBatch(t, batch, true);
    const tEmb = this.timeProj.forward(timesteps);
    trace?.("time_proj", tEmb);
    let emb = this.timeEmbedding.forward(tEmb);
    trace?.("time_embedding", emb);
    if (this.classEmbedding !== null) {
      emb = ops.add(emb, this.classEmbedding.forward(options.classLabels, batch, this.timeProj));
    } else if (options.classLabels !== undefined) {
      throw new RangeError("UNet2DModel.forward: classLabels given, but the model has no class embedding");
    }
    const ctx = { temb: emb, encoderHiddenStates: null, trace };
    let h = this.convIn.forward(x);
    trace?.("conv_in", h);
    const residuals: F32[] = [h];
    for (const block of this.downBlocks) {
      const out = block.forward(h, ctx);
      h = out.hidden;
      trace?.(block.vb.prefix, h);
      residuals.push(...out.residuals);
    }
    h = this.midBlock.forward(h, ctx);
    trace?.("mid_block", h);
    for (const block of this.upBlocks) {
      const skips = residuals.splice(residuals.length - block.resnets.length, block.resnets.length);
      h = block.forward(h, skips, ctx);
      trace?.(block.vb.prefix, h);
    }
    h = this.convNormOut.forward(h);
    trace?.("conv_norm_out", h);
    h = ops.silu(h);
    trace?.("conv_act", h);
    h = this.convOut.forward(h);
    trace?.("conv_out", h);
    if (this.timeProj instanceof GaussianFourierProjection) {
      // sample / timesteps, broadcast over C, H, W.
      h = ops.div(h, Tensor.from(timesteps.slice(), [batch, 1, 1, 1]));
    }
    return { sample: h };
  }
}
