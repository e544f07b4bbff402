// erf, a scalar port of src/math/erf.ts (the same IEEE operations in the same order, so the same bits),
// and the GELU activations built on it (docs/NUMERICS.md R6).

import { exp64 } from "./exp";

function word(d: usize, i: i32): i32 {
  return load<i32>(d + ((<usize>i) << 2));
}

// Coefficient tables in the reserved first page after exp's (src/engine/wasm/layout.ts KERNEL_CONSTANTS),
// written once by initErfTable.
const ERF_TABLE: usize = 4096 + 512;
const TAYLOR: usize = ERF_TABLE; // 20 Taylor factors, computed as src/math/erf.ts computes them
const TAYLOR_TERMS: i32 = 20;
const G_1: usize = ERF_TABLE + 160; // 15 coefficients
const G_1_N: i32 = 15;
const F_1: usize = ERF_TABLE + 280; // 15 coefficients
const F_1_N: i32 = 15;
const F_2: usize = ERF_TABLE + 400; // 16 coefficients
const F_2_N: i32 = 16;
const F_3: usize = ERF_TABLE + 528; // 17 coefficients
const F_3_N: i32 = 17;
const F_4: usize = ERF_TABLE + 664; // 20 coefficients
const F_4_N: i32 = 20;
/** Bytes after KERNEL_CONSTANTS that the erf tables end at. */
export const ERF_TABLE_END: usize = 512 + 824;

const TWO_OVER_SQRT_PI_MINUS_1: f64 = 0.12837916709551256;
const ERF1_HI: f64 = 0.8427007929497149;
const ERF1_LO: f64 = -2.4801011789118602e-17;
const SQRT1_2: f64 = 0.7071067811865476; // Math.SQRT1_2

export function initErfTable(): void {
  let factorial: f64 = 1;
  for (let n = 1; n <= TAYLOR_TERMS; n++) {
    factorial *= <f64>n;
    store<f64>(TAYLOR + ((<usize>(n - 1)) << 3), (n % 2 == 1 ? -1.0 : 1.0) / (factorial * <f64>(2 * n + 1)));
  }
  store<f64>(G_1, 0.4193313376161358, 0);
  store<f64>(G_1, -0.1029634595659274, 8);
  store<f64>(G_1, 0.004190632061726104, 16);
  store<f64>(G_1, 0.0002715656902278451, 24);
  store<f64>(G_1, -3.309407979196458e-5, 32);
  store<f64>(G_1, 2.5027287563656234e-7, 40);
  store<f64>(G_1, 1.1383075403112406e-7, 48);
  store<f64>(G_1, -4.3938108680052665e-9, 56);
  store<f64>(G_1, -2.231039018008252e-10, 64);
  store<f64>(G_1, 1.776741386951241e-11, 72);
  store<f64>(G_1, 1.6561420322159738e-13, 80);
  store<f64>(G_1, -4.547011845047887e-14, 88);
  store<f64>(G_1, 5.105640520241574e-16, 96);
  store<f64>(G_1, 8.44863594435888e-17, 104);
  store<f64>(G_1, -2.3963174997978063e-18, 112);
  store<f64>(F_1, 0.3711927943420716, 0);
  store<f64>(F_1, -0.052799551940465685, 8);
  store<f64>(F_1, 0.00338076236159189, 16);
  store<f64>(F_1, -0.00019896338415156294, 24);
  store<f64>(F_1, 1.0911979120987141e-5, 32);
  store<f64>(F_1, -5.632372066195936e-7, 40);
  store<f64>(F_1, 2.7564656102315984e-8, 48);
  store<f64>(F_1, -1.2864435796900215e-9, 56);
  store<f64>(F_1, 5.75189434369204e-11, 64);
  store<f64>(F_1, -2.473180238194912e-12, 72);
  store<f64>(F_1, 1.0258794609509954e-13, 80);
  store<f64>(F_1, -4.116181633716858e-15, 88);
  store<f64>(F_1, 1.6012087627373837e-16, 96);
  store<f64>(F_1, -6.050928290560038e-18, 104);
  store<f64>(F_1, 2.22245484145568e-19, 112);
  store<f64>(F_2, 0.27286609100126274, 0);
  store<f64>(F_2, -0.04499865071157047, 8);
  store<f64>(F_2, 0.003453106367087206, 16);
  store<f64>(F_2, -0.00024930874647525076, 24);
  store<f64>(F_2, 1.7070132203849834e-5, 32);
  store<f64>(F_2, -1.1151797928725097e-6, 40);
  store<f64>(F_2, 6.984599996613682e-8, 48);
  store<f64>(F_2, -4.210276590909072e-9, 56);
  store<f64>(F_2, 2.4504392348400456e-10, 64);
  store<f64>(F_2, -1.3807395478381489e-11, 72);
  store<f64>(F_2, 7.549398720615535e-13, 80);
  store<f64>(F_2, -4.013355681120797e-14, 88);
  store<f64>(F_2, 2.078019547459287e-15, 96);
  store<f64>(F_2, -1.0495433061856768e-16, 104);
  store<f64>(F_2, 5.17780058046504e-18, 112);
  store<f64>(F_2, -2.492672140144064e-19, 120);
  store<f64>(F_3, 0.18959389852536504, 0);
  store<f64>(F_3, -0.037568205483436354, 8);
  store<f64>(F_3, 0.0035675566293223394, 16);
  store<f64>(F_3, -0.00032611623693129077, 24);
  store<f64>(F_3, 2.879609862272375e-5, 32);
  store<f64>(F_3, -2.463201735265235e-6, 40);
  store<f64>(F_3, 2.0460572552220813e-7, 48);
  store<f64>(F_3, -1.653785424654381e-8, 56);
  store<f64>(F_3, 1.3030293095597385e-9, 64);
  store<f64>(F_3, -1.0023391273965669e-10, 72);
  store<f64>(F_3, 7.537931643017606e-12, 80);
  store<f64>(F_3, -5.548706665965723e-13, 88);
  store<f64>(F_3, 4.0022365084016684e-14, 96);
  store<f64>(F_3, -2.8314399480867915e-15, 104);
  store<f64>(F_3, 1.9664707919813207e-16, 112);
  store<f64>(F_3, -1.3417838802140207e-17, 120);
  store<f64>(F_3, 8.963280879358976e-19, 128);
  store<f64>(F_4, 0.12011119518612726, 0);
  store<f64>(F_4, -0.03077508367843977, 8);
  store<f64>(F_4, 0.003865397162805732, 16);
  store<f64>(F_4, -0.00047649553104630324, 24);
  store<f64>(F_4, 5.770371528146291e-5, 32);
  store<f64>(F_4, -6.87063803752421e-6, 40);
  store<f64>(F_4, 8.049536979209691e-7, 48);
  store<f64>(F_4, -9.285957122953073e-8, 56);
  store<f64>(F_4, 1.055453759031051e-8, 64);
  store<f64>(F_4, -1.1826607946099641e-9, 72);
  store<f64>(F_4, 1.3071369079163705e-10, 80);
  store<f64>(F_4, -1.4257239280506568e-11, 88);
  store<f64>(F_4, 1.5353276736774002e-12, 96);
  store<f64>(F_4, -1.6330584393840216e-13, 104);
  store<f64>(F_4, 1.7163606034107875e-14, 112);
  store<f64>(F_4, -1.78312328246982e-15, 120);
  store<f64>(F_4, 1.8317656039700646e-16, 128);
  store<f64>(F_4, -1.8612907223455743e-17, 136);
  store<f64>(F_4, 1.8711449368629293e-18, 144);
  store<f64>(F_4, -1.8441650253267154e-19, 152);
}

/** Clenshaw summation of Σ c_k T_k(t), as src/math/chebyshev.ts. */
function chebyshev(c: usize, n: i32, t: f64): f64 {
  let b1: f64 = 0;
  let b2: f64 = 0;
  const t2 = 2 * t;
  for (let k = n - 1; k >= 1; k--) {
    const b0 = load<f64>(c + ((<usize>k) << 3)) + t2 * b1 - b2;
    b2 = b1;
    b1 = b0;
  }
  return load<f64>(c) + t * b1 - b2;
}

export function erf64(x: f64): f64 {
  if (x != x) return x;
  const ax = abs<f64>(x);
  if (ax < 3.725290298461914e-9) return x + TWO_OVER_SQRT_PI_MINUS_1 * x;
  if (ax < 0.75) {
    const z = x * x;
    let s = load<f64>(TAYLOR + ((<usize>(TAYLOR_TERMS - 1)) << 3));
    for (let n = TAYLOR_TERMS - 2; n >= 0; n--) s = load<f64>(TAYLOR + ((<usize>n) << 3)) + z * s;
    return x + (TWO_OVER_SQRT_PI_MINUS_1 * x + (1 + TWO_OVER_SQRT_PI_MINUS_1) * (x * (z * s)));
  }
  if (ax < 1.25) {
    const t = ax - 1;
    const r = ERF1_HI + (ERF1_LO + t * chebyshev(G_1, G_1_N, 4 * t));
    return x < 0 ? -r : r;
  }
  if (ax >= 6) return x < 0 ? -1 : 1;
  let f: f64;
  if (ax < 1.5) f = chebyshev(F_1, F_1_N, 4 * ax - 5);
  else if (ax < 2.25) f = chebyshev(F_2, F_2_N, (8 * ax - 15) / 3);
  else if (ax < 3.5) f = chebyshev(F_3, F_3_N, (8 * ax - 23) / 5);
  else f = chebyshev(F_4, F_4_N, (8 * ax - 38) / 10);
  const r = 1 - exp64(-ax * ax) * f;
  return x < 0 ? -r : r;
}

/** gelu(x) = (0.5·x)·(1 + erf(x·SQRT1_2)) in f64. */
function gelu64(x: f64): f64 {
  return 0.5 * x * (1 + erf64(x * SQRT1_2));
}

/**
 * gelu64 of two lanes. When both arguments z = x·SQRT1_2 fall in erf's Taylor range 2^−28 <= |z| < 0.75
 * (most activations) the series runs on both lanes at once, the same operations as erf64 per lane;
 * otherwise each lane goes through gelu64.
 */
// @ts-ignore: decorator
@inline
function gelu2(x: v128): v128 {
  const z = f64x2.mul(x, f64x2.splat(SQRT1_2));
  const az = f64x2.abs(z);
  const taylor = v128.and(f64x2.ge(az, f64x2.splat(3.725290298461914e-9)), f64x2.lt(az, f64x2.splat(0.75)));
  if (!v128.all_true<i64>(taylor)) return geluLanes(x);
  const z2 = f64x2.mul(z, z);
  let sum = v128.load64_splat(TAYLOR + ((<usize>(TAYLOR_TERMS - 1)) << 3));
  for (let n = TAYLOR_TERMS - 2; n >= 0; n--) {
    sum = f64x2.add(v128.load64_splat(TAYLOR + ((<usize>n) << 3)), f64x2.mul(z2, sum));
  }
  const e = f64x2.add(
    z,
    f64x2.add(
      f64x2.mul(f64x2.splat(TWO_OVER_SQRT_PI_MINUS_1), z),
      f64x2.mul(f64x2.splat(1 + TWO_OVER_SQRT_PI_MINUS_1), f64x2.mul(z, f64x2.mul(z2, sum))),
    ),
  );
  return f64x2.mul(f64x2.mul(f64x2.splat(0.5), x), f64x2.add(f64x2.splat(1), e));
}

/** Counts gelu2's scalar pairs: a side effect that keeps binaryen from evaluating them unconditionally. */
let gScalarPairs: i32 = 0;

function geluLanes(x: v128): v128 {
  gScalarPairs++;
  return f64x2.replace_lane(f64x2.splat(gelu64(f64x2.extract_lane(x, 0))), 1, gelu64(f64x2.extract_lane(x, 1)));
}

/** f32(gelu) of four floats at p (the row in lanes), two lanes of f64 at a time. */
// @ts-ignore: decorator
@inline
function gelu4(p: usize): v128 {
  const v = v128.load(p);
  const lo = f32x4.demote_f64x2_zero(gelu2(f64x2.promote_low_f32x4(v)));
  const hi = f32x4.demote_f64x2_zero(gelu2(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))));
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

/**
 * gelu over `count` floats src → dst, or with `rows` > 0 geglu: rows of 2·half floats at src → rows of
 * half floats at dst, out = f32(a · f32(gelu(b))) with a the first half of a row and b the second. Chunks
 * are `chunk` elements (gelu) or rows (geglu).
 * Fields: 1 counter, 2 count (gelu) or rows (geglu), 3 src, 4 dst, 5 half (0 for gelu), 6 chunk.
 */
export function geluJob(d: usize): void {
  const counter = <usize>word(d, 1);
  const count = word(d, 2);
  const src = <usize>word(d, 3);
  const dst = <usize>word(d, 4);
  const half = word(d, 5);
  const chunk = word(d, 6);
  const chunks = (count + chunk - 1) / chunk;
  while (true) {
    const idx = atomic.add<i32>(counter, 1);
    if (idx >= chunks) break;
    const i1 = min(count, (idx + 1) * chunk);
    if (half == 0) {
      let i = idx * chunk;
      for (; i + 4 <= i1; i += 4) {
        const p = (<usize>i) << 2;
        v128.store(dst + p, gelu4(src + p));
      }
      for (; i < i1; i++) {
        const p = (<usize>i) << 2;
        store<f32>(dst + p, <f32>gelu64(<f64>load<f32>(src + p)));
      }
      continue;
    }
    for (let r = idx * chunk; r < i1; r++) {
      const a = src + ((<usize>r * <usize>half * 2) << 2);
      const b = a + ((<usize>half) << 2);
      const o = dst + ((<usize>r * <usize>half) << 2);
      let j = 0;
      for (; j + 4 <= half; j += 4) {
        const p = (<usize>j) << 2;
        v128.store(o + p, f32x4.mul(v128.load(a + p), gelu4(b + p)));
      }
      for (; j < half; j++) {
        const p = (<usize>j) << 2;
        store<f32>(o + p, load<f32>(a + p) * <f32>gelu64(<f64>load<f32>(b + p)));
      }
    }
  }
}
