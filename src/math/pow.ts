// x^y = exp(y·log x) with log x and the product carried in double-double (about 2^-100 relative), so
// the only sizeable error is the final exp kernel's (< 1 ulp). Special values follow C99/IEEE 754 pow
// (not Math.pow): pow(x, ±0) = 1 and pow(1, y) = 1 even for NaN, pow(−1, ±Infinity) = 1,
// and a negative base needs an integer exponent (odd exponents keep the sign).
import { highWord, pow2, scalbn, withHighWord } from "./bits.js";
import { twoProductError, twoSumError } from "./dd.js";
import { INV_LN2, LN2_HI, LN2_LO } from "./exp.js";

const TWO_THIRDS_HI = 0.6666666666666666;
const TWO_THIRDS_LO = 3.700743415417188e-17;
const TWO_FIFTHS_HI = 0.4;
const TWO_FIFTHS_LO = -2.220446049250313e-17;
// 2/(2n+1) for n = 3.. : the tail of 2·atanh(f)/f − 2 − (2/3)f² − (2/5)f⁴ in powers of f².
const ATANH_TAIL = new Float64Array(10);
for (let n = 0; n < ATANH_TAIL.length; n++) ATANH_TAIL[n] = 2 / (2 * n + 7);

// log x as logHi + logLo (set by logDD).
let logHi = 0;
let logLo = 0;

/** log x for finite x > 0 in double-double: x = 2^k·m, log m = 2·atanh((m−1)/(m+1)). */
function logDD(x: number): void {
  let hx = highWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    x *= pow2(54);
    k = -54;
    hx = highWord(x);
  }
  k += (hx >> 20) - 1023;
  const frac = hx & 0x000fffff;
  let m: number;
  if (frac >= 0x6a09e) {
    m = withHighWord(x, frac | 0x3fe00000); // m in [√½, 1)
    k += 1;
  } else {
    m = withHighWord(x, frac | 0x3ff00000); // m in [1, √2)
  }
  // f = (m − 1)/(m + 1) as fh + fl; m − 1 is exact (Sterbenz), m + 1 is carried as bh + bl.
  const a = m - 1;
  const bh = m + 1;
  const bl = m >= 1 ? 1 - (bh - m) : m - (bh - 1);
  const fh = a / bh;
  const p = fh * bh;
  const fl = (a - p - twoProductError(fh, bh, p) - fh * bl) / bh;
  // s = f² (double-double).
  const sh = fh * fh;
  const sl = twoProductError(fh, fh, sh) + 2 * fh * fl;
  // q = 2/3 + (2/5)s + s²·tail(s); the first two terms in double-double.
  let tail = ATANH_TAIL[ATANH_TAIL.length - 1];
  for (let n = ATANH_TAIL.length - 2; n >= 0; n--) tail = ATANH_TAIL[n] + sh * tail;
  const u = TWO_FIFTHS_HI * sh;
  const ul = twoProductError(TWO_FIFTHS_HI, sh, u) + TWO_FIFTHS_HI * sl + TWO_FIFTHS_LO * sh;
  const qh = TWO_THIRDS_HI + u;
  const ql = twoSumError(TWO_THIRDS_HI, u, qh) + TWO_THIRDS_LO + ul + sh * sh * tail;
  // g = s·q, then h = f·g: log m = 2f + h.
  const gh = sh * qh;
  const gl = twoProductError(sh, qh, gh) + sh * ql + sl * qh;
  const hh = fh * gh;
  const hl = twoProductError(fh, gh, hh) + fh * gl + fl * gh;
  // log x = k·LN2_HI (exact) + 2fh + (2fl + hh + hl + k·LN2_LO), summed from the large end.
  const kh = k * LN2_HI;
  const s1 = kh + 2 * fh;
  let e = twoSumError(kh, 2 * fh, s1);
  const s2 = s1 + hh;
  e += twoSumError(s1, hh, s2) + (2 * fl + hl + k * LN2_LO);
  logHi = s2 + e;
  logLo = e - (logHi - s2);
}

// Remez coefficients of exp's kernel (see exp.ts).
const P1 = 0.16666666666666602;
const P2 = -0.0027777777777015593;
const P3 = 6.613756321437934e-5;
const P4 = -1.6533902205465252e-6;
const P5 = 4.1381367970572385e-8;

/** e^(zh + zl) for |zl| <= ulp(zh), no overflow checks (done by the caller). */
function expDD(zh: number, zl: number): number {
  const k = Math.trunc(INV_LN2 * zh + (zh < 0 ? -0.5 : 0.5));
  const hi = zh - k * LN2_HI; // exact
  const lo = k * LN2_LO - zl;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  return k >= -1021 && k <= 1023 ? y * pow2(k) : scalbn(y, k);
}

function isOddInteger(y: number): boolean {
  // Integers of magnitude >= 2^53 are all even; below that y/2 and floor are exact.
  return Math.abs(y) < 9007199254740992 && Math.floor(y) === y && Math.floor(y / 2) * 2 !== y;
}

/** x raised to the power y with C99 special cases; error < 1 ulp for finite results. */
export function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (y === 1) return x;
  const ay = Math.abs(y);
  if (ay === Number.POSITIVE_INFINITY) {
    const ax = Math.abs(x);
    if (ax === 1) return 1;
    return ax > 1 === y > 0 ? Number.POSITIVE_INFINITY : 0;
  }
  const odd = isOddInteger(y);
  if (x === 0) {
    const negative = odd && 1 / x < 0;
    if (y < 0) return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    return negative ? -0 : 0;
  }
  if (x === Number.POSITIVE_INFINITY) return y < 0 ? 0 : Number.POSITIVE_INFINITY;
  if (x === Number.NEGATIVE_INFINITY) {
    if (y < 0) return odd ? -0 : 0;
    return odd ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  let sign = 1;
  if (x < 0) {
    if (Math.floor(y) !== y) return Number.NaN;
    if (odd) sign = -1;
    x = -x;
  }
  // Correctly rounded special exponents.
  if (y === 2) return sign * (x * x);
  if (y === 0.5) return Math.sqrt(x);
  if (y === -1) return sign / x;
  // |y| this large makes |y·log x| exceed every threshold (|log x| >= 2^-53 for x != 1).
  if (ay > 1e300) return x > 1 === y > 0 ? Number.POSITIVE_INFINITY : 0;
  logDD(x);
  const zh = y * logHi;
  if (zh > 710) return sign * Number.POSITIVE_INFINITY;
  if (zh < -746) return sign * 0;
  const ze = twoProductError(y, logHi, zh) + y * logLo;
  const z = zh + ze;
  if (z > 709.8) return sign * Number.POSITIVE_INFINITY;
  if (z < -745.2) return sign * 0;
  return sign * expDD(z, ze - (z - zh));
}
