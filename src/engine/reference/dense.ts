// linear and matmul, NUMERICS.md §R2: each output is a float32 dot product accumulated from +0 in
// ascending k with a separately rounded product and sum; linear adds its bias last.
import { Tensor } from "../../tensor/tensor.js";
import type { F32, Weight } from "../backend.js";
import { expectF32, expectWeight, formatShape } from "./check.js";

const fround = Math.fround;

export function linear(xIn: F32, weightIn: Weight, biasIn: F32 | null): F32 {
  const op = "linear";
  const x = expectF32(op, "x", xIn);
  const weight = expectWeight(op, "weight", weightIn);
  if (x.shape.length < 1) throw new RangeError(`${op}: x must have at least 1 dimension, got ${formatShape(x.shape)}`);
  if (weight.shape.length !== 2) {
    throw new RangeError(`${op}: weight must be 2-D [out, in], got ${formatShape(weight.shape)}`);
  }
  const [outF, inF] = weight.shape;
  const k = x.shape[x.shape.length - 1];
  if (k !== inF) {
    throw new RangeError(
      `${op}: x ${formatShape(x.shape)} has ${k} features but weight ${formatShape(weight.shape)} expects ${inF}`,
    );
  }
  const bias = biasIn === null || biasIn === undefined ? null : expectF32(op, "bias", biasIn);
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== outF)) {
    throw new RangeError(
      `${op}: bias ${formatShape(bias.shape)} must be [${outF}] for weight ${formatShape(weight.shape)}`,
    );
  }
  const rows = inF === 0 ? x.size : x.size / inF;
  const xd = x.data;
  const wd = weight.data;
  const out = new Float32Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    const xRow = r * inF;
    let o = 0;
    // Four outputs per pass only to overlap their independent accumulator chains; each output's sum is
    // still its own ascending-k sequence of rounded products and additions.
    for (; o + 4 <= outF; o += 4) {
      const w0 = o * inF;
      const w1 = w0 + inF;
      const w2 = w1 + inF;
      const w3 = w2 + inF;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let i = 0; i < inF; i++) {
        const xv = xd[xRow + i];
        a0 = fround(a0 + fround(xv * wd[w0 + i]));
        a1 = fround(a1 + fround(xv * wd[w1 + i]));
        a2 = fround(a2 + fround(xv * wd[w2 + i]));
        a3 = fround(a3 + fround(xv * wd[w3 + i]));
      }
      const y = r * outF + o;
      out[y] = bias === null ? a0 : a0 + bias.data[o];
      out[y + 1] = bias === null ? a1 : a1 + bias.data[o + 1];
      out[y + 2] = bias === null ? a2 : a2 + bias.data[o + 2];
      out[y + 3] = bias === null ? a3 : a3 + bias.data[o + 3];
    }
    for (; o < outF; o++) {
      const wRow = o * inF;
      let acc = 0;
      for (let i = 0; i < inF; i++) acc = fround(acc + fround(xd[xRow + i] * wd[wRow + i]));
      out[r * outF + o] = bias === null ? acc : acc + bias.data[o];
    }
  }
  return Tensor.from(out, [...x.shape.slice(0, -1), outF]);
}

export function matmul(aIn: F32, bIn: F32): F32 {
  const op = "matmul";
  const a = expectF32(op, "a", aIn);
  const b = expectF32(op, "b", bIn);
  const nd = a.shape.length;
  const batchMismatch = b.shape.length !== nd || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i]);
  if (nd < 2 || batchMismatch || a.shape[nd - 1] !== b.shape[nd - 2]) {
    throw new RangeError(
      `${op}: cannot multiply a ${formatShape(a.shape)} by b ${formatShape(b.shape)}; expected [...batch, M, K] × [...batch, K, N] with equal batch dimensions`,
    );
  }
  const m = a.shape[nd - 2];
  const k = a.shape[nd - 1];
  const n = b.shape[nd - 1];
  const batch = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const ad = a.data;
  const bd = b.data;
  const out = new Float32Array(batch * m * n);
  // acc holds one output row; the k loop is outside the j loop, so each output still sums in ascending k.
  const acc = new Float32Array(n);
  for (let p = 0; p < batch; p++) {
    const aBase = p * m * k;
    const bBase = p * k * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let kk = 0; kk < k; kk++) {
        const av = ad[aBase + i * k + kk];
        const bRow = bBase + kk * n;
        for (let j = 0; j < n; j++) acc[j] += fround(av * bd[bRow + j]);
      }
      out.set(acc, (p * m + i) * n);
    }
  }
  return Tensor.from(out, [...a.shape.slice(0, -2), m, n]);
}
