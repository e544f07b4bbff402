/**
 * Correctly rounded double fused multiply-add with plain double arithmetic, so that a libm compiled
 * with FMA contraction can be reproduced bit for bit in any JS engine.
 *
 * Boldo & Melquiond, "Emulation of FMA and correctly-rounded sums: proved algorithms using rounding
 * to odd" (IEEE TC 2008): the product is split exactly (Dekker), added to c exactly (2Sum), the two
 * low parts are summed with rounding to odd, and one final round-to-nearest gives fma(a, b, c).
 * Valid while nothing overflows or underflows, which holds for the finite, moderate operands of the
 * functions in this folder.
 */

const SPLITTER = 134217729; // 2^27 + 1

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
