// Scaled dot-product attention, NUMERICS.md §R3: s_ij = f32(dot(q_i, k_j) · f32(scale)) with the §R2 dot
// product; causal masking gives keys j > i a probability of exactly 0; the softmax of each row follows
// §R4; out_i = Σ_j p_ij·v_j as a §R2 dot product over all j in ascending order (masked keys contribute
// f32(0·v_j), as a −inf mask followed by a matrix product does in torch).
import { Tensor } from "../../tensor/tensor.js";
import type { AttentionOptions, F32 } from "../backend.js";
import { describe, expectF32, expectRank, formatShape } from "./check.js";
import { softmaxRow } from "./softmax.js";

const fround = Math.fround;

/** The float32 scale actually used: f32(1/sqrt(D)) computed in float64 by default, else f32(scale). */
export function attentionScale(headDim: number, scale: number | undefined): number {
  return fround(scale === undefined ? 1 / Math.sqrt(headDim) : scale);
}

export function attention(qIn: F32, kIn: F32, vIn: F32, options: AttentionOptions = {}): F32 {
  const op = "attention";
  const q = expectF32(op, "q", qIn);
  const k = expectF32(op, "k", kIn);
  const v = expectF32(op, "v", vIn);
  expectRank(op, "q", q, 4, "[B, H, Lq, D]");
  expectRank(op, "k", k, 4, "[B, H, Lk, D]");
  expectRank(op, "v", v, 4, "[B, H, Lk, Dv]");
  const [b, h, lq, d] = q.shape;
  const lk = k.shape[2];
  const dv = v.shape[3];
  if (k.shape[0] !== b || k.shape[1] !== h || k.shape[3] !== d) {
    throw new RangeError(
      `${op}: k ${formatShape(k.shape)} does not match q ${formatShape(q.shape)} (need [B, H, Lk, D])`,
    );
  }
  if (v.shape[0] !== b || v.shape[1] !== h || v.shape[2] !== lk) {
    throw new RangeError(
      `${op}: v ${formatShape(v.shape)} does not match k ${formatShape(k.shape)} (need [B, H, Lk, Dv])`,
    );
  }
  if (options.scale !== undefined && (typeof options.scale !== "number" || Number.isNaN(options.scale))) {
    throw new RangeError(`${op}: scale must be a number, got ${describe(options.scale)}`);
  }
  const scale = attentionScale(d, options.scale);
  const causal = options.causal === true;
  const qd = q.data;
  const kd = k.data;
  const vd = v.data;
  const out = new Float32Array(b * h * lq * dv);
  const scores = new Float32Array(lk);
  const probs = new Float32Array(lk);
  const e = new Float64Array(lk);
  const acc = new Float32Array(dv);
  for (let bh = 0; bh < b * h; bh++) {
    const qBase = bh * lq * d;
    const kBase = bh * lk * d;
    const vBase = bh * lk * dv;
    for (let i = 0; i < lq; i++) {
      const qRow = qBase + i * d;
      const visible = causal ? Math.min(i + 1, lk) : lk;
      let j = 0;
      // Two keys per pass only to overlap their independent accumulator chains (each is its own §R2 sum).
      for (; j + 2 <= visible; j += 2) {
        const k0 = kBase + j * d;
        const k1 = k0 + d;
        let dot0 = 0;
        let dot1 = 0;
        for (let t = 0; t < d; t++) {
          const qv = qd[qRow + t];
          dot0 = fround(dot0 + fround(qv * kd[k0 + t]));
          dot1 = fround(dot1 + fround(qv * kd[k1 + t]));
        }
        scores[j] = dot0 * scale;
        scores[j + 1] = dot1 * scale;
      }
      for (; j < visible; j++) {
        const kRow = kBase + j * d;
        let dot = 0;
        for (let t = 0; t < d; t++) dot = fround(dot + fround(qd[qRow + t] * kd[kRow + t]));
        scores[j] = dot * scale;
      }
      probs.fill(0);
      if (visible > 0) softmaxRow(scores, probs, 0, visible, e);
      acc.fill(0);
      for (let j = 0; j < lk; j++) {
        const p = probs[j];
        const vRow = vBase + j * dv;
        for (let t = 0; t < dv; t++) acc[t] += fround(p * vd[vRow + t]);
      }
      out.set(acc, (bh * lq + i) * dv);
    }
  }
  return Tensor.from(out, [b, h, lq, dv]);
}
