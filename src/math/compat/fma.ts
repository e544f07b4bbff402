// Fused multiply-add, emulated exactly with plain double arithmetic: the libraries reproduced in this folder
// (glibc, SLEEF, NumPy's and torch's AVX2 kernels) were compiled with FMA, and a fused step rounds once where
// a*b + c rounds twice.
import { twoSumError } from "../dd.js";

const fround = Math.fround;
const SPLITTER = 134217729; // 2^27 + 1

/**
 * Correctly rounded double fused multiply-add, so that a libm compiled with FMA contraction can be
 * reproduced bit for bit in any JS engine.
 *
 * Boldo & Melquiond, "Emulation of FMA and correctly-rounded sums: proved algorithms using rounding
 * to odd" (IEEE TC 2008): the product is split exactly (Dekker), added to c exactly (2Sum), the two
 * low parts are summed with rounding to odd, and one final round-to-nearest gives fma(a, b, c).
 * Valid while nothing overflows or underflows, which holds for the finite, moderate operands of the
 * functions in this folder.
 */

const f64Box = new Float64Array(1);
const u32Box = new Uint32Array(f64Box.buffer);
// Index of the low 32-bit word of a double in this engine's byte order.
const LO = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 0 : 1;
const HI = 1 - LO;

/** The sum x + y rounded to odd (ties impossible): the RN sum, moved off an even last bit towards the error. */
function addRoundOdd(x: number, y: number): number {
  const s = x + y;
  const bb = s - x;
  const err = x - (s - bb) + (y - bb);
  if (err === 0) return s;
  f64Box[0] = s;
  const lo = u32Box[LO];
  if ((lo & 1) === 1) return s;
  // Even last bit and inexact: step one ulp towards the exact value (the neighbour is odd).
  const awayFromZero = err > 0 === s > 0;
  if (awayFromZero) {
    if (lo === 0xffffffff) {
      u32Box[LO] = 0;
      u32Box[HI] = u32Box[HI] + 1;
    } else {
      u32Box[LO] = lo + 1;
    }
  } else if (lo === 0) {
    u32Box[LO] = 0xffffffff;
    u32Box[HI] = u32Box[HI] - 1;
  } else {
    u32Box[LO] = lo - 1;
  }
  return f64Box[0];
}

export function fma(a: number, b: number, c: number): number {
  const ph = a * b;
  if (ph === 0 || c === 0 || !Number.isFinite(ph) || !Number.isFinite(c)) return ph + c;
  // Dekker's product and Knuth's 2Sum written out rather than called from ../dd.js: float64 randn spends
  // most of its time here, and a micro-benchmark of this function with the calls ran 10-20% slower in V8.
  // Exact product ph + pl (Veltkamp split).
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pl = ah * bh - ph + ah * bl + al * bh + al * bl;
  // Exact sum sh + sl = ph + c (2Sum).
  const sh = ph + c;
  const bb = sh - ph;
  const sl = ph - (sh - bb) + (c - bb);
  return sh + addRoundOdd(sl, pl);
}

/**
 * Fused multiply-add rounded once to float32 (what `vfmadd…ps` does), for a float32 c and a product a·b
 * that is exact in double (two float32s, or a float32 and an integer below 2^29).
 *
 * `a*b + c` is then rounded only once, to double; rounding that double to float32 is wrong only if it
 * landed exactly on a float32 midpoint while the exact sum did not. That case is detected (its mirror
 * image about the float32 result is the neighbouring float32) and settled with the exact error of the
 * double addition.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fround(s);
  const d = s - r;
  if (d !== 0) {
    const t = r + 2 * d;
    if (fround(t) === t) {
      // s is a float32 midpoint: round by the sign of what the double addition dropped.
      const err = twoSumError(p, c, s);
      if (err !== 0 && err > 0 === d > 0) return t;
    }
  }
  return r;
}
