// Exact widening of IEEE binary16 and bfloat16 bit patterns to float32 values (every half value is
// representable in float32, so no rounding is involved). Model weights stored in half precision stay
// half in memory and are widened with these at the moment a kernel needs them (docs/NUMERICS.md R11).

import { Tensor } from "./tensor.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Half dtypes a tensor may store (as Uint16Array bit patterns). */
export type HalfDType = "float16" | "bfloat16";

export function float16BitsToNumber(h: number): number {
  u32[0] = float16BitsToFloat32Bits(h);
  return f32[0];
}

/** The float32 bit pattern of a binary16 value: sign, exponent rebiased, mantissa shifted (NaN payloads kept, as torch does). */
function float16BitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f80_0000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal half: normalise the mantissa into a float32 normal (exact: it has at most 10 significant bits).
  let e = 113;
  let m = mantissa;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

export function bfloat16BitsToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** All 65536 binary16 patterns as float32 bits: a table lookup is the fastest exact widening in JS. */
let float16Table: Uint32Array | null = null;

function table(): Uint32Array {
  if (float16Table === null) {
    float16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) float16Table[h] = float16BitsToFloat32Bits(h);
  }
  return float16Table;
}

/** Widens `src` (half bit patterns) into `dst` starting at `dstOffset`, exactly. */
export function widenHalfInto(dtype: HalfDType, src: Uint16Array, dst: Float32Array, dstOffset = 0): void {
  if (dstOffset < 0 || dstOffset + src.length > dst.length) {
    throw new RangeError(`widenHalfInto: ${src.length} values do not fit at offset ${dstOffset} of ${dst.length}`);
  }
  const out = new Uint32Array(dst.buffer, dst.byteOffset + dstOffset * 4, src.length);
  if (dtype === "bfloat16") {
    for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
    return;
  }
  const t = table();
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
}

export function widenFloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  widenHalfInto("float16", bits, out);
  return out;
}

export function widenBfloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  widenHalfInto("bfloat16", bits, out);
  return out;
}

/** A float32 tensor with the same values: float32 input is returned as is, half input widened exactly. */
export function widenToFloat32(t: Tensor<"float32" | HalfDType>): Tensor<"float32"> {
  if (t.dtype === "float32") return t as Tensor<"float32">;
  const bits = t.data as Uint16Array;
  return Tensor.from(t.dtype === "float16" ? widenFloat16(bits) : widenBfloat16(bits), t.shape);
}
