// Fused scaled dot-product attention without a mask (docs/NUMERICS.md R3): a thread takes a block of
// query rows of one head and computes its scores q·kᵀ, their softmax and p·v while the block's score rows
// are still in its cache, instead of three passes over a [Lq, Lk] matrix in memory.
//
// The arithmetic is exactly R3's: every score is one R2 accumulator over d (an f32x4 lane of a 4x8 tile,
// f32(a·b) then f32(acc + term), ascending k from +0), scaled as f32(s·scale), softmaxed per row by
// softmax4 (R4), and every output is one R2 accumulator over all Lk keys in ascending order. The operands
// are packed here in the 4x8 panel layout and multiplied by the general GEMM's micro-kernel.

import { kernel } from "./microkernel";
import { softmax4 } from "./softmax";

function word(d: usize, i: i32): i32 {
  return load<i32>(d + ((<usize>i) << 2));
}

/** B panels [ceil(n/8)][kc][8] with B[k][c] = src[c·ld + k] (keys: c a key, k a feature); zeros past n. */
function packCols(src: usize, n: i32, kc: i32, ld: i32, dst: usize): void {
  for (let c0 = 0; c0 < n; c0 += 8) {
    for (let k = 0; k < kc; k++) {
      for (let c = 0; c < 8; c++) {
        const col = c0 + c;
        store<f32>(dst, col < n ? load<f32>(src + ((<usize>col * <usize>ld + <usize>k) << 2)) : <f32>0);
        dst += 4;
      }
    }
  }
}

/** B panels [ceil(n/8)][kc][8] with B[k][c] = src[k·n + c] (values: k a key, c a feature); zeros past n. */
function packRows(src: usize, n: i32, kc: i32, dst: usize): void {
  const rowBytes = (<usize>n) << 2;
  for (let c0 = 0; c0 < n; c0 += 8) {
    let s = src + ((<usize>c0) << 2);
    if (c0 + 8 <= n) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        s += rowBytes;
        dst += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < 8; c++) store<f32>(dst + ((<usize>c) << 2), c0 + c < n ? load<f32>(s + ((<usize>c) << 2)) : <f32>0);
        s += rowBytes;
        dst += 32;
      }
    }
  }
}

/**
 * Packing job of the fused attention: per head, keys [lk][d] as B panels of kᵀ ([ceil(lk/8)][d][8]) and
 * values [lk][dv] as B panels ([ceil(dv/8)][lk][8]); one chunk is one operand of one head.
 * Fields: 1 counter, 2 heads, 3 lk, 4 d, 5 dv, 6 k, 7 v, 8 packed k, 9 packed v.
 */
export function attentionPackJob(desc: usize): void {
  const counter = <usize>word(desc, 1);
  const heads = word(desc, 2);
  const lk = word(desc, 3);
  const d = word(desc, 4);
  const dv = word(desc, 5);
  const k = <usize>word(desc, 6);
  const v = <usize>word(desc, 7);
  const kp = <usize>word(desc, 8);
  const vp = <usize>word(desc, 9);
  const kPanels = <usize>((lk + 7) >> 3);
  const vPanels = <usize>((dv + 7) >> 3);
  while (true) {
    const idx = atomic.add<i32>(counter, 1);
    if (idx >= 2 * heads) break;
    const h = <usize>(idx >> 1);
    if ((idx & 1) == 0) packCols(k + ((h * <usize>lk * <usize>d) << 2), lk, d, d, kp + ((h * kPanels * <usize>d) << 5));
    else packRows(v + ((h * <usize>lk * <usize>dv) << 2), dv, lk, vp + ((h * vPanels * <usize>lk) << 5));
  }
}

/**
 * Fused attention job over blocks of `block` query rows (a multiple of 4) of every head. Per thread the
 * workspace holds the block's packed queries (block·d floats), its scores and then, in place, its
 * probabilities as A panels (block·lkp floats, lkp = lk rounded up to 8), softmax4's scratch (lkp·32
 * bytes) and an edge tile (128 bytes).
 * Fields: 1 counter, 2 heads, 3 lq, 4 lk, 5 d, 6 dv, 7 q, 8 packed k, 9 packed v, 10 out,
 * 11 scale (f32 bits), 12 block, 13 workspace, 14 stride.
 */
export function attentionJob(desc: usize, tid: i32): void {
  const counter = <usize>word(desc, 1);
  const heads = word(desc, 2);
  const lq = word(desc, 3);
  const lk = word(desc, 4);
  const d = word(desc, 5);
  const dv = word(desc, 6);
  const q = <usize>word(desc, 7);
  const kp = <usize>word(desc, 8);
  const vp = <usize>word(desc, 9);
  const out = <usize>word(desc, 10);
  const scale = reinterpret<f32>(word(desc, 11));
  const block = word(desc, 12);
  const ws = <usize>word(desc, 13) + <usize>tid * <usize>word(desc, 14);
  const kPanels = (lk + 7) >> 3;
  const vPanels = (dv + 7) >> 3;
  const lkp = kPanels << 3;
  const rowBytes = (<usize>lkp) << 2;
  const qBuf = ws;
  const sBuf = qBuf + ((((<usize>block * <usize>d) << 2) + 15) & ~(<usize>15));
  const eBuf = sBuf + <usize>block * rowBytes;
  const edge = eBuf + ((<usize>lkp) << 5);
  const blocks = (lq + block - 1) / block;
  while (true) {
    const idx = atomic.add<i32>(counter, 1);
    if (idx >= heads * blocks) break;
    const h = idx / blocks;
    const i0 = (idx - h * blocks) * block;
    const rows = min(block, lq - i0);
    const panels = (rows + 3) >> 2;
    // Query panels [panels][d][4], zero rows past lq.
    const qh = q + ((<usize>h * <usize>lq * <usize>d) << 2);
    let dp = qBuf;
    for (let p = 0; p < panels; p++) {
      for (let t = 0; t < d; t++) {
        for (let r = 0; r < 4; r++) {
          const i = i0 + p * 4 + r;
          store<f32>(dp, i < lq ? load<f32>(qh + ((<usize>i * <usize>d + <usize>t) << 2)) : <f32>0);
          dp += 4;
        }
      }
    }
    // Scores: each key panel (d x 8, in L1) against every query panel.
    const kh = kp + ((<usize>h * <usize>kPanels * <usize>d) << 5);
    for (let jp = 0; jp < kPanels; jp++) {
      const bp = kh + ((<usize>jp * <usize>d) << 5);
      const cp = sBuf + ((<usize>jp) << 5);
      for (let p = 0; p < panels; p++) {
        kernel(qBuf + ((<usize>p * <usize>d) << 4), 0, bp, 0, d, cp + <usize>(p * 4) * rowBytes, rowBytes, false, 0, 0);
      }
    }
    // Probabilities, each group of four rows in place as one A panel [lk][4].
    for (let p = 0; p < panels; p++) {
      const sp = sBuf + <usize>(p * 4) * rowBytes;
      softmax4(sp, rowBytes, lk, true, scale, eBuf, sp, 0, true);
    }
    // Outputs: each value panel (lk x 8) against every probability panel.
    const vh = vp + ((<usize>h * <usize>vPanels * <usize>lk) << 5);
    const outBytes = (<usize>dv) << 2;
    for (let jp = 0; jp < vPanels; jp++) {
      const bp = vh + ((<usize>jp * <usize>lk) << 5);
      const cols = min(8, dv - jp * 8);
      for (let p = 0; p < panels; p++) {
        const i = i0 + p * 4;
        const cp = out + ((((<usize>h * <usize>lq + <usize>i) * <usize>dv) + <usize>(jp * 8)) << 2);
        const ap = sBuf + <usize>(p * 4) * rowBytes;
        const n = min(4, lq - i);
        if (n == 4 && cols == 8) {
          kernel(ap, 0, bp, 0, lk, cp, outBytes, false, 0, 0);
          continue;
        }
        kernel(ap, 0, bp, 0, lk, edge, 32, false, 0, 0);
        for (let r = 0; r < n; r++) {
          for (let c = 0; c < cols; c++) {
            store<f32>(cp + <usize>r * outBytes + ((<usize>c) << 2), load<f32>(edge + ((<usize>(r * 8 + c)) << 2)));
          }
        }
      }
    }
  }
}
