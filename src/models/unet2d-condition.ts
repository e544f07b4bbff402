// UNet2DConditionModel, the Stable Diffusion 1.x/2.x subset: cross-attention down/mid/up blocks with
// Transformer2DModel, text conditioning through encoder_hidden_states.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { type Activation, getActivation } from "../nn/activation.js";
import { Conv2d, GroupNorm } from "../nn/layers.js";
import type { Tensor } from "../tensor/tensor.js";
import { type BlockContext, DownBlock, MID_BLOCK_TYPES, MidBlock, UpBlock } from "./blocks.js";
import { CLASS_EMBED_TYPES, ClassEmbedding, type ClassLabels, combineClassEmbedding } from "./class-embedding.js";
import {
  ConfigError,
  type ConfigSchema,
  type ConfigValue,
  field,
  floatField,
  perBlock,
  requireOneOf,
  resolveConfig,
} from "./config.js";
import { GaussianFourierProjection, TimestepEmbedding, Timesteps, timestepsForBatch } from "./embeddings.js";
import type { PretrainedOptions } from "./folder.js";
import { DiffusersModel, loadPretrained, type Trace } from "./model.js";
import { normalSampler } from "./random-init.js";
import type { ModelSource } from "./source.js";
import type { FromConfigOptions } from "./unet2d.js";

/** UNet2DConditionModel.__init__ of diffusers v0.31.0. */
export const UNET_2D_CONDITION_SCHEMA: ConfigSchema = {
  sample_size: field(null, "null", "int", "intList"),
  in_channels: field(4, "int"),
  out_channels: field(4, "int"),
  center_input_sample: field(false, "bool"),
  flip_sin_to_cos: field(true, "bool"),
  freq_shift: field(0, "number"),
  down_block_types: field(
    ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "stringList",
  ),
  mid_block_type: field("UNetMidBlock2DCrossAttn", "string", "null"),
  up_block_types: field(["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], "stringList"),
  only_cross_attention: field(false, "bool", "boolList"),
  block_out_channels: field([320, 640, 1280, 1280], "intList"),
  layers_per_block: field(2, "int", "intList"),
  downsample_padding: field(1, "int"),
  mid_block_scale_factor: field(1, "number"),
  dropout: floatField(0.0, "number"),
  act_fn: field("silu", "string"),
  norm_num_groups: field(32, "int", "null"),
  norm_eps: field(1e-5, "number"),
  cross_attention_dim: field(1280, "int", "intList"),
  transformer_layers_per_block: field(1, "int", "intListList"),
  reverse_transformer_layers_per_block: field(null, "null", "intListList"),
  encoder_hid_dim: field(null, "int", "null"),
  encoder_hid_dim_type: field(null, "string", "null"),
  attention_head_dim: field(8, "int", "intOrNullList"),
  num_attention_heads: field(null, "int", "intList", "null"),
  dual_cross_attention: field(false, "bool"),
  use_linear_projection: field(false, "bool"),
  class_embed_type: field(null, "string", "null"),
  addition_embed_type: field(null, "string", "null"),
  addition_time_embed_dim: field(null, "int", "null"),
  num_class_embeds: field(null, "int", "null"),
  upcast_attention: field(false, "bool"),
  resnet_time_scale_shift: field("default", "string"),
  resnet_skip_time_act: field(false, "bool"),
  resnet_out_scale_factor: floatField(1.0, "number"),
  time_embedding_type: field("positional", "string"),
  time_embedding_dim: field(null, "int", "null"),
  time_embedding_act_fn: field(null, "string", "null"),
  timestep_post_act: field(null, "string", "null"),
  time_cond_proj_dim: field(null, "int", "null"),
  conv_in_kernel: field(3, "int"),
  conv_out_kernel: field(3, "int"),
  projection_class_embeddings_input_dim: field(null, "int", "null"),
  attention_type: field("default", "string"),
  class_embeddings_concat: field(false, "bool"),
  mid_block_only_cross_attention: field(null, "bool", "null"),
  cross_attention_norm: field(null, "string", "null"),
  addition_embed_type_num_heads: field(64, "int"),
};

export interface UNet2DConditionForwardOptions {
  /** Text embeddings [N, L, cross_attention_dim]. */
  encoderHiddenStates?: F32;
  classLabels?: ClassLabels;
  trace?: Trace;
}

export class UNet2DConditionModel extends DiffusersModel {
  static readonly className = "UNet2DConditionModel";
  readonly convIn: Conv2d;
  readonly timeProj: Timesteps | GaussianFourierProjection;
  readonly timeEmbedding: TimestepEmbedding;
  readonly classEmbedding: ClassEmbedding | null;
  readonly timeEmbedAct: Activation | null;
  readonly downBlocks: DownBlock[] = [];
  readonly midBlock: MidBlock | null;
  readonly upBlocks: UpBlock[] = [];
  readonly convNormOut: GroupNorm | null;
  readonly convAct: Activation;
  readonly convOut: Conv2d;
  readonly crossAttentionDim: number[];
  private readonly numUpsamplers: number;

  constructor(rawConfig: unknown, source = "UNet2DConditionModel config") {
    const name = UNet2DConditionModel.className;
    const config = resolveConfig(name, rawConfig, UNET_2D_CONDITION_SCHEMA, source);
    super(config);
    const c = config as Record<string, never>;
    // Options outside the Stable Diffusion 1.x/2.x subset fail here, naming the key.
    requireOneOf(config, "time_embedding_type", ["positional", "fourier"], name);
    requireOneOf(config, "resnet_time_scale_shift", ["default", "scale_shift"], name);
    requireOneOf(config, "mid_block_type", [...MID_BLOCK_TYPES, null], name);
    requireOneOf(config, "class_embed_type", [...CLASS_EMBED_TYPES], name);
    requireOneOf(config, "addition_embed_type", [null], name);
    requireOneOf(config, "encoder_hid_dim", [null], name);
    requireOneOf(config, "encoder_hid_dim_type", [null], name);
    requireOneOf(config, "time_cond_proj_dim", [null], name);
    requireOneOf(config, "attention_type", ["default"], name);
    requireOneOf(config, "dual_cross_attention", [false], name);
    if (c.num_attention_heads !== null) {
      // Diffusers itself refuses this key (diffusers issue #2011): attention_head_dim holds the head count.
      throw new ConfigError(`${name}: num_attention_heads must be null; set attention_head_dim instead`);
    }
    const down: string[] = c.down_block_types;
    const up: string[] = c.up_block_types;
    const channels: number[] = c.block_out_channels;
    const n = down.length;
    if (up.length !== n) {
      throw new ConfigError(`${name}: down_block_types has ${n} entries but up_block_types has ${up.length}`);
    }
    if (channels.length !== n) {
      throw new ConfigError(`${name}: block_out_channels has ${channels.length} entries but down_block_types has ${n}`);
    }
    const heads = perBlock<number | null>(config, "attention_head_dim", n, name);
    const headDims = heads;
    const crossDims = perBlock<number>(config, "cross_attention_dim", n, name);
    const layersPerBlock = perBlock<number>(config, "layers_per_block", n, name);
    const transformerLayers = perBlock<number | number[]>(config, "transformer_layers_per_block", n, name);
    const onlyCross = perBlock<boolean>(config, "only_cross_attention", n, name);
    if (Array.isArray(c.transformer_layers_per_block) && c.reverse_transformer_layers_per_block === null) {
      if ((c.transformer_layers_per_block as ConfigValue[]).some(Array.isArray)) {
        throw new ConfigError(
          `${name}: reverse_transformer_layers_per_block must be given when transformer_layers_per_block has per-layer lists`,
        );
      }
    }
    this.crossAttentionDim = crossDims;
    const act: string = c.act_fn;
    getActivation(act, "act_fn");
    const eps: number = c.norm_eps;
    const groups: number | null = c.norm_num_groups;
    const tss: string = c.resnet_time_scale_shift;
    const vb = this.root;

    const kIn: number = c.conv_in_kernel;
    this.convIn = new Conv2d(vb.pp("conv_in"), c.in_channels, channels[0], {
      kernelSize: kIn,
      padding: Math.trunc((kIn - 1) / 2),
    });
    let timeEmbedDim: number;
    let timestepInputDim: number;
    if (c.time_embedding_type === "fourier") {
      timeEmbedDim = c.time_embedding_dim ?? channels[0] * 2;
      if (timeEmbedDim % 2 !== 0)
        throw new ConfigError(`${name}: time_embedding_dim must be even, got ${timeEmbedDim}`);
      this.timeProj = new GaussianFourierProjection(vb.pp("time_proj"), timeEmbedDim / 2, false, c.flip_sin_to_cos);
      timestepInputDim = timeEmbedDim;
    } else {
      timeEmbedDim = c.time_embedding_dim ?? channels[0] * 4;
      this.timeProj = new Timesteps(channels[0], c.flip_sin_to_cos, c.freq_shift);
      timestepInputDim = channels[0];
    }
    this.timeEmbedding = new TimestepEmbedding(vb.pp("time_embedding"), timestepInputDim, timeEmbedDim, {
      actFn: act,
      postActFn: c.timestep_post_act,
    });
    this.classEmbedding = ClassEmbedding.create(vb.pp("class_embedding"), config, timestepInputDim, timeEmbedDim, act);
    this.timeEmbedAct =
      c.time_embedding_act_fn === null ? null : getActivation(c.time_embedding_act_fn, "time_embedding_act_fn");
    const blocksTimeEmbedDim = c.class_embeddings_concat === true ? timeEmbedDim * 2 : timeEmbedDim;
    if (groups === null) {
      throw new ConfigError(`${name}: norm_num_groups null is not supported (the resnet blocks need a group count)`);
    }

    let outC = channels[0];
    for (let i = 0; i < n; i++) {
      const inC = outC;
      outC = channels[i];
      this.downBlocks.push(
        new DownBlock(vb.pp("down_blocks").pp(i), down[i], {
          numLayers: layersPerBlock[i],
          transformerLayersPerBlock: transformerLayers[i],
          inChannels: inC,
          outChannels: outC,
          tembChannels: blocksTimeEmbedDim,
          addResample: i !== n - 1,
          resnetEps: eps,
          resnetActFn: act,
          resnetGroups: groups,
          crossAttentionDim: crossDims[i],
          numAttentionHeads: heads[i],
          downsamplePadding: c.downsample_padding,
          useLinearProjection: c.use_linear_projection,
          onlyCrossAttention: onlyCross[i],
          resnetTimeScaleShift: tss,
          attentionHeadDim: headDims[i] ?? outC,
        }),
      );
    }
    const last = channels[n - 1];
    const midType = c.mid_block_type as string | null;
    this.midBlock =
      midType === null
        ? null
        : new MidBlock(vb.pp("mid_block"), {
            inChannels: last,
            tembChannels: blocksTimeEmbedDim,
            resnetEps: eps,
            resnetActFn: act,
            resnetGroups: groups,
            resnetTimeScaleShift: tss,
            outputScaleFactor: c.mid_block_scale_factor,
            ...(midType === "UNetMidBlock2DCrossAttn"
              ? {
                  crossAttention: true,
                  numLayers: 1,
                  numAttentionHeads: heads[n - 1],
                  crossAttentionDim: crossDims[n - 1],
                  transformerLayersPerBlock: transformerLayers[n - 1],
                  useLinearProjection: c.use_linear_projection,
                }
              : { numLayers: 0, addAttention: false }),
          });
    const rev = <T>(xs: T[]): T[] => [...xs].reverse();
    const revChannels = rev(channels);
    const revHeads = rev(heads);
    const revLayers = rev(layersPerBlock);
    const revCross = rev(crossDims);
    const revTransformer: (number | number[])[] =
      c.reverse_transformer_layers_per_block === null
        ? rev(transformerLayers)
        : perBlock<number | number[]>(config, "reverse_transformer_layers_per_block", n, name);
    const revOnlyCross = rev(onlyCross);
    outC = revChannels[0];
    let upsamplers = 0;
    for (let i = 0; i < n; i++) {
      const isFinal = i === n - 1;
      const prevOutC = outC;
      outC = revChannels[i];
      const inC = revChannels[Math.min(i + 1, n - 1)];
      if (!isFinal) upsamplers++;
      this.upBlocks.push(
        new UpBlock(vb.pp("up_blocks").pp(i), up[i], {
          numLayers: revLayers[i] + 1,
          transformerLayersPerBlock: revTransformer[i],
          inChannels: inC,
          outChannels: outC,
          prevOutputChannel: prevOutC,
          tembChannels: blocksTimeEmbedDim,
          addResample: !isFinal,
          resnetEps: eps,
          resnetActFn: act,
          resnetGroups: groups,
          crossAttentionDim: revCross[i],
          numAttentionHeads: revHeads[i],
          useLinearProjection: c.use_linear_projection,
          onlyCrossAttention: revOnlyCross[i],
          resnetTimeScaleShift: tss,
          // Diffusers indexes attention_head_dim without reversing it here.
          attentionHeadDim: headDims[i] ?? outC,
        }),
      );
    }
    this.numUpsamplers = upsamplers;
    this.convNormOut = new GroupNorm(vb.pp("conv_norm_out"), groups, channels[0], eps);
    this.convAct = getActivation(act, "act_fn");
    const kOut: number = c.conv_out_kernel;
    this.convOut = new Conv2d(vb.pp("conv_out"), channels[0], c.out_channels, {
      kernelSize: kOut,
      padding: Math.trunc((kOut - 1) / 2),
    });
  }

  static async fromPretrained(location: ModelSource, options: PretrainedOptions = {}): Promise<UNet2DConditionModel> {
    return loadPretrained(location, options, (config, source) => new UNet2DConditionModel(config, source));
  }

  static fromConfig(config: unknown, options: FromConfigOptions): UNet2DConditionModel {
    const model = new UNet2DConditionModel(config);
    model.initRandomWeights({ normal: normalSampler(options.generator) });
    return model;
  }

  /** x [N, C, H, W]; t a number (made float32) or a tensor of one value or one per batch item. */
  async forward(x: F32, t: number | Tensor, options: UNet2DConditionForwardOptions = {}): Promise<{ sample: F32 }> {
    const trace = options.trace;
    if (x.shape.length !== 4 || x.dtype !== "float32") {
      throw new RangeError(`UNet2DConditionModel.forward: expected a float32 [N, C, H, W] sample, got ${x.toString()}`);
    }
    const batch = x.shape[0];
    const context = options.encoderHiddenStates ?? null;
    if (context === null) {
      throw new RangeError("UNet2DConditionModel.forward: encoderHiddenStates is required");
    }
    if (context.shape.length !== 3 || context.shape[0] !== batch) {
      throw new RangeError(
        `UNet2DConditionModel.forward: encoderHiddenStates must be [${batch}, L, D], got [${context.shape.join(", ")}]`,
      );
    }
    const factor = 2 ** this.numUpsamplers;
    const forwardUpsampleSize = x.shape.slice(2).some((d) => d % factor !== 0);
    const config = this.settings;
    if (config.center_input_sample === true) x = ops.affine(x, 2, -1);

    const tEmb = this.timeProj.forward(timestepsForBatch(t, batch, false));
    trace?.("time_proj", tEmb);
    let emb = this.timeEmbedding.forward(tEmb);
    if (this.classEmbedding !== null) {
      const classEmb = this.classEmbedding.forward(options.classLabels, batch, this.timeProj);
      emb = combineClassEmbedding(emb, classEmb, config.class_embeddings_concat === true);
    } else if (options.classLabels !== undefined) {
      throw new RangeError("UNet2DConditionModel.forward: classLabels given, but the model has no class embedding");
    }
    if (this.timeEmbedAct !== null) emb = this.timeEmbedAct(emb);
    trace?.("time_embedding", emb);

    const ctx: BlockContext = { temb: emb, encoderHiddenStates: context, trace };
    let h = this.convIn.forward(x);
    trace?.("conv_in", h);
    const residuals: F32[] = [h];
    for (const block of this.downBlocks) {
      const out = block.forward(h, ctx);
      h = out.hidden;
      trace?.(block.vb.prefix, h);
      residuals.push(...out.residuals);
    }
    if (this.midBlock !== null) {
      h = this.midBlock.forward(h, ctx);
      trace?.("mid_block", h);
    }
    for (let i = 0; i < this.upBlocks.length; i++) {
      const block = this.upBlocks[i];
      const skips = residuals.splice(residuals.length - block.resnets.length, block.resnets.length);
      let size: [number, number] | null = null;
      if (forwardUpsampleSize && i !== this.upBlocks.length - 1) {
        const next = residuals[residuals.length - 1];
        size = [next.shape[2], next.shape[3]];
      }
      h = block.forward(h, skips, ctx, size);
      trace?.(block.vb.prefix, h);
    }
    if (this.convNormOut !== null) {
      h = this.convAct(this.convNormOut.forward(h));
    }
    h = this.convOut.forward(h);
    trace?.("conv_out", h);
    return { sample: h };
  }
}
