// Exact widening of IEEE binary16 to float32 (docs/NUMERICS.md R11), eight values per step. Every half
// value is a float32 value, so this is bit manipulation, not arithmetic that could round:
//  - normal and Inf/NaN: the exponent is rebiased and the mantissa shifted (NaN payloads kept);
//  - zero and subnormal (exponent 0): mantissa * 2^-24, an integer below 1024 times a power of two (exact).

const NORMAL_BIAS: i32 = 112 << 23; // (127 - 15) in the float32 exponent field
const SUBNORMAL_SCALE: f32 = 5.9604644775390625e-8; // 2^-24

@inline
function widen4(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  const magnitude = v128.and(h, i32x4.splat(0x7fff));
  const exponent = v128.and(h, i32x4.splat(0x7c00));
  const normal = i32x4.add(i32x4.shl(magnitude, 13), i32x4.splat(NORMAL_BIAS));
  const special = i32x4.add(normal, i32x4.splat(NORMAL_BIAS)); // exponent 31 -> 255
  const tiny = f32x4.mul(f32x4.convert_i32x4_u(magnitude), f32x4.splat(SUBNORMAL_SCALE));
  let bits = v128.bitselect(special, normal, i32x4.eq(exponent, i32x4.splat(0x7c00)));
  bits = v128.bitselect(tiny, bits, i32x4.eq(exponent, i32x4.splat(0)));
  return v128.or(bits, sign);
}

@inline
function widen1(h: i32): u32 {
  const sign = <u32>(h & 0x8000) << 16;
  const magnitude = h & 0x7fff;
  const exponent = h & 0x7c00;
  if (exponent == 0) return reinterpret<u32>(<f32>magnitude * SUBNORMAL_SCALE) | sign;
  const normal = <u32>((magnitude << 13) + NORMAL_BIAS);
  return (exponent == 0x7c00 ? normal + <u32>NORMAL_BIAS : normal) | sign;
}

/** dst[i] (float32) = src[i] (binary16 bits), i < n. */
export function widenF16(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const h = v128.load(src + (<usize>i << 1));
    v128.store(dst + (<usize>i << 2), widen4(i32x4.extend_low_i16x8_u(h)));
    v128.store(dst + (<usize>i << 2) + 16, widen4(i32x4.extend_high_i16x8_u(h)));
  }
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), widen1(<i32>load<u16>(src + (<usize>i << 1))));
}
