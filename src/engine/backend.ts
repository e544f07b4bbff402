import type { Tensor } from "../tensor/tensor.js";
import type { BackendTraits } from "./determinism.js";

export type F32 = Tensor<"float32">;

/**
 * A weight operand of conv2d/linear: float32, or float16/bfloat16 kept as stored to halve the memory of
 * big checkpoints. Half weights are widened exactly (docs/NUMERICS.md R11), so the result is the same as
 * with the widened float32 tensor.
 */
export type Weight = Tensor<"float32" | "float16" | "bfloat16">;

export interface Conv2dOptions {
  /** Stride in both spatial dimensions (default 1). */
  stride?: number;
  /**
   * Zero padding: one number for all four sides, or `[top, bottom, left, right]` for the asymmetric
   * padding Diffusers' Downsample2D uses (`F.pad(x, (0, 1, 0, 1))` then a padding-0 conv).
   */
  padding?: number | readonly [number, number, number, number];
}

export interface AttentionOptions {
  /** Multiplier applied to q·k (default 1/sqrt(headDim)). */
  scale?: number;
  /** Causal mask: query i attends to keys 0..i only (CLIP's text encoder). */
  causal?: boolean;
}

export interface TimestepEmbeddingOptions {
  flipSinToCos: boolean;
  downscaleFreqShift: number;
  scale?: number;
  maxPeriod?: number;
}

/**
 * The op set every backend implements. All float tensors are float32, contiguous, row-major.
 * The exact arithmetic of each op (summation order, accumulation precision, rounding points) is fixed
 * in docs/NUMERICS.md; the reference backend is its executable form and every other backend must
 * produce the same bits for every input and thread count.
 */
export interface Backend {
  readonly name: string;
  /** What the backend promises about determinism; absent flags mean "follows docs/NUMERICS.md exactly". */
  readonly traits?: BackendTraits;

  /** x [N, Cin, H, W], weight [Cout, Cin, kh, kw] (groups = 1), bias [Cout] → [N, Cout, Ho, Wo]. */
  conv2d(x: F32, weight: Weight, bias: F32 | null, options?: Conv2dOptions): F32;
  /** x [..., in] · weightᵀ (torch layout weight [out, in]) + bias [out] → [..., out]. */
  linear(x: F32, weight: Weight, bias: F32 | null): F32;
  /** a [...batch, M, K] × b [...batch, K, N] → [...batch, M, N]; batch dims must be equal (no broadcasting). */
  matmul(a: F32, b: F32): F32;

  /** x [N, C, ...spatial]; statistics per (n, group); affine per channel. */
  groupNorm(x: F32, numGroups: number, weight: F32 | null, bias: F32 | null, eps: number): F32;
  /** Normalises over the last dimension. */
  layerNorm(x: F32, weight: F32 | null, bias: F32 | null, eps: number): F32;
  /** Softmax over the last dimension. */
  softmax(x: F32): F32;
  /** Scaled dot-product attention: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] → [B, H, Lq, Dv]. */
  attention(q: F32, k: F32, v: F32, options?: AttentionOptions): F32;

  silu(x: F32): F32;
  /** Exact (erf) GELU. */
  gelu(x: F32): F32;
  /** tanh-approximated GELU (`approximate="tanh"`). */
  geluTanh(x: F32): F32;
  /** x * sigmoid(1.702 x), CLIP's activation. */
  quickGelu(x: F32): F32;
  /** x [..., 2d] → first half * gelu(second half), Diffusers' GEGLU after its projection. */
  geglu(x: F32): F32;

  /** Elementwise with NumPy broadcasting. */
  add(a: F32, b: F32): F32;
  sub(a: F32, b: F32): F32;
  mul(a: F32, b: F32): F32;
  div(a: F32, b: F32): F32;
  /** x * scale + offset, each rounded to float32 separately (x * scale first). */
  affine(x: F32, scale: number, offset: number): F32;

  /** Concatenates along `axis` (Diffusers concatenates skip connections on channels, axis 1). */
  concat(tensors: readonly F32[], axis: number): F32;
  /** General axis permutation (e.g. [B, L, H, D] → [B, H, L, D]). */
  permute(x: F32, dims: readonly number[]): F32;
  /** `length` entries of `axis` starting at `start` (torch.narrow / chunk). */
  narrow(x: F32, axis: number, start: number, length: number): F32;
  /** Nearest-neighbour 2x upsampling of [N, C, H, W]. */
  upsampleNearest2x(x: F32): F32;
  /** 2x2 average pooling, stride 2, of [N, C, H, W]. */
  avgPool2x2(x: F32): F32;
  /** Sinusoidal timestep embedding (Diffusers' get_timestep_embedding) → [N, dim]. */
  timestepEmbedding(timesteps: Float32Array, dim: number, options: TimestepEmbeddingOptions): F32;
}
