import { Tensor } from "../tensor/tensor.js";
import { markChannelsFirstView } from "./abs-sum.js";
import { PipelineImage } from "./image.js";

const fround = Math.fround;

/**
 * Diffusers' numpy output: `(x / 2 + 0.5).clamp(0, 1)` in float32, then NCHW → NHWC.
 * Each operation rounds to float32 as torch does; NaN stays NaN (torch's clamp propagates it). The result
 * is marked as a view of channels-first memory so `absSum` sums it in NumPy's order.
 */
export function toNumpyImages(sample: Tensor): Tensor<"float32"> {
  if (sample.dtype !== "float32" || sample.shape.length !== 4) {
    throw new TypeError(`expected a float32 [B, C, H, W] sample, got ${sample.toString()}`);
  }
  const [b, c, h, w] = sample.shape;
  const src = sample.data as Float32Array;
  const out = new Float32Array(src.length);
  const half = fround(0.5);
  for (let n = 0; n < b; n++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = fround(fround(src[((n * c + ch) * h + y) * w + x] / 2) + half);
          out[((n * h + y) * w + x) * c + ch] = v < 0 ? 0 : Math.min(v, 1);
        }
      }
    }
  }
  return markChannelsFirstView(Tensor.from(out, [b, h, w, c]));
}

/** NumPy's `np.round`: round half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // Math.round rounds halves up; fix the exact-half cases whose result is odd.
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Diffusers' `numpy_to_pil`: `(images * 255).round().astype("uint8")` (float32 product, round half to even),
 * one grayscale image per item for 1 channel, RGB for 3.
 */
export function numpyToImages(images: Tensor): PipelineImage[] {
  if (images.dtype !== "float32" || images.shape.length !== 4) {
    throw new TypeError(`expected float32 [B, H, W, C] images, got ${images.toString()}`);
  }
  const [b, h, w, c] = images.shape;
  if (c !== 1 && c !== 3 && c !== 4)
    throw new RangeError(`images with ${c} channels cannot be 8-bit images (1, 3 or 4)`);
  const src = images.data as Float32Array;
  const per = h * w * c;
  const result: PipelineImage[] = [];
  for (let n = 0; n < b; n++) {
    const bytes = new Uint8Array(per);
    for (let i = 0; i < per; i++) {
      const v = roundHalfEven(fround(src[n * per + i] * 255));
      // Values are clamped to [0, 1] before this point; NaN (astype's undefined case) becomes 0.
      bytes[i] = Number.isNaN(v) ? 0 : v < 0 ? 0 : Math.min(v, 255);
    }
    result.push(new PipelineImage(w, h, c, bytes));
  }
  return result;
}
