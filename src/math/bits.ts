// Bit access to float64 values and exact scaling by powers of two: the only non-arithmetic tools the
// elementary functions use. Everything here is exact, so it gives the same bits on every engine.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Typed arrays use the platform's byte order; find which 32-bit half holds the sign and exponent.
f64[0] = 1;
const HI = u32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/** The upper 32 bits (sign, exponent, top 20 fraction bits) as a signed integer, like fdlibm's GET_HIGH_WORD. */
export function highWord(x: number): number {
  f64[0] = x;
  return u32[HI] | 0;
}

/** The lower 32 bits of the fraction as an unsigned integer. */
export function lowWord(x: number): number {
  f64[0] = x;
  return u32[LO];
}

/** The float64 whose upper and lower 32-bit halves are `hi` and `lo`. */
export function fromWords(hi: number, lo: number): number {
  u32[HI] = hi >>> 0;
  u32[LO] = lo >>> 0;
  return f64[0];
}

/** x with its upper word replaced (fdlibm's SET_HIGH_WORD). */
export function withHighWord(x: number, hi: number): number {
  f64[0] = x;
  u32[HI] = hi >>> 0;
  return f64[0];
}

/** x with its lower word cleared: the leading 21 fraction bits, exactly representable products follow. */
export function truncateLow(x: number): number {
  f64[0] = x;
  u32[LO] = 0;
  return f64[0];
}

// 2^k for every normal exponent, built by exact doublings so no library call is involved.
const POW2 = new Float64Array(2046);
{
  let p = 1;
  for (let k = 0; k <= 1023; k++) {
    POW2[k + 1022] = p;
    p *= 2;
  }
  p = 1;
  for (let k = 0; k >= -1022; k--) {
    POW2[k + 1022] = p;
    p /= 2;
  }
}

/** 2^k for -1022 <= k <= 1023 (a normal number, exact). */
export function pow2(k: number): number {
  return POW2[k + 1022];
}

/**
 * x · 2^k with a single rounding (only when the result is subnormal), for |k| up to ~2100.
 * Splitting a large scale keeps every intermediate product exact except the last one.
 */
export function scalbn(x: number, k: number): number {
  if (k > 1023) {
    x *= POW2[1023 + 1022];
    k -= 1023;
    if (k > 1023) {
      x *= POW2[1023 + 1022];
      k -= 1023;
      if (k > 1023) k = 1023;
    }
  } else if (k < -1022) {
    // Scale by 2^-969 (= 2^-1022 · 2^53) in steps so the only inexact step is the final one into the subnormals.
    x *= POW2[-969 + 1022];
    k += 969;
    if (k < -1022) {
      x *= POW2[-969 + 1022];
      k += 969;
      if (k < -1022) k = -1022;
    }
  }
  return x * POW2[k + 1022];
}
