// conv2d, NUMERICS.md §R2: one float32 accumulator per output starting at +0, terms f32(x·w) added in
// ascending k = (ci, ky, kx); padded taps are real +0 inputs (their term is f32(0·w), which is ±0, or
// NaN for a non-finite weight); the bias is added last.
import { Tensor } from "../../tensor/tensor.js";
import type { Conv2dOptions, F32 } from "../backend.js";
import { describe, expectF32, expectPositiveInt, expectRank, formatShape } from "./check.js";

const fround = Math.fround;

export function resolvePadding(op: string, padding: Conv2dOptions["padding"]): [number, number, number, number] {
  const p = padding ?? 0;
  const sides = typeof p === "number" ? [p, p, p, p] : Array.isArray(p) && p.length === 4 ? [...p] : null;
  if (sides === null || !sides.every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw new RangeError(
      `${op}: padding must be a non-negative integer or [top, bottom, left, right], got ${describe(padding)}`,
    );
  }
  return sides as [number, number, number, number];
}

export function conv2d(xIn: F32, weightIn: F32, biasIn: F32 | null, options: Conv2dOptions = {}): F32 {
  const op = "conv2d";
  const x = expectF32(op, "x", xIn);
  const weight = expectF32(op, "weight", weightIn);
  expectRank(op, "x", x, 4, "[N, Cin, H, W]");
  expectRank(op, "weight", weight, 4, "[Cout, Cin, kh, kw]");
  const [n, cin, h, w] = x.shape;
  const [cout, wcin, kh, kw] = weight.shape;
  if (wcin !== cin) {
    throw new RangeError(
      `${op}: weight ${formatShape(weight.shape)} expects ${wcin} input channels but x ${formatShape(x.shape)} has ${cin}`,
    );
  }
  const bias = biasIn === null || biasIn === undefined ? null : expectF32(op, "bias", biasIn);
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== cout)) {
    throw new RangeError(
      `${op}: bias ${formatShape(bias.shape)} must be [${cout}] for weight ${formatShape(weight.shape)}`,
    );
  }
  const stride = expectPositiveInt(op, "stride", options.stride ?? 1);
  const [padTop, padBottom, padLeft, padRight] = resolvePadding(op, options.padding);
  const hp = h + padTop + padBottom;
  const wp = w + padLeft + padRight;
  if (hp < kh || wp < kw) {
    throw new RangeError(
      `${op}: kernel ${kh}x${kw} is larger than the padded input ${hp}x${wp} (x ${formatShape(x.shape)})`,
    );
  }
  const ho = Math.floor((hp - kh) / stride) + 1;
  const wo = Math.floor((wp - kw) / stride) + 1;

  const xd = x.data;
  const wd = weight.data;
  const out = new Float32Array(n * cout * ho * wo);
  // One output row at a time: acc[ox] is the float32 accumulator of output (n, co, oy, ox). The loops
  // over (ci, ky, kx) are outside the loop over ox, so every accumulator still receives its terms in
  // ascending k; storing into a Float32Array is the rounding f32(acc + term).
  const acc = new Float32Array(wo);
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cout; co++) {
      for (let oy = 0; oy < ho; oy++) {
        acc.fill(0);
        for (let ci = 0; ci < cin; ci++) {
          const xPlane = (b * cin + ci) * h * w;
          const wPlane = (co * cin + ci) * kh * kw;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride - padTop + ky;
            const rowInside = iy >= 0 && iy < h;
            const xRow = xPlane + iy * w;
            for (let kx = 0; kx < kw; kx++) {
              const wv = wd[wPlane + ky * kw + kx];
              const padTerm = fround(0 * wv);
              // Outputs whose tap column ix = ox·stride − padLeft + kx lies inside the row: [first, end).
              const first = rowInside ? Math.min(wo, Math.max(0, Math.ceil((padLeft - kx) / stride))) : wo;
              const end = rowInside
                ? Math.max(first, Math.min(wo, Math.floor((w - 1 + padLeft - kx) / stride) + 1))
                : wo;
              for (let ox = 0; ox < first; ox++) acc[ox] += padTerm;
              for (let ox = first, ix = first * stride - padLeft + kx; ox < end; ox++, ix += stride) {
                acc[ox] += fround(xd[xRow + ix] * wv);
              }
              for (let ox = end; ox < wo; ox++) acc[ox] += padTerm;
            }
          }
        }
        const o = ((b * cout + co) * ho + oy) * wo;
        if (bias === null) {
          out.set(acc, o);
        } else {
          const bv = bias.data[co];
          for (let ox = 0; ox < wo; ox++) out[o + ox] = acc[ox] + bv;
        }
      }
    }
  }
  return Tensor.from(out, [n, cout, ho, wo]);
}
