// sin and cos: reduce x = n·π/2 + y (y carried as y0 + y1, |y| <= π/4 plus a rounding margin), then
// evaluate a Remez polynomial kernel for sin or cos of y (fdlibm's kernels). Medium arguments use a
// three-part π/2 (Cody–Waite); huge ones an exact BigInt product with 1280 bits of 2/π.
import { highWord, lowWord, pow2 } from "./bits.js";
import { twoProductError } from "./dd.js";

const S1 = -0.16666666666666632;
const S2 = 0.00833333333332249;
const S3 = -0.0001984126982985795;
const S4 = 2.7557313707070068e-6;
const S5 = -2.5050760253406863e-8;
const S6 = 1.58969099521155e-10;

/** sin(x + y) for |x| <= π/4, y a small correction (tail of the reduced argument). */
function kernelSin(x: number, y: number, hasTail: boolean): number {
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (!hasTail) return x + v * (S1 + z * r);
  return x - (z * (0.5 * y - v * r) - y - v * S1);
}

const C1 = 0.0416666666666666;
const C2 = -0.001388888888887411;
const C3 = 2.480158728947673e-5;
const C4 = -2.7557314351390663e-7;
const C5 = 2.087572321298175e-9;
const C6 = -1.1359647557788195e-11;

/** cos(x + y) for |x| <= π/4. */
function kernelCos(x: number, y: number): number {
  const z = x * x;
  const w = z * z;
  const r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const hz = 0.5 * z;
  const a = 1 - hz;
  return a + (1 - a - hz + (z * r - x * y));
}

const INV_PIO2 = 0.6366197723675814;
const PIO2_1 = 1.5707963267341256; // first 33 bits of π/2
const PIO2_1T = 6.077100506506192e-11; // π/2 − PIO2_1
const PIO2_2 = 6.077100506303966e-11; // second 33 bits
const PIO2_2T = 2.0222662487959506e-21;
const PIO2_3 = 2.0222662487111665e-21; // third 33 bits
const PIO2_3T = 8.4784276603689e-32;
const ROUNDER = 6755399441055744; // 1.5·2^52: adding and subtracting it rounds to the nearest integer

// The reduced argument of the last reduceArg call (module state instead of an allocation per call).
let y0 = 0;
let y1 = 0;

/** Returns n (mod 4 is what matters) and sets y0 + y1 = x − n·π/2. */
function reduceArg(x: number, ix: number): number {
  if (ix < 0x413921fb) {
    // |x| < 2^20·π/2: n·PIO2_1 is exact; refine with further parts of π/2 when cancellation is deep.
    const fn = x * INV_PIO2 + ROUNDER - ROUNDER;
    let r = x - fn * PIO2_1;
    let w = fn * PIO2_1T;
    const j = ix >> 20;
    y0 = r - w;
    let i = j - ((highWord(y0) >> 20) & 0x7ff);
    if (i > 16) {
      let t = r;
      w = fn * PIO2_2;
      r = t - w;
      w = fn * PIO2_2T - (t - r - w);
      y0 = r - w;
      i = j - ((highWord(y0) >> 20) & 0x7ff);
      if (i > 49) {
        t = r;
        w = fn * PIO2_3;
        r = t - w;
        w = fn * PIO2_3T - (t - r - w);
        y0 = r - w;
      }
    }
    y1 = r - y0 - w;
    return fn | 0;
  }
  return reduceHuge(x, ix);
}

// floor(2/π · 2^1280), from scripts/gen-math-constants.py.
const TWO_OVER_PI = BigInt(
  "0xa2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abdebbc561b7246e3a424dd2e006492eea09d1921cfe1deb1cb129a73ee88235f52ebb4484e99c7026b45f7e413991d639835339f49c845f8bbdf9283b1ff897ffde05980fef2f118b5a0a6d1f6d367ecf27cb09b74f463f669e5fea2d7527bac7ebe5f17b3d0739f78a5292ea6bfb5fb11f8d5d0856033046fc7b6babf0cfbc209af4361d",
);
const TWO_OVER_PI_BITS = 1280n;
const FRACTION_BITS = 128n;
const FRACTION_MASK = (1n << FRACTION_BITS) - 1n;
const HALF = 1n << (FRACTION_BITS - 1n);
const TWO_M128 = pow2(-128);
const TWO_P128 = pow2(128);
const PIO2_HI = 1.5707963267948966; // π/2 rounded to double
const PIO2_LO = 6.123233995736766e-17; // π/2 − PIO2_HI

/** Exact reduction of a huge finite |x| >= 2^20·π/2: x·(2/π) computed as an exact integer product. */
function reduceHuge(x: number, ix: number): number {
  const exponent = (ix >> 20) - 1075; // x = ±mantissa · 2^exponent
  const mantissa = BigInt((ix & 0xfffff) | 0x100000) * 4294967296n + BigInt(lowWord(x));
  const product = mantissa * TWO_OVER_PI;
  const shift = TWO_OVER_PI_BITS - BigInt(exponent); // binary point of the product
  let fixed = product >> (shift - FRACTION_BITS); // x·2/π with 128 fraction bits (truncated)
  let n = Number((fixed >> FRACTION_BITS) & 3n);
  let fraction = fixed & FRACTION_MASK;
  if (fraction >= HALF) {
    fraction -= 1n << FRACTION_BITS;
    n = (n + 1) & 3;
  }
  fixed = fraction;
  // fraction·2^-128 as a double-double, times π/2 as a double-double.
  const fh = Number(fixed) * TWO_M128;
  const fl = Number(fixed - BigInt(fh * TWO_P128)) * TWO_M128;
  const p = fh * PIO2_HI;
  const pe = twoProductError(fh, PIO2_HI, p);
  const tail = pe + (fh * PIO2_LO + fl * PIO2_HI);
  y0 = p + tail;
  y1 = tail - (y0 - p);
  if (x < 0) {
    y0 = -y0;
    y1 = -y1;
    n = (4 - n) & 3;
  }
  return n;
}

/** Sine of x (radians); sin(±Infinity) = NaN; error < 1 ulp. */
export function sin(x: number): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) {
    if (ix < 0x3e500000) return x; // |x| < 2^-26
    return kernelSin(x, 0, false);
  }
  if (ix >= 0x7ff00000) return x - x;
  switch (reduceArg(x, ix) & 3) {
    case 0:
      return kernelSin(y0, y1, true);
    case 1:
      return kernelCos(y0, y1);
    case 2:
      return -kernelSin(y0, y1, true);
    default:
      return -kernelCos(y0, y1);
  }
}

/** Cosine of x (radians); cos(±Infinity) = NaN; error < 1 ulp. */
export function cos(x: number): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) {
    if (ix < 0x3e400000) return 1; // |x| < 2^-27
    return kernelCos(x, 0);
  }
  if (ix >= 0x7ff00000) return x - x;
  switch (reduceArg(x, ix) & 3) {
    case 0:
      return kernelCos(y0, y1);
    case 1:
      return -kernelSin(y0, y1, true);
    case 2:
      return -kernelCos(y0, y1);
    default:
      return kernelSin(y0, y1, true);
  }
}
