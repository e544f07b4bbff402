// exp for the wasm kernels: a scalar port of src/math/exp.ts and two-lane versions, all bit-identical to it.
// exp port of src/math/exp.ts (fdlibm's Cody–Waite reduction and Remez kernel): the same IEEE operations in
// the same order, so it returns the same bits as the TypeScript version on every engine.
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const INV_LN2: f64 = 1.4426950408889634;
const P1: f64 = 0.16666666666666602;
const P2: f64 = -0.0027777777777015593;
const P3: f64 = 6.613756321437934e-5;
const P4: f64 = -1.6533902205465252e-6;
const P5: f64 = 4.1381367970572385e-8;
const EXP_OVERFLOW: f64 = 709.782712893384;
const EXP_UNDERFLOW: f64 = -745.1332191019411;

/** 2^k for a normal exponent, exact. */
function pow2(k: i32): f64 {
  return reinterpret<f64>(<i64>(k + 1023) << 52);
}

/** x·2^k with the single rounding of src/math/bits.ts scalbn (steps of 2^1023 / 2^-969). */
function scalbn(x: f64, k: i32): f64 {
  if (k > 1023) {
    x *= pow2(1023);
    k -= 1023;
    if (k > 1023) {
      x *= pow2(1023);
      k -= 1023;
      if (k > 1023) k = 1023;
    }
  } else if (k < -1022) {
    x *= pow2(-969);
    k += 969;
    if (k < -1022) {
      x *= pow2(-969);
      k += 969;
      if (k < -1022) k = -1022;
    }
  }
  return x * pow2(k);
}

export function exp64(x: f64): f64 {
  if (x != x) return x;
  if (x > EXP_OVERFLOW) return Infinity;
  if (x < EXP_UNDERFLOW) return 0;
  const ax = abs<f64>(x);
  if (ax < 3.725290298461914e-9) return 1 + x;
  let k: i32 = 0;
  let hi = x;
  let lo: f64 = 0;
  if (ax > 0.34657359027997264) {
    k = ax < 1.0397207708399179 ? (x < 0 ? -1 : 1) : <i32>trunc<f64>(INV_LN2 * x + (x < 0 ? -0.5 : 0.5));
    hi = x - <f64>k * LN2_HI;
    lo = <f64>k * LN2_LO;
  }
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1 - ((r * c) / (c - 2) - r);
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  if (k >= -1021 && k <= 1023) return y * pow2(k);
  return scalbn(y, k);
}

/** Updated by exp64Lanes only: a side effect, see there. */
let gRareLanes: i32 = 0;

/**
 * Both lanes through exp64: the rare path of the two-lane kernels. Its global write keeps binaryen from
 * proving the branch around it pure and turning it into a select that evaluates it for every pair.
 */
function exp64Lanes(x: v128): v128 {
  gRareLanes++;
  return f64x2.replace_lane(f64x2.splat(exp64(f64x2.extract_lane(x, 0))), 1, exp64(f64x2.extract_lane(x, 1)));
}

// V8 materialises every v128.const with several instructions at each use, and binaryen folds constants kept
// in locals back into their uses, so the two-lane kernels read their splatted constants from this table
// (in the reserved first page, see src/engine/wasm/layout.ts KERNEL_CONSTANTS), written once by
// initKernelConstants before any job runs.
const TABLE: usize = 4096;
const C_MIN: usize = TABLE; // −708: below it exp64 takes its scalbn path
const C_ZERO: usize = TABLE + 16;
const C_INV_LN2: usize = TABLE + 32;
const C_MHALF: usize = TABLE + 48;
const C_KRED: usize = TABLE + 64; // −ln2/2: no reduction above it
const C_LN2_HI: usize = TABLE + 80;
const C_LN2_LO: usize = TABLE + 96;
const C_P1: usize = TABLE + 112;
const C_P2: usize = TABLE + 128;
const C_P3: usize = TABLE + 144;
const C_P4: usize = TABLE + 160;
const C_P5: usize = TABLE + 176;
const C_TWO: usize = TABLE + 192;
const C_ONE: usize = TABLE + 208;
const C_BIAS: usize = TABLE + 224; // 2^52 + 1023
const C_TINY: usize = TABLE + 240; // −2^−28
const C_MAX: usize = TABLE + 256; // 709: above it 2^k may leave the normal range
const C_HALF: usize = TABLE + 272;
const C_RED: usize = TABLE + 288; // ln2/2: reduced above it
const C_PTINY: usize = TABLE + 304; // 2^−28
/** Bytes of the constant table. */
export const EXP_TABLE_BYTES: usize = 320;

export function initExpTable(): void {
  v128.store(C_MIN, f64x2.splat(-708.0));
  v128.store(C_ZERO, f64x2.splat(0));
  v128.store(C_INV_LN2, f64x2.splat(INV_LN2));
  v128.store(C_MHALF, f64x2.splat(-0.5));
  v128.store(C_KRED, f64x2.splat(-0.34657359027997264));
  v128.store(C_LN2_HI, f64x2.splat(LN2_HI));
  v128.store(C_LN2_LO, f64x2.splat(LN2_LO));
  v128.store(C_P1, f64x2.splat(P1));
  v128.store(C_P2, f64x2.splat(P2));
  v128.store(C_P3, f64x2.splat(P3));
  v128.store(C_P4, f64x2.splat(P4));
  v128.store(C_P5, f64x2.splat(P5));
  v128.store(C_TWO, f64x2.splat(2));
  v128.store(C_ONE, f64x2.splat(1));
  v128.store(C_BIAS, f64x2.splat(4503599627371519.0));
  v128.store(C_TINY, f64x2.splat(-3.725290298461914e-9));
  v128.store(C_MAX, f64x2.splat(709.0));
  v128.store(C_HALF, f64x2.splat(0.5));
  v128.store(C_RED, f64x2.splat(0.34657359027997264));
  v128.store(C_PTINY, f64x2.splat(3.725290298461914e-9));
}

/**
 * exp64 of two lanes at once, bit-identical per lane to exp64 (and so to src/math/exp.ts). Lanes needing
 * a rare path (NaN, x > 709 or x < −708, where exp64 overflows, underflows or scales by scalbn) send both
 * lanes to exp64. Otherwise, as in expSoftmax2: fdlibm's k = ±1 for ln2/2 < |x| < 1.5·ln2 equals
 * trunc(x/ln2 ± 0.5) there (monotone in x, and ±1 at the doubles next to both ends, which the exp tests
 * sweep); with q = r·c/(c − 2) = −r·c/(2 − c) exactly, the k ≠ 0 result
 * 1 − ((lo + q) − hi) times 2^k is also the k = 0 result 1 − (q − r), since k = 0 means hi = x = r and
 * lo = +0; and 2^k comes from k + 2^52 + 1023 (k + 1023 lies in [2, 2046] here).
 */
// @ts-ignore: decorator
@inline
export function exp64x2(x: v128): v128 {
  const rare = v128.any_true(
    v128.or(v128.or(f64x2.ne(x, x), f64x2.gt(x, v128.load(C_MAX))), f64x2.lt(x, v128.load(C_MIN))),
  );
  if (rare) return exp64Lanes(x);
  const ax = f64x2.abs(x);
  const round = v128.bitselect(v128.load(C_MHALF), v128.load(C_HALF), f64x2.lt(x, v128.load(C_ZERO)));
  const kBig = f64x2.trunc(f64x2.add(f64x2.mul(v128.load(C_INV_LN2), x), round));
  // +0 where |x| <= ln2/2, which gives hi = x and lo = +0 exactly, as the unreduced scalar path.
  const k = v128.and(kBig, f64x2.gt(ax, v128.load(C_RED)));
  const hi = f64x2.sub(x, f64x2.mul(k, v128.load(C_LN2_HI)));
  const lo = f64x2.mul(k, v128.load(C_LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let poly = f64x2.add(v128.load(C_P4), f64x2.mul(t, v128.load(C_P5)));
  poly = f64x2.add(v128.load(C_P3), f64x2.mul(t, poly));
  poly = f64x2.add(v128.load(C_P2), f64x2.mul(t, poly));
  poly = f64x2.add(v128.load(C_P1), f64x2.mul(t, poly));
  const c = f64x2.sub(r, f64x2.mul(t, poly));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(c, v128.load(C_TWO)));
  const one = v128.load(C_ONE);
  const y = f64x2.sub(one, f64x2.sub(f64x2.add(lo, q), hi));
  const scale = i64x2.shl(f64x2.add(k, v128.load(C_BIAS)), 52);
  return v128.bitselect(f64x2.add(one, x), f64x2.mul(y, scale), f64x2.lt(ax, v128.load(C_PTINY)));
}

/**
 * exp64x2 for the arguments of a softmax, x_j − max, which lie in [−708, 0] unless the row holds a NaN or
 * an infinity. With `checked` false the caller guarantees that domain; else lanes outside it go through
 * exp64, which covers every input. On the domain fdlibm's branches collapse, with every value still the
 * same IEEE operation as in exp64, so the bits are too:
 * - k = trunc(x/ln2 − 0.5) for x < −ln2/2, else 0: fdlibm's k = −1 for x in (−1.5·ln2, −ln2/2) is that
 *   same value (the rounded x/ln2 − 0.5 is monotone in x and lies in (−2, −1] at the doubles next to
 *   both ends of that interval, which the exp tests sweep).
 * - For k = 0, hi = x and lo = +0, so fdlibm's k ≠ 0 formula 1 − ((lo + q) − hi), times 2^0, is its k = 0
 *   formula 1 − (q − r) (with q = r·c/(c − 2) = −r·c/(2 − c) exactly).
 * - 2^k comes from k + (2^52 + 1023), which is exact and holds k + 1023 (in [1, 1023]) in its low mantissa
 *   bits: shifted up by 52 they are the exponent field of 2^k.
 */
// @ts-ignore: decorator
@inline
export function expSoftmax2(x: v128, checked: bool): v128 {
  if (checked && !v128.all_true<i64>(v128.and(f64x2.ge(x, v128.load(C_MIN)), f64x2.le(x, v128.load(C_ZERO))))) {
    return exp64Lanes(x);
  }
  const kBig = f64x2.trunc(f64x2.add(f64x2.mul(v128.load(C_INV_LN2), x), v128.load(C_MHALF)));
  // +0 where x is not reduced, which gives hi = x and lo = +0 exactly, as the unreduced scalar path.
  const k = v128.and(kBig, f64x2.lt(x, v128.load(C_KRED)));
  const hi = f64x2.sub(x, f64x2.mul(k, v128.load(C_LN2_HI)));
  const lo = f64x2.mul(k, v128.load(C_LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let poly = f64x2.add(v128.load(C_P4), f64x2.mul(t, v128.load(C_P5)));
  poly = f64x2.add(v128.load(C_P3), f64x2.mul(t, poly));
  poly = f64x2.add(v128.load(C_P2), f64x2.mul(t, poly));
  poly = f64x2.add(v128.load(C_P1), f64x2.mul(t, poly));
  const c = f64x2.sub(r, f64x2.mul(t, poly));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(c, v128.load(C_TWO)));
  const one = v128.load(C_ONE);
  const y = f64x2.sub(one, f64x2.sub(f64x2.add(lo, q), hi));
  const scale = i64x2.shl(f64x2.add(k, v128.load(C_BIAS)), 52);
  // |x| < 2^−28: fdlibm returns 1 + x.
  return v128.bitselect(f64x2.add(one, x), f64x2.mul(y, scale), f64x2.gt(x, v128.load(C_TINY)));
}

/**
 * expSoftmax2 (unchecked) of the two vectors at p and p + 16, in place, with the two computations
 * interleaved operation by operation so that each one's long dependency chain overlaps the other's.
 */
// @ts-ignore: decorator
@inline
export function expSoftmaxPair(p: usize): void {
  const xa = v128.load(p);
  const xb = v128.load(p, 16);
  const inv = v128.load(C_INV_LN2);
  const mh = v128.load(C_MHALF);
  const red = v128.load(C_KRED);
  const ka = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(inv, xa), mh)), f64x2.lt(xa, red));
  const kb = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(inv, xb), mh)), f64x2.lt(xb, red));
  const lnHi = v128.load(C_LN2_HI);
  const lnLo = v128.load(C_LN2_LO);
  const hia = f64x2.sub(xa, f64x2.mul(ka, lnHi));
  const hib = f64x2.sub(xb, f64x2.mul(kb, lnHi));
  const loa = f64x2.mul(ka, lnLo);
  const lob = f64x2.mul(kb, lnLo);
  const ra = f64x2.sub(hia, loa);
  const rb = f64x2.sub(hib, lob);
  const ta = f64x2.mul(ra, ra);
  const tb = f64x2.mul(rb, rb);
  const p5 = v128.load(C_P5);
  const p4 = v128.load(C_P4);
  let pa = f64x2.add(p4, f64x2.mul(ta, p5));
  let pb = f64x2.add(p4, f64x2.mul(tb, p5));
  const p3 = v128.load(C_P3);
  pa = f64x2.add(p3, f64x2.mul(ta, pa));
  pb = f64x2.add(p3, f64x2.mul(tb, pb));
  const p2 = v128.load(C_P2);
  pa = f64x2.add(p2, f64x2.mul(ta, pa));
  pb = f64x2.add(p2, f64x2.mul(tb, pb));
  const p1 = v128.load(C_P1);
  pa = f64x2.add(p1, f64x2.mul(ta, pa));
  pb = f64x2.add(p1, f64x2.mul(tb, pb));
  const ca = f64x2.sub(ra, f64x2.mul(ta, pa));
  const cb = f64x2.sub(rb, f64x2.mul(tb, pb));
  const two = v128.load(C_TWO);
  const qa = f64x2.div(f64x2.mul(ra, ca), f64x2.sub(ca, two));
  const qb = f64x2.div(f64x2.mul(rb, cb), f64x2.sub(cb, two));
  const one = v128.load(C_ONE);
  const ya = f64x2.sub(one, f64x2.sub(f64x2.add(loa, qa), hia));
  const yb = f64x2.sub(one, f64x2.sub(f64x2.add(lob, qb), hib));
  const bias = v128.load(C_BIAS);
  const sa = i64x2.shl(f64x2.add(ka, bias), 52);
  const sb = i64x2.shl(f64x2.add(kb, bias), 52);
  const tiny = v128.load(C_TINY);
  v128.store(p, v128.bitselect(f64x2.add(one, xa), f64x2.mul(ya, sa), f64x2.gt(xa, tiny)));
  v128.store(p, v128.bitselect(f64x2.add(one, xb), f64x2.mul(yb, sb), f64x2.gt(xb, tiny)), 16);
}

/** expSoftmaxPair over the four vectors at p … p + 48 (two j of a four-row group), interleaved likewise. */
// @ts-ignore: decorator
@inline
export function expSoftmaxQuad(p: usize): void {
  const xa = v128.load(p, 0);
  const xb = v128.load(p, 16);
  const xc = v128.load(p, 32);
  const xd = v128.load(p, 48);
  const inv = v128.load(C_INV_LN2);
  const mh = v128.load(C_MHALF);
  const red = v128.load(C_KRED);
  const ka = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(inv, xa), mh)), f64x2.lt(xa, red));
  const kb = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(inv, xb), mh)), f64x2.lt(xb, red));
  const kc = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(inv, xc), mh)), f64x2.lt(xc, red));
  const kd = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(inv, xd), mh)), f64x2.lt(xd, red));
  const lnHi = v128.load(C_LN2_HI);
  const lnLo = v128.load(C_LN2_LO);
  const hia = f64x2.sub(xa, f64x2.mul(ka, lnHi));
  const hib = f64x2.sub(xb, f64x2.mul(kb, lnHi));
  const hic = f64x2.sub(xc, f64x2.mul(kc, lnHi));
  const hid = f64x2.sub(xd, f64x2.mul(kd, lnHi));
  const loa = f64x2.mul(ka, lnLo);
  const lob = f64x2.mul(kb, lnLo);
  const loc = f64x2.mul(kc, lnLo);
  const lod = f64x2.mul(kd, lnLo);
  const ra = f64x2.sub(hia, loa);
  const rb = f64x2.sub(hib, lob);
  const rc = f64x2.sub(hic, loc);
  const rd = f64x2.sub(hid, lod);
  const ta = f64x2.mul(ra, ra);
  const tb = f64x2.mul(rb, rb);
  const tc = f64x2.mul(rc, rc);
  const td = f64x2.mul(rd, rd);
  const p5 = v128.load(C_P5);
  const p4 = v128.load(C_P4);
  let pa = f64x2.add(p4, f64x2.mul(ta, p5));
  let pb = f64x2.add(p4, f64x2.mul(tb, p5));
  let pc = f64x2.add(p4, f64x2.mul(tc, p5));
  let pd = f64x2.add(p4, f64x2.mul(td, p5));
  const p3c = v128.load(C_P3);
  pa = f64x2.add(p3c, f64x2.mul(ta, pa));
  pb = f64x2.add(p3c, f64x2.mul(tb, pb));
  pc = f64x2.add(p3c, f64x2.mul(tc, pc));
  pd = f64x2.add(p3c, f64x2.mul(td, pd));
  const p2c = v128.load(C_P2);
  pa = f64x2.add(p2c, f64x2.mul(ta, pa));
  pb = f64x2.add(p2c, f64x2.mul(tb, pb));
  pc = f64x2.add(p2c, f64x2.mul(tc, pc));
  pd = f64x2.add(p2c, f64x2.mul(td, pd));
  const p1c = v128.load(C_P1);
  pa = f64x2.add(p1c, f64x2.mul(ta, pa));
  pb = f64x2.add(p1c, f64x2.mul(tb, pb));
  pc = f64x2.add(p1c, f64x2.mul(tc, pc));
  pd = f64x2.add(p1c, f64x2.mul(td, pd));
  const ca = f64x2.sub(ra, f64x2.mul(ta, pa));
  const cb = f64x2.sub(rb, f64x2.mul(tb, pb));
  const cc = f64x2.sub(rc, f64x2.mul(tc, pc));
  const cd = f64x2.sub(rd, f64x2.mul(td, pd));
  const two = v128.load(C_TWO);
  const qa = f64x2.div(f64x2.mul(ra, ca), f64x2.sub(ca, two));
  const qb = f64x2.div(f64x2.mul(rb, cb), f64x2.sub(cb, two));
  const qc = f64x2.div(f64x2.mul(rc, cc), f64x2.sub(cc, two));
  const qd = f64x2.div(f64x2.mul(rd, cd), f64x2.sub(cd, two));
  const one = v128.load(C_ONE);
  const ya = f64x2.sub(one, f64x2.sub(f64x2.add(loa, qa), hia));
  const yb = f64x2.sub(one, f64x2.sub(f64x2.add(lob, qb), hib));
  const yc = f64x2.sub(one, f64x2.sub(f64x2.add(loc, qc), hic));
  const yd = f64x2.sub(one, f64x2.sub(f64x2.add(lod, qd), hid));
  const bias = v128.load(C_BIAS);
  const sa = i64x2.shl(f64x2.add(ka, bias), 52);
  const sb = i64x2.shl(f64x2.add(kb, bias), 52);
  const sc = i64x2.shl(f64x2.add(kc, bias), 52);
  const sd = i64x2.shl(f64x2.add(kd, bias), 52);
  const tiny = v128.load(C_TINY);
  v128.store(p, v128.bitselect(f64x2.add(one, xa), f64x2.mul(ya, sa), f64x2.gt(xa, tiny)), 0);
  v128.store(p, v128.bitselect(f64x2.add(one, xb), f64x2.mul(yb, sb), f64x2.gt(xb, tiny)), 16);
  v128.store(p, v128.bitselect(f64x2.add(one, xc), f64x2.mul(yc, sc), f64x2.gt(xc, tiny)), 32);
  v128.store(p, v128.bitselect(f64x2.add(one, xd), f64x2.mul(yd, sd), f64x2.gt(xd, tiny)), 48);
}
