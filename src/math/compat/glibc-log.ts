/**
 * Natural log returning exactly what glibc's `log` returns on x86-64 with FMA (glibc ≥ 2.28, the
 * `__log_fma` variant that an AVX2 machine selects), which is what PyTorch's float64 and small-tensor
 * normals call. glibc's log is not correctly rounded (about 1 result in 1000 differs from the
 * correctly rounded one), so matching torch bit for bit means repeating its algorithm: a 128-entry
 * table of 1/c and log(c), a degree-6 polynomial, and a separate degree-12 polynomial near 1, with
 * every multiply–add that GCC contracts into an FMA evaluated as one (`fma`).
 *
 * Only finite x > 0 in the normal range is needed (torch passes 1 - u, u ∈ [0, 1)); other inputs
 * get the IEEE answers without glibc's errno side effects.
 */
import { pow2 } from "../bits.js";
import { fma } from "./fma.js";
import { LOG_POLY, LOG_POLY1, LOG_TABLE } from "./glibc-log-data.js";

const LN2_HI = 0.6931471805598903;
const LN2_LO = 5.497923018708371e-14;
const TWO_POW_27 = 134217728;
const TWO_POW_52 = pow2(52);

const f64Box = new Float64Array(1);
const u32Box = new Uint32Array(f64Box.buffer);
const LO = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 0 : 1;
const HI = 1 - LO;

const [B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10] = LOG_POLY1;
const [A0, A1, A2, A3, A4] = LOG_POLY;

// x in [1 - 2^-4, 1 + 0x1.09p-4): log1p(r) with r = x - 1 split so that r + B0·r² is nearly exact.
function logNearOne(x: number): number {
  if (x === 1) return 0;
  const r = x - 1;
  const r2 = r * r;
  const r3 = r * r2;
  const inner = fma(r3, B10, fma(r2, B9, fma(r, B8, B7)));
  const middle = fma(r3, inner, fma(r2, B6, fma(r, B5, B4)));
  const outer = fma(r3, middle, fma(r2, B3, fma(r, B2, B1)));
  const w0 = r * TWO_POW_27;
  const rhi = r + w0 - w0;
  const rlo = r - rhi;
  const w = rhi * rhi * B0; // exact: rhi has at most 26 significant bits
  const hi = r + w;
  let lo = r - hi + w;
  lo = fma(B0 * rlo, rhi + r, lo);
  let y = fma(r3, outer, lo);
  y += hi;
  return y;
}

export function glibcLog(x: number): number {
  if (!(x > 0) || x === Number.POSITIVE_INFINITY) {
    if (x === 0) return Number.NEGATIVE_INFINITY;
    return x === Number.POSITIVE_INFINITY ? x : Number.NaN;
  }
  if (x >= 0.9375 && x < 1.064697265625) return logNearOne(x);

  f64Box[0] = x;
  let hi32 = u32Box[HI];
  let lo32 = u32Box[LO];
  let kAdjust = 0;
  if (hi32 < 0x00100000) {
    // Subnormal: scale into the normal range first.
    f64Box[0] = x * TWO_POW_52;
    hi32 = u32Box[HI];
    lo32 = u32Box[LO];
    kAdjust = -52;
  }
  // tmp = ix - 0x3fe6000000000000 (only the high word is affected: the offset's low word is 0).
  const tmpHi = (hi32 - 0x3fe60000) | 0;
  const i = (tmpHi >>> 13) & 127; // bits 45..51 of tmp
  const k = (tmpHi >> 20) + kAdjust; // arithmetic shift of tmp by 52
  // z = x / 2^k: clear the exponent bits that k accounts for.
  u32Box[HI] = hi32 - (tmpHi & 0xfff00000);
  u32Box[LO] = lo32;
  const z = f64Box[0];
  const invc = LOG_TABLE[2 * i];
  const logc = LOG_TABLE[2 * i + 1];

  const r = fma(z, invc, -1);
  const kd = k;
  const w = fma(kd, LN2_HI, logc);
  const hi = w + r;
  const lo = fma(kd, LN2_LO, w - hi + r);
  const r2 = r * r;
  const q = fma(r2, fma(r, A4, A3), fma(r, A2, A1));
  let y = fma(r2, A0, lo);
  y = fma(r * r2, q, y);
  return y + hi;
}
