// Sinusoidal timestep embedding, NUMERICS.md §R10. Diffusers' get_timestep_embedding evaluates in float32:
//   exponent_i = f32(f32(−log(maxPeriod)) · i) / f32(halfDim − downscaleFreqShift)   (each rounded to f32)
//   freq_i     = torch's float32 exp(exponent_i) (SLEEF expf_u10 with FMA, emulated exactly: math/compat/sleef-f32.ts)
//   arg        = f32(f32(t · freq_i) · f32(scale))
// We reproduce those rounding points, then take sin/cos of the float32 argument in float64 (src/math)
// and round once. Output rows are [sin | cos] ([cos | sin] when flipSinToCos), zero-padded when dim is odd.

import { sleefExpf } from "../../math/compat/sleef-f32.js";
import { log } from "../../math/log.js";
import { cos, sin } from "../../math/trig.js";
import { Tensor } from "../../tensor/tensor.js";
import type { F32, TimestepEmbeddingOptions } from "../backend.js";
import { describe, expectFiniteNumber, expectPositiveInt } from "./check.js";

const fround = Math.fround;

/** The float32 frequencies freq_i of the embedding (exposed for tests and other backends). */
export function timestepFrequencies(halfDim: number, downscaleFreqShift: number, maxPeriod: number): Float32Array {
  const freqs = new Float32Array(halfDim);
  const logPeriod = fround(-log(maxPeriod));
  const denominator = fround(halfDim - downscaleFreqShift);
  for (let i = 0; i < halfDim; i++) freqs[i] = sleefExpf(fround(fround(logPeriod * i) / denominator));
  return freqs;
}

export function timestepEmbedding(timesteps: Float32Array, dim: number, options: TimestepEmbeddingOptions): F32 {
  const op = "timestepEmbedding";
  if (!(timesteps instanceof Float32Array)) {
    throw new TypeError(`${op}: timesteps must be a Float32Array, got ${describe(timesteps)}`);
  }
  expectPositiveInt(op, "dim", dim);
  if (options === null || typeof options !== "object" || typeof options.flipSinToCos !== "boolean") {
    throw new TypeError(`${op}: options.flipSinToCos must be a boolean`);
  }
  const shift = expectFiniteNumber(op, "downscaleFreqShift", options.downscaleFreqShift);
  const scale = fround(expectFiniteNumber(op, "scale", options.scale ?? 1));
  const maxPeriod = expectFiniteNumber(op, "maxPeriod", options.maxPeriod ?? 10000);
  if (maxPeriod <= 0) throw new RangeError(`${op}: maxPeriod must be positive, got ${maxPeriod}`);
  const half = Math.floor(dim / 2);
  if (half > 0 && half === shift) {
    throw new RangeError(`${op}: dim ${dim} with downscaleFreqShift ${shift} divides by zero (half dim = shift)`);
  }
  const freqs = timestepFrequencies(half, shift, maxPeriod);
  const n = timesteps.length;
  const out = new Float32Array(n * dim);
  const sinAt = options.flipSinToCos ? half : 0;
  const cosAt = options.flipSinToCos ? 0 : half;
  for (let r = 0; r < n; r++) {
    const t = timesteps[r];
    const row = r * dim;
    for (let i = 0; i < half; i++) {
      const arg = fround(fround(t * freqs[i]) * scale);
      out[row + sinAt + i] = sin(arg);
      out[row + cosAt + i] = cos(arg);
    }
  }
  return Tensor.from(out, [n, dim]);
}
