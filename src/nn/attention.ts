// Diffusers' Attention module with the classic AttnProcessor semantics (what torch 1.13 runs):
// optional group norm over channels, q/k/v projections, multi-head scaled dot-product attention,
// output projection, optional residual connection and output rescaling.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { Tensor } from "../tensor/tensor.js";
import { GroupNorm, Linear } from "./layers.js";
import type { ParamBuilder } from "./param.js";

export interface AttentionConfig {
  queryDim: number;
  /** Channels of encoder_hidden_states; null/undefined means self-attention (= queryDim). */
  crossAttentionDim?: number | null;
  heads: number;
  dimHead: number;
  /** Bias on to_q/to_k/to_v. */
  bias?: boolean;
  /** Bias on to_out.0 (default true). */
  outBias?: boolean;
  /** Creates `group_norm` over the query channels when set. */
  normNumGroups?: number | null;
  eps?: number;
  rescaleOutputFactor?: number;
  residualConnection?: boolean;
  /**
   * Old checkpoints (the deprecated AttentionBlock) name the projections query/key/value/proj_attn;
   * when set, those names are accepted at load time, as Diffusers' _convert_deprecated_attention_blocks does.
   */
  fromDeprecatedAttnBlock?: boolean;
}

export class Attention {
  readonly heads: number;
  readonly dimHead: number;
  readonly groupNorm: GroupNorm | null;
  readonly toQ: Linear;
  readonly toK: Linear;
  readonly toV: Linear;
  readonly toOut: Linear;
  readonly rescaleOutputFactor: number;
  readonly residualConnection: boolean;

  constructor(
    readonly vb: ParamBuilder,
    config: AttentionConfig,
  ) {
    const { queryDim, heads, dimHead } = config;
    if (!Number.isInteger(heads) || heads <= 0 || !Number.isInteger(dimHead) || dimHead <= 0) {
      throw new RangeError(`${vb.prefix}: invalid attention heads=${heads}, dim_head=${dimHead}`);
    }
    const inner = heads * dimHead;
    const kvDim = config.crossAttentionDim ?? queryDim;
    const bias = config.bias ?? false;
    this.heads = heads;
    this.dimHead = dimHead;
    this.rescaleOutputFactor = config.rescaleOutputFactor ?? 1;
    this.residualConnection = config.residualConnection ?? false;
    this.groupNorm =
      config.normNumGroups === null || config.normNumGroups === undefined
        ? null
        : new GroupNorm(vb.pp("group_norm"), config.normNumGroups, queryDim, config.eps ?? 1e-5);
    const legacy = config.fromDeprecatedAttnBlock === true;
    this.toQ = new Linear(aliased(vb, "to_q", legacy ? "query" : null), queryDim, inner, bias);
    this.toK = new Linear(aliased(vb, "to_k", legacy ? "key" : null), kvDim, inner, bias);
    this.toV = new Linear(aliased(vb, "to_v", legacy ? "value" : null), kvDim, inner, bias);
    this.toOut = new Linear(
      aliased(vb.pp("to_out"), "0", legacy ? "proj_attn" : null, vb),
      inner,
      queryDim,
      config.outBias ?? true,
    );
  }

  /** hidden [B, C, H, W] (spatial self-attention) or [B, L, C]; context [B, Lk, crossAttentionDim]. */
  forward(hidden: F32, context: F32 | null = null): F32 {
    const residual = hidden;
    const spatial = hidden.shape.length === 4;
    let seq: F32;
    if (spatial) {
      const [b, c, h, w] = hidden.shape;
      // GroupNorm statistics do not depend on the [B, C, H*W] view Diffusers normalises, so norm first.
      const normed = this.groupNorm === null ? hidden : this.groupNorm.forward(hidden);
      seq = ops.permute(normed.reshape([b, c, h * w]), [0, 2, 1]);
    } else if (hidden.shape.length === 3) {
      seq =
        this.groupNorm === null
          ? hidden
          : ops.permute(this.groupNorm.forward(ops.permute(hidden, [0, 2, 1])), [0, 2, 1]);
    } else {
      throw new RangeError(`${this.vb.prefix}: expected a 3-D or 4-D input, got shape [${hidden.shape.join(", ")}]`);
    }
    const kv = context ?? seq;
    const q = this.splitHeads(this.toQ.forward(seq));
    const k = this.splitHeads(this.toK.forward(kv));
    const v = this.splitHeads(this.toV.forward(kv));
    const attended = ops.attention(q, k, v);
    const [b, , l] = attended.shape;
    const merged = ops.permute(attended, [0, 2, 1, 3]).reshape([b, l, this.heads * this.dimHead]);
    let out = this.toOut.forward(merged);
    if (spatial) {
      const [, c, h, w] = hidden.shape;
      out = ops.permute(out, [0, 2, 1]).reshape([b, c, h, w]);
    }
    if (this.residualConnection) out = ops.add(out, residual);
    return divideByScalar(out, this.rescaleOutputFactor);
  }

  /** [B, L, heads*D] → [B, heads, L, D]. */
  private splitHeads(x: F32): F32 {
    const [b, l] = x.shape;
    return ops.permute(x.reshape([b, l, this.heads, this.dimHead]), [0, 2, 1, 3]);
  }
}

/** x / s as torch does for a float32 tensor and a Python float (s rounded to float32); x / 1 is x. */
export function divideByScalar(x: F32, s: number): F32 {
  if (s === 1) return x;
  return ops.div(x, Tensor.from(new Float32Array([s]), [1]));
}

/** `<name>.*` parameters that old checkpoints store as `<legacy>.*` (a sibling path of `vb`). */
function aliased(vb: ParamBuilder, name: string, legacy: string | null, root: ParamBuilder = vb): ParamBuilder {
  const inner = vb.pp(name);
  return legacy === null ? inner : inner.withAlias(root.path(legacy));
}
