// conv2d, NUMERICS.md §R2: one float32 accumulator per output starting at +0, terms f32(x·w) added in
// ascending k = (ci, ky, kx); padded taps are real +0 inputs (their term is f32(0·w), which is ±0, or
// NaN for a non-finite weight); the bias is added last.
import { Tensor } from "../../tensor/tensor.js";
import type { Conv2dOptions, F32, Weight } from "../backend.js";
import { describe, expectF32, expectPositiveInt, expectRank, expectWeight, formatShape } from "./check.js";

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

/** Input value at column ix of a row, or the +0 of zero padding outside the input. */
function tap(xd: Float32Array, xRow: number, rowInside: boolean, ix: number, w: number): number {
  return rowInside && ix >= 0 && ix < w ? xd[xRow + ix] : 0;
}

export function conv2d(xIn: F32, weightIn: Weight, biasIn: F32 | null, options: Conv2dOptions = {}): F32 {
  const op = "conv2d";
  const x = expectF32(op, "x", xIn);
  const weight = expectWeight(op, "weight", weightIn);
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
  // Four neighbouring outputs (ox .. ox+3 of one row) are computed together only so that their four
  // independent accumulator chains overlap; each accumulator still receives its own terms in ascending
  // k = (ci, ky, kx). Blocks whose taps all fall inside the input skip the bounds checks.
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cout; co++) {
      const bv = bias === null ? 0 : bias.data[co];
      for (let oy = 0; oy < ho; oy++) {
        const o = ((b * cout + co) * ho + oy) * wo;
        for (let ox = 0; ox < wo; ox += 4) {
          const count = Math.min(4, wo - ox);
          const ix0 = ox * stride - padLeft; // input column of tap kx = 0 for output ox
          const colsInside = count === 4 && ix0 >= 0 && ix0 + 3 * stride + kw - 1 < w;
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          for (let ci = 0; ci < cin; ci++) {
            const xPlane = (b * cin + ci) * h * w;
            const wPlane = (co * cin + ci) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * stride - padTop + ky;
              const rowInside = iy >= 0 && iy < h;
              const xRow = xPlane + iy * w;
              for (let kx = 0; kx < kw; kx++) {
                const wv = wd[wPlane + ky * kw + kx];
                let x0: number;
                let x1: number;
                let x2: number;
                let x3: number;
                if (rowInside && colsInside) {
                  const p = xRow + ix0 + kx;
                  x0 = xd[p];
                  x1 = xd[p + stride];
                  x2 = xd[p + 2 * stride];
                  x3 = xd[p + 3 * stride];
                } else {
                  // Padded taps (and the unused lanes of a short block) read a real +0 input.
                  const ix = ix0 + kx;
                  x0 = tap(xd, xRow, rowInside, ix, w);
                  x1 = count > 1 ? tap(xd, xRow, rowInside, ix + stride, w) : 0;
                  x2 = count > 2 ? tap(xd, xRow, rowInside, ix + 2 * stride, w) : 0;
                  x3 = count > 3 ? tap(xd, xRow, rowInside, ix + 3 * stride, w) : 0;
                }
                a0 = fround(a0 + fround(x0 * wv));
                a1 = fround(a1 + fround(x1 * wv));
                a2 = fround(a2 + fround(x2 * wv));
                a3 = fround(a3 + fround(x3 * wv));
              }
            }
          }
          out[o + ox] = bias === null ? a0 : a0 + bv;
          if (count > 1) out[o + ox + 1] = bias === null ? a1 : a1 + bv;
          if (count > 2) out[o + ox + 2] = bias === null ? a2 : a2 + bv;
          if (count > 3) out[o + ox + 3] = bias === null ? a3 : a3 + bv;
        }
      }
    }
  }
  return Tensor.from(out, [n, cout, ho, wo]);
}
