// exp and expm1 in the classic Cody–Waite + Remez style (as in Sun's fdlibm): reduce x = k·ln2 + r with
// |r| <= ln2/2 using a two-part ln2 so that k·LN2_HI is exact, approximate exp(r) by a rational form,
// then scale by 2^k exactly. Only + − × ÷ and exact power-of-two scaling are used.
import { highWord, pow2, scalbn, withHighWord } from "./bits.js";

export const LN2_HI = 0.6931471803691238; // ln2 rounded to 32 significant bits: k·LN2_HI is exact.
export const LN2_LO = 1.9082149292705877e-10; // ln2 − LN2_HI
export const INV_LN2 = Math.LOG2E; // 1/ln2 rounded, as fdlibm's invln2

// Remez coefficients of r·(exp(r)+1)/(exp(r)−1) ≈ 2 + P1 r² + … + P5 r^10 on [−ln2/2, ln2/2].
const P1 = 0.16666666666666602;
const P2 = -0.0027777777777015593;
const P3 = 6.613756321437934e-5;
const P4 = -1.6533902205465252e-6;
const P5 = 4.1381367970572385e-8;

const OVERFLOW = 709.782712893384; // above this exp(x) rounds to +Infinity
const UNDERFLOW = -745.1332191019411; // below this exp(x) rounds to +0

/** e^x, error < 1 ulp (see docs/NUMERICS.md for the measured bound). */
export function exp(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x > OVERFLOW) return Number.POSITIVE_INFINITY;
  if (x < UNDERFLOW) return 0;
  const ax = Math.abs(x);
  if (ax < 3.725290298461914e-9) return 1 + x; // |x| < 2^-28: exp(x) = 1 + x to within half an ulp
  let k = 0;
  let hi = x;
  let lo = 0;
  if (ax > 0.34657359027997264) {
    // |x| > ln2/2: reduce. Round-half-away keeps |r| <= ln2/2 (plus a rounding margin).
    k = ax < 1.0397207708399179 ? (x < 0 ? -1 : 1) : Math.trunc(INV_LN2 * x + (x < 0 ? -0.5 : 0.5));
    hi = x - k * LN2_HI;
    lo = k * LN2_LO;
  }
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((r * c) / (c - 2) - r);
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  if (k >= -1021 && k <= 1023) return y * pow2(k);
  return scalbn(y, k);
}

// Remez coefficients for expm1's rational kernel on [−ln2/2, ln2/2] (fdlibm's Q1..Q5).
const Q1 = -0.03333333333333313;
const Q2 = 0.0015873015872548146;
const Q3 = -7.93650757867488e-5;
const Q4 = 4.008217827329362e-6;
const Q5 = -2.0109921818362437e-7;

/** e^x − 1, accurate also for tiny x; error < 1 ulp. */
export function expm1(x: number): number {
  if (Number.isNaN(x)) return x;
  const hx = highWord(x);
  const negative = hx < 0;
  const ix = hx & 0x7fffffff;
  if (ix >= 0x4043687a) {
    // |x| >= 56·ln2: the result is −1 (to double precision) or overflows.
    if (!negative) {
      if (x > OVERFLOW) return Number.POSITIVE_INFINITY;
    } else {
      return -1;
    }
  }
  let k = 0;
  let c = 0;
  if (ix > 0x3fd62e42) {
    // |x| > ln2/2: reduce, keeping the rounding error of hi − lo in c.
    let hi: number;
    let lo: number;
    if (ix < 0x3ff0a2b2) {
      if (!negative) {
        hi = x - LN2_HI;
        lo = LN2_LO;
        k = 1;
      } else {
        hi = x + LN2_HI;
        lo = -LN2_LO;
        k = -1;
      }
    } else {
      k = Math.trunc(INV_LN2 * x + (negative ? -0.5 : 0.5));
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
    c = hi - x - lo;
  } else if (ix < 0x3c900000) {
    return x; // |x| < 2^-54
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - x * t));
  if (k === 0) return x - (x * e - hxs);
  e = x * (e - c) - c;
  e -= hxs;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) {
    if (x < -0.25) return -2 * (e - (x + 0.5));
    return 1 + 2 * (x - e);
  }
  if (k <= -2 || k > 56) {
    // exp(x) − 1 is exp(x) or −1 to within rounding: form exp(x) and subtract 1.
    const y = 1 - (e - x);
    return (k === 1024 ? y * 2 * pow2(1023) : y * pow2(k)) - 1;
  }
  if (k < 20) {
    const t1 = withHighWord(1, 0x3ff00000 - (0x200000 >> k)); // 1 − 2^-k
    return (t1 - (e - x)) * pow2(k);
  }
  const t2 = withHighWord(1, (0x3ff - k) << 20); // 2^-k
  return (x - (e + t2) + 1) * pow2(k);
}
