// Downsample2D (strided conv, or 2x2 average pooling) and Upsample2D (nearest 2x, then a conv).

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { Conv2d } from "../nn/layers.js";
import type { ParamBuilder } from "../nn/param.js";
import { upsampleNearestTo } from "../nn/resize.js";

export class Downsample2D {
  readonly conv: Conv2d | null;

  constructor(
    vb: ParamBuilder,
    readonly channels: number,
    useConv: boolean,
    outChannels: number | null,
    readonly padding: number,
  ) {
    const outC = outChannels ?? channels;
    if (!useConv && outC !== channels) {
      throw new RangeError(`${vb.prefix}: average pooling cannot change channels (${channels} → ${outC})`);
    }
    this.conv = useConv
      ? new Conv2d(vb.pp("conv"), channels, outC, { kernelSize: 3, stride: 2, padding: padding })
      : null;
  }

  forward(x: F32): F32 {
    if (this.conv === null) return ops.avgPool2x2(x);
    // Diffusers pads (0, 1, 0, 1) itself when padding is 0: one zero row below and one column right.
    return this.padding === 0 ? this.conv.forward(x, [0, 1, 0, 1]) : this.conv.forward(x);
  }
}

export class Upsample2D {
  readonly conv: Conv2d | null;

  constructor(vb: ParamBuilder, channels: number, useConv: boolean, outChannels: number | null) {
    this.conv = useConv
      ? new Conv2d(vb.pp("conv"), channels, outChannels ?? channels, { kernelSize: 3, padding: 1 })
      : null;
  }

  /** `size` forces the output size (UNet2DConditionModel's upsample_size for odd latent sizes). */
  forward(x: F32, size: readonly [number, number] | null = null): F32 {
    const up = size === null ? ops.upsampleNearest2x(x) : upsampleNearestTo(x, size[0], size[1]);
    return this.conv === null ? up : this.conv.forward(up);
  }
}
