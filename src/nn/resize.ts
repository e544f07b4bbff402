// Nearest-neighbour resizing to an explicit size (F.interpolate(size=..., mode="nearest")), used when
// UNet2DConditionModel forwards `upsample_size` for inputs whose size is not a multiple of 2^levels.
// A pure copy: which source pixel each output pixel takes follows torch's float32 index arithmetic.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { Tensor } from "../tensor/tensor.js";

function sourceIndex(outSize: number, inSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  // torch: scale = (float)in / out; src = min(floor(dst * scale), in - 1), all in float32.
  const scale = Math.fround(inSize / outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  return idx;
}

export function upsampleNearestTo(x: F32, outH: number, outW: number): F32 {
  const [n, c, h, w] = x.shape;
  if (outH === 2 * h && outW === 2 * w) return ops.upsampleNearest2x(x);
  const rows = sourceIndex(outH, h);
  const cols = sourceIndex(outW, w);
  const out = new Float32Array(n * c * outH * outW);
  const src = x.data;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < outH; y++) {
      const rowBase = base + rows[y] * w;
      for (let xx = 0; xx < outW; xx++) out[o++] = src[rowBase + cols[xx]];
    }
  }
  return Tensor.from(out, [n, c, outH, outW]);
}
