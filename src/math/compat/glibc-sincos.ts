/**
 * sin and cos returning exactly what glibc's `sin`/`cos` return on x86-64 with FMA (glibc ≥ 2.28, the
 * `__sin_fma`/`__cos_fma` variants an AVX2 machine selects): the IBM Accurate Mathematical Library
 * algorithm — a table of sin/cos at multiples of 1/128 corrected by short Taylor polynomials, with
 * range reduction by π/2 in three pieces — with every multiply–add that GCC contracts evaluated as
 * one fused step. Like glibc's log these are not correctly rounded (about 1 in 700 results differ
 * from the correctly rounded value), hence the emulation.
 *
 * Valid for |x| < 105414350 (torch passes angles in [0, 2π)); larger arguments need glibc's
 * multi-precision reduction, which is not reproduced, and throw.
 */
import { pow2 } from "../bits.js";
import { fma } from "./fma.js";
import { SINCOS_TABLE } from "./glibc-sincos-data.js";

const S1 = -0.16666666666666666;
const S2 = 0.008333333333332329;
const S3 = -0.00019841269834414642;
const S4 = 2.755729806860771e-6;
const S5 = -2.5022014848318398e-8;
const SN3 = -0.16666666666666488;
const SN5 = 0.008333332142857223;
const CS2 = 0.5;
const CS4 = -0.04166666666666644;
const CS6 = 0.001388888740079376;
const BIG = 52776558133248; // 1.5 · 2^45: adding it rounds |x| to a multiple of 1/128
const HP0 = 1.5707963267948966; // π/2 high part
const HP1 = 6.123233995736766e-17; // π/2 low part
const MP1 = 1.5707963407039642;
const MP2 = -1.3909067564377153e-8;
const PP3 = -4.97899623147991e-17;
const PP4 = -1.9034889620193266e-25;
const HPINV = 0.6366197723675814; // 2/π
const TOINT = 6755399441055744; // 1.5 · 2^52: adding it rounds to an integer

/** Threshold constants from the high words glibc compares against. */
const TINY_SIN = pow2(-26); // 0x3e500000
const TINY_COS = pow2(-27); // 0x3e400000
const SMALL = 0.85546875; // 0x3feb6000
const MEDIUM = 2.4262638092041016; // high word 0x400368fd
const LARGE = 105414336; // high word 0x419921fb

// sin(x + dx) for |x| small (the Taylor branch) or via the table; the result carries x's sign.
function doSin(x: number, dx: number): number {
  const xold = x;
  if (Math.abs(x) < 0.126) {
    const xx = x * x;
    let p = fma(S5, xx, S4);
    p = fma(p, xx, S3);
    p = fma(p, xx, S2);
    p = fma(p, xx, S1);
    const t = fma(fma(p, x, -(0.5 * dx)), xx, dx);
    return x + t;
  }
  if (x <= 0) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const k = (u - BIG) * 128;
  x = ax - (u - BIG);
  const xx = x * x;
  const s = x + fma(x * xx, fma(xx, SN5, SN3), dx);
  const c = fma(x, dx, xx * fma(xx, fma(xx, CS6, CS4), CS2));
  const sn = SINCOS_TABLE[4 * k];
  const ssn = SINCOS_TABLE[4 * k + 1];
  const cs = SINCOS_TABLE[4 * k + 2];
  const ccs = SINCOS_TABLE[4 * k + 3];
  const cor = fma(cs, s, fma(-sn, c, fma(s, ccs, ssn)));
  const res = sn + cor;
  return xold < 0 || Object.is(xold, -0) ? -Math.abs(res) : Math.abs(res);
}

// cos(x + dx) via the table.
function doCos(x: number, dx: number): number {
  if (x < 0) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const k = (u - BIG) * 128;
  x = ax - (u - BIG) + dx;
  const xx = x * x;
  const s = fma(x * xx, fma(xx, SN5, SN3), x);
  const c = xx * fma(xx, fma(xx, CS6, CS4), CS2);
  const sn = SINCOS_TABLE[4 * k];
  const ssn = SINCOS_TABLE[4 * k + 1];
  const cs = SINCOS_TABLE[4 * k + 2];
  const ccs = SINCOS_TABLE[4 * k + 3];
  const cor = fma(-sn, s, fma(-cs, c, fma(-s, ssn, ccs)));
  return cs + cor;
}

const reduced = new Float64Array(2);

// x = n·π/2 + (a + da), |a| ≤ π/4 + ε; returns n mod 4 and writes a, da to `reduced`.
function reduce(x: number): number {
  const t = fma(x, HPINV, TOINT);
  const xn = t - TOINT;
  const y = fma(-xn, MP2, fma(-xn, MP1, x));
  const n = xn & 3; // |xn| < 2^31, and -xn & 3 = the two's-complement low bits torch's int read gives
  const t2 = fma(-xn, PP3, y);
  let db = fma(-xn, PP3, y - t2);
  const b = fma(-xn, PP4, t2);
  db += fma(-xn, PP4, t2 - b);
  reduced[0] = b;
  reduced[1] = db;
  return n;
}

function doSincos(a: number, da: number, n: number): number {
  const v = n & 1 ? doCos(a, da) : doSin(a, da);
  return n & 2 ? -v : v;
}

function checkRange(x: number, name: string): void {
  if (Math.abs(x) >= LARGE && Number.isFinite(x)) {
    throw new RangeError(`${name}(${x}): arguments beyond ±${LARGE} are not supported by this emulation`);
  }
}

export function glibcSin(x: number): number {
  const ax = Math.abs(x);
  if (ax < TINY_SIN) return x;
  if (ax < SMALL) return doSin(x, 0);
  if (ax < MEDIUM) {
    const v = doCos(HP0 - ax, HP1);
    return x < 0 ? -v : v;
  }
  if (!Number.isFinite(x)) return Number.NaN;
  checkRange(x, "sin");
  const n = reduce(x);
  return doSincos(reduced[0], reduced[1], n);
}

export function glibcCos(x: number): number {
  const ax = Math.abs(x);
  if (ax < TINY_COS) return 1;
  if (ax < SMALL) return doCos(x, 0);
  if (ax < MEDIUM) {
    const y = HP0 - ax;
    const a = y + HP1;
    const da = y - a + HP1;
    return doSin(a, da);
  }
  if (!Number.isFinite(x)) return Number.NaN;
  checkRange(x, "cos");
  const n = reduce(x);
  return doSincos(reduced[0], reduced[1], n + 1);
}
