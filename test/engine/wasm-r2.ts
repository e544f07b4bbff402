// Scalar loops of docs/NUMERICS.md rule R2, the bit-level spec the wasm GEMM kernels are tested against.
import type { F32 } from "../../src/engine/backend.js";
import { Tensor } from "../../src/tensor/tensor.js";

const f = Math.fround;

/** A small seeded generator (mulberry32) of float32 values in [-1, 1), with exact zeros mixed in. */
export function randomTensor(shape: number[], seed: number): F32 {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    data[i] = u < 0.05 ? 0 : f(next() * 2 - 1);
  }
  return Tensor.from(data, shape);
}

export function conv2dR2(x: F32, w: F32, bias: F32 | null, stride: number, pad: [number, number, number, number]): F32 {
  const [n, cin, h, wd] = x.shape;
  const [cout, , kh, kw] = w.shape;
  const [pt, pb, pl, pr] = pad;
  const ho = Math.floor((h + pt + pb - kh) / stride) + 1;
  const wo = Math.floor((wd + pl + pr - kw) / stride) + 1;
  const out = new Float32Array(n * cout * ho * wo);
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cout; co++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          let acc = 0;
          for (let ci = 0; ci < cin; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * stride - pt + ky;
                const ix = ox * stride - pl + kx;
                const xv = iy >= 0 && iy < h && ix >= 0 && ix < wd ? x.data[((b * cin + ci) * h + iy) * wd + ix] : 0;
                acc = f(acc + f(xv * w.data[((co * cin + ci) * kh + ky) * kw + kx]));
              }
          if (bias) acc = f(acc + bias.data[co]);
          out[((b * cout + co) * ho + oy) * wo + ox] = acc;
        }
  return Tensor.from(out, [n, cout, ho, wo]);
}

export function linearR2(x: F32, w: F32, bias: F32 | null): F32 {
  const [outF, inF] = w.shape;
  const rows = x.size / inF;
  const out = new Float32Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outF; o++) {
      let acc = 0;
      for (let i = 0; i < inF; i++) acc = f(acc + f(x.data[r * inF + i] * w.data[o * inF + i]));
      if (bias) acc = f(acc + bias.data[o]);
      out[r * outF + o] = acc;
    }
  return Tensor.from(out, [...x.shape.slice(0, -1), outF]);
}

export function matmulR2(a: F32, b: F32): F32 {
  const r = a.ndim;
  const m = a.shape[r - 2];
  const k = a.shape[r - 1];
  const n = b.shape[r - 1];
  const batch = a.size / (m * k);
  const out = new Float32Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc = f(acc + f(a.data[(bi * m + i) * k + p] * b.data[(bi * k + p) * n + j]));
        out[(bi * m + i) * n + j] = acc;
      }
  return Tensor.from(out, [...a.shape.slice(0, -1), n]);
}

/** Index of the first differing bit pattern, or -1 (so -0 vs +0 and NaN payloads count as differences). */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}
