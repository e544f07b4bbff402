// groupNorm and layerNorm, NUMERICS.md §R5: statistics in float64 over the normalised elements in memory
// order (two passes: mean, then the biased variance), rstd = 1/sqrt(var + eps), and one float32 rounding
// of ((x − mean)·rstd)·w + b per element.
import { Tensor } from "../../tensor/tensor.js";
import type { F32 } from "../backend.js";
import { expectF32, expectFiniteNumber, expectPositiveInt, formatShape } from "./check.js";

/** Normalises data[start, start + count) in place into out, with per-element affine index (i / stride) % period. */
function normalizeSpan(
  x: Float32Array,
  out: Float32Array,
  start: number,
  count: number,
  eps: number,
  weight: Float32Array | null,
  bias: Float32Array | null,
  affineStart: number,
  affineStride: number,
): void {
  const end = start + count;
  let sum = 0;
  for (let i = start; i < end; i++) sum += x[i];
  const mean = sum / count;
  let sq = 0;
  for (let i = start; i < end; i++) {
    const d = x[i] - mean;
    sq += d * d;
  }
  const rstd = 1 / Math.sqrt(sq / count + eps);
  // The affine parameter index advances by one every affineStride elements.
  let a = affineStart;
  let run = 0;
  for (let i = start; i < end; i++) {
    const w = weight === null ? 1 : weight[a];
    const b = bias === null ? 0 : bias[a];
    out[i] = (x[i] - mean) * rstd * w + b;
    if (++run === affineStride) {
      run = 0;
      a++;
    }
  }
}

function expectAffine(op: string, name: string, t: F32 | null | undefined, size: number, x: F32): Float32Array | null {
  if (t === null || t === undefined) return null;
  const p = expectF32(op, name, t);
  if (p.shape.length !== 1 || p.shape[0] !== size) {
    throw new RangeError(`${op}: ${name} ${formatShape(p.shape)} must be [${size}] for x ${formatShape(x.shape)}`);
  }
  return p.data;
}

export function groupNorm(xIn: F32, numGroups: number, weightIn: F32 | null, biasIn: F32 | null, eps: number): F32 {
  const op = "groupNorm";
  const x = expectF32(op, "x", xIn);
  if (x.shape.length < 2) throw new RangeError(`${op}: x must be [N, C, ...], got ${formatShape(x.shape)}`);
  const groups = expectPositiveInt(op, "numGroups", numGroups);
  const [n, c] = x.shape;
  if (c % groups !== 0) {
    throw new RangeError(`${op}: ${c} channels of x ${formatShape(x.shape)} do not divide into ${groups} groups`);
  }
  expectFiniteNumber(op, "eps", eps);
  const weight = expectAffine(op, "weight", weightIn, c, x);
  const bias = expectAffine(op, "bias", biasIn, c, x);
  const spatial = x.shape.slice(2).reduce((p, d) => p * d, 1);
  const perGroup = (c / groups) * spatial;
  const out = new Float32Array(x.size);
  if (perGroup === 0) return Tensor.from(out, x.shape);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const start = (b * groups + g) * perGroup;
      normalizeSpan(x.data, out, start, perGroup, eps, weight, bias, (g * c) / groups, spatial);
    }
  }
  return Tensor.from(out, x.shape);
}

export function layerNorm(xIn: F32, weightIn: F32 | null, biasIn: F32 | null, eps: number): F32 {
  const op = "layerNorm";
  const x = expectF32(op, "x", xIn);
  if (x.shape.length < 1) throw new RangeError(`${op}: x must have at least 1 dimension, got ${formatShape(x.shape)}`);
  expectFiniteNumber(op, "eps", eps);
  const d = x.shape[x.shape.length - 1];
  const weight = expectAffine(op, "weight", weightIn, d, x);
  const bias = expectAffine(op, "bias", biasIn, d, x);
  const out = new Float32Array(x.size);
  if (d === 0) return Tensor.from(out, x.shape);
  const rows = x.size / d;
  for (let r = 0; r < rows; r++) normalizeSpan(x.data, out, r * d, d, eps, weight, bias, 0, 1);
  return Tensor.from(out, x.shape);
}
