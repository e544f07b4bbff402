// Scalar loops of docs/NUMERICS.md rule R2, the bit-level spec the wasm GEMM kernels are tested against.
import type { F32 } from "../../src/engine/backend.js";
import { exp } from "../../src/math/exp.js";
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

/** R4 softmax of one row (f32 max with NaN propagation, f64 exp/sum, one f32 rounding). */
function softmaxRowR4(src: Float32Array, n: number, out: Float32Array, outStart: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    if (Number.isNaN(src[j])) {
      max = src[j];
      break;
    }
    if (src[j] > max) max = src[j];
  }
  const e = new Float64Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    e[j] = exp(src[j] - max);
    sum += e[j];
  }
  for (let j = 0; j < n; j++) out[outStart + j] = e[j] / sum;
}

export function softmaxR4(x: F32): F32 {
  const n = x.shape[x.ndim - 1];
  const out = new Float32Array(x.size);
  for (let s = 0; s < x.size; s += n) softmaxRowR4(x.data.subarray(s, s + n), n, out, s);
  return Tensor.from(out, x.shape);
}

export function attentionR3(q: F32, k: F32, v: F32, scaleOpt: number | undefined, causal: boolean): F32 {
  const [b, h, lq, d] = q.shape;
  const lk = k.shape[2];
  const dv = v.shape[3];
  const scale = f(scaleOpt === undefined ? 1 / Math.sqrt(d) : scaleOpt);
  const out = new Float32Array(b * h * lq * dv);
  for (let bh = 0; bh < b * h; bh++)
    for (let i = 0; i < lq; i++) {
      const visible = causal ? Math.min(i + 1, lk) : lk;
      const s = new Float32Array(visible);
      for (let j = 0; j < visible; j++) {
        let acc = 0;
        for (let t = 0; t < d; t++) acc = f(acc + f(q.data[(bh * lq + i) * d + t] * k.data[(bh * lk + j) * d + t]));
        s[j] = f(acc * scale);
      }
      const p = new Float32Array(lk);
      softmaxRowR4(s, visible, p, 0);
      for (let t = 0; t < dv; t++) {
        let acc = 0;
        for (let j = 0; j < lk; j++) acc = f(acc + f(p[j] * v.data[(bh * lk + j) * dv + t]));
        out[(bh * lq + i) * dv + t] = acc;
      }
    }
  return Tensor.from(out, [b, h, lq, dv]);
}

/** R5 over spans of `count`; affine index of element i in span r: (r % groups)·cpg + floor(i / stride). */
function normR5(
  x: F32,
  count: number,
  groups: number,
  cpg: number,
  stride: number,
  w: F32 | null,
  b: F32 | null,
  eps: number,
): F32 {
  const out = new Float32Array(x.size);
  for (let r = 0; r * count < x.size; r++) {
    const s = r * count;
    let sum = 0;
    for (let i = 0; i < count; i++) sum += x.data[s + i];
    const mean = sum / count;
    let sq = 0;
    for (let i = 0; i < count; i++) sq += (x.data[s + i] - mean) * (x.data[s + i] - mean);
    const rstd = 1 / Math.sqrt(sq / count + eps);
    for (let i = 0; i < count; i++) {
      const a = (r % groups) * cpg + Math.floor(i / stride);
      out[s + i] = (x.data[s + i] - mean) * rstd * (w ? w.data[a] : 1) + (b ? b.data[a] : 0);
    }
  }
  return Tensor.from(out, x.shape);
}

export function groupNormR5(x: F32, groups: number, w: F32 | null, b: F32 | null, eps: number): F32 {
  const c = x.shape[1];
  const spatial = x.size / (x.shape[0] * c);
  return normR5(x, (c / groups) * spatial, groups, c / groups, spatial, w, b, eps);
}

export function layerNormR5(x: F32, w: F32 | null, b: F32 | null, eps: number): F32 {
  const d = x.shape[x.ndim - 1];
  return normR5(x, d, 1, 0, 1, w, b, eps);
}
