// Transformer2DModel over continuous inputs with BasicTransformerBlock (layer_norm variant): the
// spatial transformer of Stable Diffusion's UNet.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { Attention } from "../nn/attention.js";
import { FeedForward } from "../nn/feedforward.js";
import { Conv2d, GroupNorm, LayerNorm, Linear } from "../nn/layers.js";
import type { ParamBuilder } from "../nn/param.js";

export interface BasicTransformerBlockConfig {
  dim: number;
  numAttentionHeads: number;
  attentionHeadDim: number;
  crossAttentionDim: number | null;
  activationFn: string;
  attentionBias: boolean;
  onlyCrossAttention: boolean;
  doubleSelfAttention: boolean;
  normElementwiseAffine: boolean;
  normEps: number;
}

export class BasicTransformerBlock {
  readonly norm1: LayerNorm;
  readonly attn1: Attention;
  readonly norm2: LayerNorm | null;
  readonly attn2: Attention | null;
  readonly norm3: LayerNorm;
  readonly ff: FeedForward;
  readonly onlyCrossAttention: boolean;

  constructor(vb: ParamBuilder, c: BasicTransformerBlockConfig) {
    const attn = { heads: c.numAttentionHeads, dimHead: c.attentionHeadDim, bias: c.attentionBias, outBias: true };
    this.onlyCrossAttention = c.onlyCrossAttention;
    this.norm1 = new LayerNorm(vb.pp("norm1"), c.dim, c.normEps, c.normElementwiseAffine);
    this.attn1 = new Attention(vb.pp("attn1"), {
      queryDim: c.dim,
      crossAttentionDim: c.onlyCrossAttention ? c.crossAttentionDim : null,
      ...attn,
    });
    if (c.crossAttentionDim !== null || c.doubleSelfAttention) {
      this.norm2 = new LayerNorm(vb.pp("norm2"), c.dim, c.normEps, c.normElementwiseAffine);
      this.attn2 = new Attention(vb.pp("attn2"), {
        queryDim: c.dim,
        crossAttentionDim: c.doubleSelfAttention ? null : c.crossAttentionDim,
        ...attn,
      });
    } else {
      this.norm2 = null;
      this.attn2 = null;
    }
    this.norm3 = new LayerNorm(vb.pp("norm3"), c.dim, c.normEps, c.normElementwiseAffine);
    this.ff = new FeedForward(vb.pp("ff"), c.dim, { activationFn: c.activationFn });
  }

  /** hidden [B, L, dim]; context [B, Lk, crossAttentionDim] or null (then attn2 attends to itself). */
  forward(hidden: F32, context: F32 | null): F32 {
    const n1 = this.norm1.forward(hidden);
    hidden = ops.add(this.attn1.forward(n1, this.onlyCrossAttention ? context : null), hidden);
    if (this.attn2 !== null && this.norm2 !== null) {
      hidden = ops.add(this.attn2.forward(this.norm2.forward(hidden), context), hidden);
    }
    return ops.add(this.ff.forward(this.norm3.forward(hidden)), hidden);
  }
}

export interface Transformer2DConfig {
  numAttentionHeads: number;
  attentionHeadDim: number;
  inChannels: number;
  outChannels?: number | null;
  numLayers: number;
  normNumGroups: number;
  crossAttentionDim: number | null;
  useLinearProjection: boolean;
  onlyCrossAttention: boolean;
  activationFn?: string;
  attentionBias?: boolean;
  doubleSelfAttention?: boolean;
  normElementwiseAffine?: boolean;
  normEps?: number;
}

export class Transformer2DModel {
  readonly norm: GroupNorm;
  readonly projIn: Conv2d | Linear;
  readonly projOut: Conv2d | Linear;
  readonly blocks: BasicTransformerBlock[] = [];
  readonly useLinearProjection: boolean;
  readonly innerDim: number;

  constructor(
    readonly vb: ParamBuilder,
    c: Transformer2DConfig,
  ) {
    const inner = c.numAttentionHeads * c.attentionHeadDim;
    const outC = c.outChannels ?? c.inChannels;
    this.innerDim = inner;
    this.useLinearProjection = c.useLinearProjection;
    this.norm = new GroupNorm(vb.pp("norm"), c.normNumGroups, c.inChannels, 1e-6);
    this.projIn = c.useLinearProjection
      ? new Linear(vb.pp("proj_in"), c.inChannels, inner)
      : new Conv2d(vb.pp("proj_in"), c.inChannels, inner, { kernelSize: 1 });
    for (let i = 0; i < c.numLayers; i++) {
      this.blocks.push(
        new BasicTransformerBlock(vb.pp("transformer_blocks").pp(i), {
          dim: inner,
          numAttentionHeads: c.numAttentionHeads,
          attentionHeadDim: c.attentionHeadDim,
          crossAttentionDim: c.crossAttentionDim,
          activationFn: c.activationFn ?? "geglu",
          attentionBias: c.attentionBias ?? false,
          onlyCrossAttention: c.onlyCrossAttention,
          doubleSelfAttention: c.doubleSelfAttention ?? false,
          normElementwiseAffine: c.normElementwiseAffine ?? true,
          normEps: c.normEps ?? 1e-5,
        }),
      );
    }
    this.projOut = c.useLinearProjection
      ? new Linear(vb.pp("proj_out"), inner, outC)
      : new Conv2d(vb.pp("proj_out"), inner, outC, { kernelSize: 1 });
  }

  forward(x: F32, context: F32 | null): F32 {
    const [b, , h, w] = x.shape;
    const residual = x;
    let hs = this.norm.forward(x);
    // NCHW → [B, H*W, C] after (conv) or before (linear) the input projection.
    const toSeq = (t: F32) => ops.permute(t, [0, 2, 3, 1]).reshape([b, h * w, t.shape[1]]);
    const toMap = (t: F32) => ops.permute(t.reshape([b, h, w, t.shape[2]]), [0, 3, 1, 2]);
    hs = this.useLinearProjection ? this.projIn.forward(toSeq(hs)) : toSeq(this.projIn.forward(hs));
    for (const block of this.blocks) hs = block.forward(hs, context);
    const out = this.useLinearProjection ? toMap(this.projOut.forward(hs)) : this.projOut.forward(toMap(hs));
    return ops.add(out, residual);
  }
}
