// Softmax (docs/NUMERICS.md R4) of float32 rows, optionally of attention scores f32(s·scale) (R3).
//
// Per row: m = the f32 max (NaN if any entry is NaN), e_j = exp(x_j − m) in f64, s = Σ e_j in f64 in
// ascending j, y_j = f32(e_j / s). The sum is one dependent chain per row, so rows are processed four at
// a time with the rows in the SIMD lanes: each lane still adds its own row's terms one by one in
// ascending j, but four chains advance together, and the exps of four rows share the vectors.

import { exp64, exp64x2, expSoftmax2, expSoftmaxPair, expSoftmaxQuad } from "./exp";

function word(d: usize, i: i32): i32 {
  return load<i32>(d + ((<usize>i) << 2));
}

/** Whether the row seen by the last rowMax keeps every x_j − max inside expSoftmax2's unchecked domain. */
let gRowSafe = false;

/**
 * Max of a row of f32(x·scale) (or of x), NaN if any entry is NaN; the order of a max does not matter.
 * Sets gRowSafe: no NaN, a finite max, and min − max >= −708.
 */
function rowMax(s: usize, n: i32, scaled: bool, scale: f32): f64 {
  const sv = f32x4.splat(scale);
  let mv = f32x4.splat(-Infinity);
  let lv = f32x4.splat(Infinity);
  let nan = i32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let v = v128.load(s + (<usize>j << 2));
    if (scaled) v = f32x4.mul(v, sv);
    // pmax/pmin skip NaN lanes (a < NaN is false); NaNs are tracked on the side.
    mv = f32x4.pmax(mv, v);
    lv = f32x4.pmin(lv, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  let m: f32 = -Infinity;
  let lo: f32 = Infinity;
  for (let l = 0; l < 4; l++) {
    const x = f32x4.extract_lane(mv, 0);
    if (x > m) m = x;
    const y = f32x4.extract_lane(lv, 0);
    if (y < lo) lo = y;
    mv = v128.shuffle<f32>(mv, mv, 1, 2, 3, 0);
    lv = v128.shuffle<f32>(lv, lv, 1, 2, 3, 0);
  }
  let isNan = v128.any_true(nan);
  for (; j < n; j++) {
    let v = load<f32>(s + (<usize>j << 2));
    if (scaled) v = v * scale;
    if (v != v) isNan = true;
    if (v > m) m = v;
    if (v < lo) lo = v;
  }
  gRowSafe = !isNan && m < Infinity && m > -Infinity && <f64>lo - <f64>m >= -708;
  // ±0 maxima need no care: exp(x − (+0)) and exp(x − (−0)) are equal for every x.
  return isNan ? NaN : <f64>m;
}

/** Two f32 values widened to one f64x2 (a in lane 0). */
function pair(a: f32, b: f32): v128 {
  return f64x2.replace_lane(f64x2.splat(<f64>a), 1, <f64>b);
}

/**
 * Softmax of the four rows at src, src + ld, src + 2·ld, src + 3·ld (byte stride ld) of n values each.
 * e is scratch of n·32 bytes. Output: with `packed`, the probabilities as [n][4] (row in the lane, the
 * A-panel layout of the GEMM kernels) at dst; else four rows at dst with byte stride dstLd. The output may
 * overlap the input: it is written only after every input value was read.
 */
export function softmax4(
  src: usize,
  ld: usize,
  n: i32,
  scaled: bool,
  scale: f32,
  e: usize,
  dst: usize,
  dstLd: usize,
  packed: bool,
): void {
  const s0 = src;
  const s1 = s0 + ld;
  const s2 = s1 + ld;
  const s3 = s2 + ld;
  let m0 = rowMax(s0, n, scaled, scale);
  let safe = gRowSafe;
  const m01 = f64x2.replace_lane(f64x2.splat(m0), 1, rowMax(s1, n, scaled, scale));
  const check01 = !(safe && gRowSafe);
  m0 = rowMax(s2, n, scaled, scale);
  safe = gRowSafe;
  const m23 = f64x2.replace_lane(f64x2.splat(m0), 1, rowMax(s3, n, scaled, scale));
  const check23 = !(safe && gRowSafe);
  const sv = f32x4.splat(scale);
  let sum01 = f64x2.splat(0);
  let sum23 = f64x2.splat(0);
  // First the arguments x_j − m of the four rows as (row0, row1), (row2, row3) per j into e, then their
  // exps in place with the two sums.
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    let a0 = v128.load(s0 + o);
    let a1 = v128.load(s1 + o);
    let a2 = v128.load(s2 + o);
    let a3 = v128.load(s3 + o);
    if (scaled) {
      a0 = f32x4.mul(a0, sv);
      a1 = f32x4.mul(a1, sv);
      a2 = f32x4.mul(a2, sv);
      a3 = f32x4.mul(a3, sv);
    }
    const t01a = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
    const t23a = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
    const t01b = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
    const t23b = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
    const p = e + (<usize>j << 5);
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(t01a), m01));
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(t23a), m23), 16);
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(t01a, t01a, 2, 3, 2, 3)), m01), 32);
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(t23a, t23a, 2, 3, 2, 3)), m23), 48);
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(t01b), m01), 64);
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(t23b), m23), 80);
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(t01b, t01b, 2, 3, 2, 3)), m01), 96);
    v128.store(p, f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(t23b, t23b, 2, 3, 2, 3)), m23), 112);
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let v0 = load<f32>(s0 + o);
    let v1 = load<f32>(s1 + o);
    let v2 = load<f32>(s2 + o);
    let v3 = load<f32>(s3 + o);
    if (scaled) {
      v0 = v0 * scale;
      v1 = v1 * scale;
      v2 = v2 * scale;
      v3 = v3 * scale;
    }
    const p = e + (<usize>j << 5);
    v128.store(p, f64x2.sub(pair(v0, v1), m01));
    v128.store(p, f64x2.sub(pair(v2, v3), m23), 16);
  }
  const end = e + (<usize>n << 5);
  if (check01 || check23) {
    for (let p = e; p < end; p += 32) {
      const x01 = expSoftmax2(v128.load(p), check01);
      const x23 = expSoftmax2(v128.load(p, 16), check23);
      sum01 = f64x2.add(sum01, x01);
      sum23 = f64x2.add(sum23, x23);
      v128.store(p, x01);
      v128.store(p, x23, 16);
    }
  } else {
    let p = e;
    for (; p + 64 <= end; p += 64) {
      expSoftmaxQuad(p);
      sum01 = f64x2.add(sum01, v128.load(p));
      sum23 = f64x2.add(sum23, v128.load(p, 16));
      sum01 = f64x2.add(sum01, v128.load(p, 32));
      sum23 = f64x2.add(sum23, v128.load(p, 48));
    }
    if (p < end) {
      expSoftmaxPair(p);
      sum01 = f64x2.add(sum01, v128.load(p));
      sum23 = f64x2.add(sum23, v128.load(p, 16));
    }
  }
  j = 0;
  if (packed) {
    for (; j < n; j++) v128.store(dst + (<usize>j << 4), probs4(e + (<usize>j << 5), sum01, sum23));
    return;
  }
  const d0 = dst;
  const d1 = d0 + dstLd;
  const d2 = d1 + dstLd;
  const d3 = d2 + dstLd;
  for (; j + 4 <= n; j += 4) {
    const p = e + (<usize>j << 5);
    const c0 = probs4(p, sum01, sum23);
    const c1 = probs4(p + 32, sum01, sum23);
    const c2 = probs4(p + 64, sum01, sum23);
    const c3 = probs4(p + 96, sum01, sum23);
    // 4x4 transpose: lanes are rows, stores are rows.
    const u0 = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5);
    const u1 = v128.shuffle<f32>(c2, c3, 0, 4, 1, 5);
    const u2 = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7);
    const u3 = v128.shuffle<f32>(c2, c3, 2, 6, 3, 7);
    const o = <usize>j << 2;
    v128.store(d0 + o, v128.shuffle<f32>(u0, u1, 0, 1, 4, 5));
    v128.store(d1 + o, v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
    v128.store(d2 + o, v128.shuffle<f32>(u2, u3, 0, 1, 4, 5));
    v128.store(d3 + o, v128.shuffle<f32>(u2, u3, 2, 3, 6, 7));
  }
  for (; j < n; j++) {
    const c = probs4(e + (<usize>j << 5), sum01, sum23);
    const o = <usize>j << 2;
    store<f32>(d0 + o, f32x4.extract_lane(c, 0));
    store<f32>(d1 + o, f32x4.extract_lane(c, 1));
    store<f32>(d2 + o, f32x4.extract_lane(c, 2));
    store<f32>(d3 + o, f32x4.extract_lane(c, 3));
  }
}

/** f32(e / s) of the four rows' e_j stored at p as (row0, row1), (row2, row3): one f32x4, row in the lane. */
// @ts-ignore: decorator
@inline
function probs4(p: usize, sum01: v128, sum23: v128): v128 {
  const y01 = f32x4.demote_f64x2_zero(f64x2.div(v128.load(p), sum01));
  const y23 = f32x4.demote_f64x2_zero(f64x2.div(v128.load(p, 16), sum23));
  return v128.shuffle<f32>(y01, y23, 0, 1, 4, 5);
}

/**
 * One row of `visible` values at s → o (may alias), the entries from `visible` to n set to probability 0
 * (causal masking); e is scratch of n·8 bytes.
 */
function softmaxRow(s: usize, o: usize, n: i32, visible: i32, scaled: bool, scale: f32, e: usize): void {
  // Scores are rounded to f32 first; the row is rewritten in place only after it was read.
  let max: f32 = -Infinity;
  for (let j = 0; j < visible; j++) {
    let v = load<f32>(s + (<usize>j << 2));
    if (scaled) v = v * scale;
    store<f64>(e + (<usize>j << 3), <f64>v);
    if (v != v) {
      max = v;
      for (let t = j + 1; t < visible; t++) {
        let w = load<f32>(s + (<usize>t << 2));
        if (scaled) w = w * scale;
        store<f64>(e + (<usize>t << 3), <f64>w);
      }
      break;
    }
    if (v > max) max = v;
  }
  const m = <f64>max;
  let sum: f64 = 0;
  const mv = f64x2.splat(m);
  let j = 0;
  // Two exps at a time; the sum still adds them one by one in ascending j.
  for (; j + 2 <= visible; j += 2) {
    const p = e + (<usize>j << 3);
    const t = exp64x2(f64x2.sub(v128.load(p), mv));
    v128.store(p, t);
    sum += f64x2.extract_lane(t, 0);
    sum += f64x2.extract_lane(t, 1);
  }
  for (; j < visible; j++) {
    const t = exp64(load<f64>(e + (<usize>j << 3)) - m);
    store<f64>(e + (<usize>j << 3), t);
    sum += t;
  }
  const sv = f64x2.splat(sum);
  j = 0;
  for (; j + 2 <= visible; j += 2) {
    const y = f32x4.demote_f64x2_zero(f64x2.div(v128.load(e + (<usize>j << 3)), sv));
    v128.store64_lane(o + (<usize>j << 2), y, 0);
  }
  for (; j < visible; j++) store<f32>(o + (<usize>j << 2), <f32>(load<f64>(e + (<usize>j << 3)) / sum));
  for (let j = visible; j < n; j++) store<f32>(o + (<usize>j << 2), 0);
}

/**
 * Softmax job: rows of `n` float32 values at src → dst (may alias). With `scaled`, each value is first
 * f32(s·scale) (attention scores, R3); with `causal`, row r (query i = r % lq) sees keys j <= i only and
 * the rest get probability exactly 0. Rows go four at a time (softmax4) except under a causal mask and
 * at the end of a chunk. Fields: 1 counter, 2 rows, 3 n, 4 src, 5 dst, 6 flags (1 scaled, 2 causal),
 * 7 scale (f32 bits), 8 lq, 9 rows per chunk, 10 workspace (n·32 bytes per thread), 11 stride.
 */
export function softmaxJob(d: usize, tid: i32): void {
  const counter = <usize>word(d, 1);
  const rows = word(d, 2);
  const n = word(d, 3);
  const src = <usize>word(d, 4);
  const dst = <usize>word(d, 5);
  const flags = word(d, 6);
  const scale = reinterpret<f32>(word(d, 7));
  const lq = word(d, 8);
  const chunk = word(d, 9);
  const e = <usize>word(d, 10) + <usize>tid * <usize>word(d, 11);
  const scaled = (flags & 1) != 0;
  const causal = (flags & 2) != 0;
  const chunks = (rows + chunk - 1) / chunk;
  const rowBytes = (<usize>n) << 2;
  while (true) {
    const idx = atomic.add<i32>(counter, 1);
    if (idx >= chunks) break;
    const r1 = min(rows, (idx + 1) * chunk);
    let r = idx * chunk;
    if (!causal) {
      for (; r + 4 <= r1; r += 4) {
        softmax4(src + <usize>r * rowBytes, rowBytes, n, scaled, scale, e, dst + <usize>r * rowBytes, rowBytes, false);
      }
    }
    for (; r < r1; r++) {
      const visible = causal ? min(r % lq + 1, n) : n;
      softmaxRow(src + <usize>r * rowBytes, dst + <usize>r * rowBytes, n, visible, scaled, scale, e);
    }
  }
}
