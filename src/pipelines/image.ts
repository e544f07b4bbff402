import { encode } from "fast-png";

/**
 * An 8-bit image, the counterpart of the PIL images Diffusers returns for `output_type="pil"`.
 * `data` is row-major, interleaved: `channels` bytes per pixel (1 = grayscale "L", 3 = "RGB").
 */
export class PipelineImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array;

  constructor(width: number, height: number, channels: number, data: Uint8Array) {
    if (channels !== 1 && channels !== 3 && channels !== 4) {
      throw new RangeError(`an image has 1, 3 or 4 channels, got ${channels}`);
    }
    if (data.length !== width * height * channels) {
      throw new RangeError(
        `image ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`,
      );
    }
    this.width = width;
    this.height = height;
    this.channels = channels;
    this.data = data;
  }

  /** "L" for grayscale, "RGB" or "RGBA", PIL's mode names. */
  get mode(): "L" | "RGB" | "RGBA" {
    return this.channels === 1 ? "L" : this.channels === 3 ? "RGB" : "RGBA";
  }

  /**
   * Encodes the image as PNG (browser-safe: pure JavaScript). `text` entries become tEXt chunks, which is
   * where the CLI records the seed, settings and engine that made the image.
   */
  toPNG(text?: Record<string, string>): Uint8Array {
    return encode({
      width: this.width,
      height: this.height,
      channels: this.channels,
      depth: 8,
      data: this.data,
      ...(text ? { text } : {}),
    });
  }
}

export interface GridOptions {
  /** Images per row (default ⌈√n⌉). */
  columns?: number;
  /** Nearest-neighbour upscale factor (default 1). */
  scale?: number;
  /** Pixels of separator around and between the tiles (default 0). */
  gap?: number;
  /** Gray level of the separator (default 128). */
  gapValue?: number;
}

/**
 * Tiles same-sized images into a grid (row-major), with an optional nearest-neighbour upscale so tiny
 * images (16x16 digits) are visible and optional separator lines.
 */
export function imageGrid(images: readonly PipelineImage[], options: GridOptions = {}): PipelineImage {
  if (images.length === 0) throw new RangeError("imageGrid needs at least one image");
  const { width, height, channels } = images[0];
  for (const img of images) {
    if (img.width !== width || img.height !== height || img.channels !== channels) {
      throw new RangeError("imageGrid needs images of one size and channel count");
    }
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(images.length));
  const scale = options.scale ?? 1;
  if (!Number.isInteger(columns) || columns < 1)
    throw new RangeError(`grid columns must be a positive integer, got ${columns}`);
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`grid scale must be a positive integer, got ${scale}`);
  const gap = options.gap ?? 0;
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`grid gap must be a non-negative integer, got ${gap}`);
  const rows = Math.ceil(images.length / columns);
  const tw = width * scale;
  const th = height * scale;
  const gw = columns * tw + (columns + 1) * gap;
  const gh = rows * th + (rows + 1) * gap;
  const out = new Uint8Array(gw * gh * channels);
  if (gap > 0) out.fill(options.gapValue ?? 128);
  images.forEach((img, k) => {
    const ox = gap + (k % columns) * (tw + gap);
    const oy = gap + Math.floor(k / columns) * (th + gap);
    for (let y = 0; y < height * scale; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < width * scale; x++) {
        const sx = Math.floor(x / scale);
        const src = (sy * width + sx) * channels;
        const dst = ((oy + y) * gw + ox + x) * channels;
        for (let c = 0; c < channels; c++) out[dst + c] = img.data[src + c];
      }
    }
  });
  return new PipelineImage(gw, gh, channels, out);
}
