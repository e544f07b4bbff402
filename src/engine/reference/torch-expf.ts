// PyTorch 1.13's float32 exp on x86 CPUs with AVX2 (how Diffusers' reference results are produced): SLEEF's
// expf_u10 with fused multiply-adds. Used only where torch's own float32 rounding is part of the
// canonical result (the timestep-embedding frequencies, NUMERICS.md §R10): a correctly rounded exp
// differs from it by one float32 ulp on about 10% of the frequencies, which moves sin(t·freq) by up to
// 6e-5 at t = 999. Every step is emulated exactly with IEEE float64 operations.
import { pow2 } from "../../math/bits.js";
import { twoSumError } from "../../math/dd.js";

const fround = Math.fround;

/** f32(a·b + c) with a single rounding, for float32 a, b, c (the FMA of AVX2). */
export function fmaf32(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit significands fit in float64
  const s = p + c;
  const err = twoSumError(p, c, s); // p + c = s + err exactly
  const r = fround(s);
  if (err === 0 || r === s) return r;
  // s is rounded; err can change the float32 result only when s lies exactly halfway between two float32s,
  // i.e. when its mirror image 2s − r is itself a float32 (the neighbour of r).
  const mirror = s + (s - r);
  if (fround(mirror) !== mirror) return r;
  return err > 0 === mirror > r ? mirror : r;
}

const R_LN2F = fround(1.4426950216293335); // 1/ln2 in float32
const L2UF = fround(0.693145751953125);
const L2LF = fround(1.428606765330187e-6);
const C0 = fround(0.00019852761761285365);
const C1 = fround(0.0013930435525253415);
const C2 = fround(0.008333360776305199);
const C3 = fround(0.041666485369205475);
const C4 = fround(0.1666666716337204);

/** Round half to even (the rounding of cvtps2dq under the default MXCSR). */
function rintEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** torch.exp on a float32 value (AVX2 build): SLEEF xexpf with FMA; input and output are float32 values. */
export function torchExpf32(d: number): number {
  if (Number.isNaN(d)) return d;
  if (d > 100) return Number.POSITIVE_INFINITY;
  if (d < -104) return 0;
  const q = rintEven(fround(d * R_LN2F));
  let s = fmaf32(q, -L2UF, d);
  s = fmaf32(q, -L2LF, s);
  let u = C0;
  u = fmaf32(u, s, C1);
  u = fmaf32(u, s, C2);
  u = fmaf32(u, s, C3);
  u = fmaf32(u, s, C4);
  u = fmaf32(u, s, 0.5);
  u = fround(1 + fmaf32(fround(s * s), u, s));
  // vldexp2: scale by 2^(q>>1) twice-ish so that neither factor overflows; exact within float32's range.
  const h = q >> 1;
  return fround(fround(u * pow2(h)) * pow2(q - h));
}
