// Conv2d, Linear, GroupNorm, LayerNorm and Embedding: each holds its parameters and calls the engine.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { widenHalfInto } from "../tensor/half.js";
import { Tensor } from "../tensor/tensor.js";
import type { Param, ParamBuilder } from "./param.js";

export interface Conv2dConfig {
  kernelSize: number;
  stride?: number;
  /** Symmetric zero padding (default 0). */
  padding?: number;
  bias?: boolean;
}

export class Conv2d {
  readonly weight: Param;
  readonly bias: Param | null;
  readonly stride: number;
  readonly padding: number;

  constructor(
    vb: ParamBuilder,
    readonly inChannels: number,
    readonly outChannels: number,
    config: Conv2dConfig,
  ) {
    const k = config.kernelSize;
    const fanIn = inChannels * k * k;
    this.weight = vb.param("weight", [outChannels, inChannels, k, k], { kind: "fanIn", fanIn }, { keepsHalf: true });
    this.bias = config.bias === false ? null : vb.param("bias", [outChannels], { kind: "fanIn", fanIn });
    this.stride = config.stride ?? 1;
    this.padding = config.padding ?? 0;
  }

  /** `padding` overrides the layer's own (Downsample2D pads (0, 1, 0, 1) itself before a padding-0 conv). */
  forward(x: F32, padding?: readonly [number, number, number, number]): F32 {
    return ops.conv2d(x, this.weight.stored, this.bias?.value ?? null, {
      stride: this.stride,
      padding: padding ?? this.padding,
    });
  }
}

export class Linear {
  readonly weight: Param;
  readonly bias: Param | null;

  constructor(
    vb: ParamBuilder,
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    const init = { kind: "fanIn", fanIn: inFeatures } as const;
    this.weight = vb.param("weight", [outFeatures, inFeatures], init, { keepsHalf: true });
    this.bias = bias ? vb.param("bias", [outFeatures], init) : null;
  }

  forward(x: F32): F32 {
    return ops.linear(x, this.weight.stored, this.bias?.value ?? null);
  }
}

export class GroupNorm {
  readonly weight: Param | null;
  readonly bias: Param | null;

  constructor(
    vb: ParamBuilder,
    readonly numGroups: number,
    readonly numChannels: number,
    readonly eps: number,
    affine = true,
  ) {
    if (!Number.isInteger(numGroups) || numGroups <= 0 || numChannels % numGroups !== 0) {
      throw new RangeError(`${vb.prefix}: ${numChannels} channels cannot be split into ${numGroups} groups`);
    }
    this.weight = affine ? vb.param("weight", [numChannels], { kind: "ones" }) : null;
    this.bias = affine ? vb.param("bias", [numChannels], { kind: "zeros" }) : null;
  }

  forward(x: F32): F32 {
    return ops.groupNorm(x, this.numGroups, this.weight?.value ?? null, this.bias?.value ?? null, this.eps);
  }
}

export class LayerNorm {
  readonly weight: Param | null;
  readonly bias: Param | null;

  constructor(
    vb: ParamBuilder,
    readonly dim: number,
    readonly eps: number,
    elementwiseAffine = true,
  ) {
    this.weight = elementwiseAffine ? vb.param("weight", [dim], { kind: "ones" }) : null;
    this.bias = elementwiseAffine ? vb.param("bias", [dim], { kind: "zeros" }) : null;
  }

  forward(x: F32): F32 {
    return ops.layerNorm(x, this.weight?.value ?? null, this.bias?.value ?? null, this.eps);
  }
}

/** nn.Embedding: a row lookup (an exact copy). */
export class Embedding {
  readonly weight: Param;

  constructor(
    vb: ParamBuilder,
    readonly numEmbeddings: number,
    readonly dim: number,
  ) {
    this.weight = vb.param("weight", [numEmbeddings, dim], { kind: "normal", std: 1 }, { keepsHalf: true });
  }

  forward(indices: ArrayLike<number>): F32 {
    const table = this.weight.stored;
    const out = new Float32Array(indices.length * this.dim);
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i];
      if (!Number.isInteger(row) || row < 0 || row >= this.numEmbeddings) {
        throw new RangeError(`embedding index ${row} is out of range [0, ${this.numEmbeddings})`);
      }
      const values = table.data.subarray(row * this.dim, (row + 1) * this.dim);
      if (table.dtype === "float32") out.set(values as Float32Array, i * this.dim);
      else widenHalfInto(table.dtype, values as Uint16Array, out, i * this.dim);
    }
    return Tensor.from(out, [indices.length, this.dim]);
  }
}
