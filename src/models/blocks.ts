// The UNet/VAE building blocks of diffusers' unet_2d_blocks.py that reprodiff supports, built by
// getDownBlock / getUpBlock / the mid-block classes with the same arguments Diffusers passes.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { Attention } from "../nn/attention.js";
import type { ParamBuilder } from "../nn/param.js";
import { ConfigError } from "./config.js";
import type { Trace } from "./model.js";
import { ResnetBlock2D } from "./resnet.js";
import { Downsample2D, Upsample2D } from "./sampling.js";
import { Transformer2DModel } from "./transformer2d.js";

export const DOWN_BLOCK_TYPES = [
  "DownBlock2D",
  "AttnDownBlock2D",
  "CrossAttnDownBlock2D",
  "DownEncoderBlock2D",
  "AttnDownEncoderBlock2D",
] as const;
export const UP_BLOCK_TYPES = [
  "UpBlock2D",
  "AttnUpBlock2D",
  "CrossAttnUpBlock2D",
  "UpDecoderBlock2D",
  "AttnUpDecoderBlock2D",
] as const;
export const RESAMPLE_TYPES = ["conv", "resnet"] as const;

export interface BlockContext {
  temb: F32 | null;
  encoderHiddenStates: F32 | null;
  trace?: Trace;
}

/** The keyword arguments of Diffusers' get_down_block / get_up_block that these blocks use. */
export interface BlockArgs {
  numLayers: number;
  inChannels: number;
  outChannels: number;
  /** Up blocks: channels coming from the previous (deeper) block. */
  prevOutputChannel?: number | null;
  tembChannels: number | null;
  addResample: boolean;
  resnetEps: number;
  resnetActFn: string;
  resnetGroups: number;
  resnetTimeScaleShift: string;
  /** Attn* blocks: channels per head (null → one head over all channels). */
  attentionHeadDim?: number | null;
  /** CrossAttn* blocks: number of heads. */
  numAttentionHeads?: number | null;
  crossAttentionDim?: number | null;
  /** Transformer layers of each CrossAttn layer: one count, or one per resnet/attention pair. */
  transformerLayersPerBlock?: number | readonly number[];
  useLinearProjection?: boolean;
  onlyCrossAttention?: boolean;
  downsamplePadding?: number;
  /** AttnDownBlock2D / AttnUpBlock2D: "conv" or "resnet" (null → conv). */
  resampleType?: string | null;
  outputScaleFactor?: number;
}

type Mixer = Attention | Transformer2DModel;

function stripUNetRes(type: string): string {
  return type.startsWith("UNetRes") ? type.slice(7) : type;
}

function spatialAttention(vb: ParamBuilder, channels: number, a: BlockArgs, normGroups: number | null): Attention {
  const headDim = a.attentionHeadDim ?? channels;
  return new Attention(vb, {
    queryDim: channels,
    heads: Math.trunc(channels / headDim),
    dimHead: headDim,
    rescaleOutputFactor: a.outputScaleFactor ?? 1,
    eps: a.resnetEps,
    normNumGroups: normGroups,
    residualConnection: true,
    bias: true,
    fromDeprecatedAttnBlock: true,
  });
}

function crossTransformer(
  vb: ParamBuilder,
  channels: number,
  a: BlockArgs,
  blockType: string,
  layer: number,
): Transformer2DModel {
  const heads = a.numAttentionHeads;
  if (heads === null || heads === undefined) throw new ConfigError(`${blockType} needs a number of attention heads`);
  if (a.crossAttentionDim === null || a.crossAttentionDim === undefined) {
    throw new ConfigError(`cross_attention_dim must be specified for ${blockType}`);
  }
  return new Transformer2DModel(vb, {
    numAttentionHeads: heads,
    attentionHeadDim: Math.trunc(channels / heads),
    inChannels: channels,
    numLayers: layersAt(a.transformerLayersPerBlock, layer, blockType),
    crossAttentionDim: a.crossAttentionDim,
    normNumGroups: a.resnetGroups,
    useLinearProjection: a.useLinearProjection ?? false,
    onlyCrossAttention: a.onlyCrossAttention ?? false,
  });
}

function resnet(
  vb: ParamBuilder,
  inC: number,
  outC: number,
  a: BlockArgs,
  extra: { up?: boolean; down?: boolean } = {},
) {
  return new ResnetBlock2D(vb, {
    inChannels: inC,
    outChannels: outC,
    tembChannels: a.tembChannels,
    groups: a.resnetGroups,
    eps: a.resnetEps,
    nonLinearity: a.resnetActFn,
    timeEmbeddingNorm: a.resnetTimeScaleShift,
    outputScaleFactor: a.outputScaleFactor ?? 1,
    ...extra,
  });
}

function layersAt(spec: number | readonly number[] | undefined, layer: number, blockType: string): number {
  if (spec === undefined) return 1;
  if (typeof spec === "number") return spec;
  const n = spec[layer];
  if (n === undefined) {
    throw new ConfigError(
      `${blockType}: transformer_layers_per_block lists ${spec.length} entries, layer ${layer} has none`,
    );
  }
  return n;
}

function applyMixer(mixer: Mixer, h: F32, ctx: BlockContext): F32 {
  return mixer instanceof Attention ? mixer.forward(h) : mixer.forward(h, ctx.encoderHiddenStates);
}

function checkResampleType(type: string | null | undefined, blockType: string): "conv" | "resnet" {
  const t = type ?? "conv";
  if (!(RESAMPLE_TYPES as readonly string[]).includes(t)) {
    throw new ConfigError(
      `${blockType}: resample type ${JSON.stringify(t)} is not supported; supported: ${RESAMPLE_TYPES.map((s) => JSON.stringify(s)).join(", ")}`,
    );
  }
  return t as "conv" | "resnet";
}

export class DownBlock {
  readonly resnets: ResnetBlock2D[] = [];
  readonly attentions: Mixer[] = [];
  readonly downsampler: Downsample2D | ResnetBlock2D | null = null;

  constructor(
    readonly vb: ParamBuilder,
    readonly type: string,
    a: BlockArgs,
  ) {
    const kind = stripUNetRes(type);
    if (!(DOWN_BLOCK_TYPES as readonly string[]).includes(kind)) {
      throw new ConfigError(
        `down_block_types: ${JSON.stringify(type)} is not supported; supported: ${DOWN_BLOCK_TYPES.join(", ")}`,
      );
    }
    for (let i = 0; i < a.numLayers; i++) {
      const inC = i === 0 ? a.inChannels : a.outChannels;
      this.resnets.push(resnet(vb.pp("resnets").pp(i), inC, a.outChannels, a));
      const attnVb = vb.pp("attentions").pp(i);
      if (kind === "AttnDownBlock2D" || kind === "AttnDownEncoderBlock2D") {
        this.attentions.push(spatialAttention(attnVb, a.outChannels, a, a.resnetGroups));
      } else if (kind === "CrossAttnDownBlock2D") {
        this.attentions.push(crossTransformer(attnVb, a.outChannels, a, kind, i));
      }
    }
    if (!a.addResample) return;
    const dvb = vb.pp("downsamplers").pp(0);
    const resample = kind === "AttnDownBlock2D" ? checkResampleType(a.resampleType, kind) : "conv";
    this.downsampler =
      resample === "resnet"
        ? resnet(dvb, a.outChannels, a.outChannels, a, { down: true })
        : new Downsample2D(dvb, a.outChannels, true, a.outChannels, a.downsamplePadding ?? 1);
  }

  /** The new hidden state and the residuals the up path consumes (one per resnet, plus the downsampled). */
  forward(h: F32, ctx: BlockContext): { hidden: F32; residuals: F32[] } {
    const residuals: F32[] = [];
    const path = this.vb.prefix;
    for (let i = 0; i < this.resnets.length; i++) {
      h = this.resnets[i].forward(h, ctx.temb);
      ctx.trace?.(`${path}.resnets.${i}`, h);
      if (this.attentions.length > 0) {
        h = applyMixer(this.attentions[i], h, ctx);
        ctx.trace?.(`${path}.attentions.${i}`, h);
      }
      residuals.push(h);
    }
    if (this.downsampler !== null) {
      h =
        this.downsampler instanceof ResnetBlock2D ? this.downsampler.forward(h, ctx.temb) : this.downsampler.forward(h);
      ctx.trace?.(`${path}.downsamplers.0`, h);
      residuals.push(h);
    }
    return { hidden: h, residuals };
  }
}

export class UpBlock {
  readonly resnets: ResnetBlock2D[] = [];
  readonly attentions: Mixer[] = [];
  readonly upsampler: Upsample2D | ResnetBlock2D | null = null;
  /** Decoder blocks take no skip connections. */
  readonly usesSkips: boolean;

  constructor(
    readonly vb: ParamBuilder,
    readonly type: string,
    a: BlockArgs,
  ) {
    const kind = stripUNetRes(type);
    if (!(UP_BLOCK_TYPES as readonly string[]).includes(kind)) {
      throw new ConfigError(
        `up_block_types: ${JSON.stringify(type)} is not supported; supported: ${UP_BLOCK_TYPES.join(", ")}`,
      );
    }
    this.usesSkips = kind === "UpBlock2D" || kind === "AttnUpBlock2D" || kind === "CrossAttnUpBlock2D";
    for (let i = 0; i < a.numLayers; i++) {
      let inC: number;
      if (this.usesSkips) {
        const skip = i === a.numLayers - 1 ? a.inChannels : a.outChannels;
        const prev = i === 0 ? (a.prevOutputChannel ?? a.outChannels) : a.outChannels;
        inC = prev + skip;
      } else {
        inC = i === 0 ? a.inChannels : a.outChannels;
      }
      this.resnets.push(resnet(vb.pp("resnets").pp(i), inC, a.outChannels, a));
      const attnVb = vb.pp("attentions").pp(i);
      if (kind === "AttnUpBlock2D" || kind === "AttnUpDecoderBlock2D") {
        this.attentions.push(spatialAttention(attnVb, a.outChannels, a, a.resnetGroups));
      } else if (kind === "CrossAttnUpBlock2D") {
        this.attentions.push(crossTransformer(attnVb, a.outChannels, a, kind, i));
      }
    }
    if (!a.addResample) return;
    const uvb = vb.pp("upsamplers").pp(0);
    const resample = kind === "AttnUpBlock2D" ? checkResampleType(a.resampleType, kind) : "conv";
    this.upsampler =
      resample === "resnet"
        ? resnet(uvb, a.outChannels, a.outChannels, a, { up: true })
        : new Upsample2D(uvb, a.outChannels, true, a.outChannels);
  }

  /** `skips` are consumed from the end (the most recent residual first), as Diffusers pops them. */
  forward(h: F32, skips: F32[], ctx: BlockContext, upsampleSize: readonly [number, number] | null = null): F32 {
    const path = this.vb.prefix;
    for (let i = 0; i < this.resnets.length; i++) {
      if (this.usesSkips) {
        const skip = skips.pop();
        if (skip === undefined) throw new Error(`${path}: ran out of skip connections`);
        h = ops.concat([h, skip], 1);
      }
      h = this.resnets[i].forward(h, ctx.temb);
      ctx.trace?.(`${path}.resnets.${i}`, h);
      if (this.attentions.length > 0) {
        h = applyMixer(this.attentions[i], h, ctx);
        ctx.trace?.(`${path}.attentions.${i}`, h);
      }
    }
    if (this.upsampler !== null) {
      h =
        this.upsampler instanceof ResnetBlock2D
          ? this.upsampler.forward(h, ctx.temb)
          : this.upsampler.forward(h, upsampleSize);
      ctx.trace?.(`${path}.upsamplers.0`, h);
    }
    return h;
  }
}

export interface MidBlockArgs {
  inChannels: number;
  tembChannels: number | null;
  resnetEps: number;
  resnetActFn: string;
  /** null → min(in_channels / 4, 32), as UNetMidBlock2D does. */
  resnetGroups: number | null;
  resnetTimeScaleShift: string;
  outputScaleFactor: number;
  numLayers?: number;
  /** UNetMidBlock2D */
  addAttention?: boolean;
  attentionHeadDim?: number | null;
  attnGroups?: number | null;
  /** UNetMidBlock2DCrossAttn */
  crossAttention?: boolean;
  numAttentionHeads?: number | null;
  crossAttentionDim?: number | null;
  transformerLayersPerBlock?: number | readonly number[];
  useLinearProjection?: boolean;
}

export const MID_BLOCK_TYPES = ["UNetMidBlock2DCrossAttn", "UNetMidBlock2D"] as const;

/** UNetMidBlock2D (optionally with spatial attention) and UNetMidBlock2DCrossAttn. */
export class MidBlock {
  readonly resnets: ResnetBlock2D[] = [];
  readonly attentions: (Mixer | null)[] = [];

  constructor(
    readonly vb: ParamBuilder,
    m: MidBlockArgs,
  ) {
    const c = m.inChannels;
    const groups = m.resnetGroups ?? Math.min(Math.trunc(c / 4), 32);
    const a: BlockArgs = {
      numLayers: 1,
      inChannels: c,
      outChannels: c,
      tembChannels: m.tembChannels,
      addResample: false,
      resnetEps: m.resnetEps,
      resnetActFn: m.resnetActFn,
      resnetGroups: groups,
      resnetTimeScaleShift: m.resnetTimeScaleShift,
      attentionHeadDim: m.attentionHeadDim ?? c,
      numAttentionHeads: m.numAttentionHeads,
      crossAttentionDim: m.crossAttentionDim,
      transformerLayersPerBlock: m.transformerLayersPerBlock ?? 1,
      useLinearProjection: m.useLinearProjection ?? false,
      outputScaleFactor: m.outputScaleFactor,
    };
    // Diffusers gives the mid attention a group norm only with the default time scale shift.
    const attnGroups = m.attnGroups ?? (m.resnetTimeScaleShift === "default" ? groups : null);
    this.resnets.push(resnet(vb.pp("resnets").pp(0), c, c, a));
    const layers = m.numLayers ?? 1;
    for (let i = 0; i < layers; i++) {
      const attnVb = vb.pp("attentions").pp(i);
      if (m.crossAttention === true) {
        this.attentions.push(crossTransformer(attnVb, c, a, "UNetMidBlock2DCrossAttn", i));
      } else {
        this.attentions.push(m.addAttention === false ? null : spatialAttention(attnVb, c, a, attnGroups));
      }
      this.resnets.push(resnet(vb.pp("resnets").pp(i + 1), c, c, a));
    }
  }

  forward(h: F32, ctx: BlockContext): F32 {
    const path = this.vb.prefix;
    h = this.resnets[0].forward(h, ctx.temb);
    ctx.trace?.(`${path}.resnets.0`, h);
    for (let i = 0; i < this.attentions.length; i++) {
      const attn = this.attentions[i];
      if (attn !== null) {
        h = applyMixer(attn, h, ctx);
        ctx.trace?.(`${path}.attentions.${i}`, h);
      }
      h = this.resnets[i + 1].forward(h, ctx.temb);
      ctx.trace?.(`${path}.resnets.${i + 1}`, h);
    }
    return h;
  }
}
