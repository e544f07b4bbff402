const fround = Math.fround;

/**
 * Fused multiply-add of float32 operands, rounded once to float32 (what `vfmadd` does).
 *
 * `a*b` of two floats is exact in double, so `a*b + c` is rounded only once to double; rounding that
 * double to float32 is then wrong only if it landed exactly on a float32 midpoint while the exact sum
 * did not. That case is detected and settled with the exact error of the double addition.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fround(s);
  const d = s - r;
  if (d !== 0) {
    const t = r + 2 * d;
    if (fround(t) === t) {
      // s is a float32 midpoint: round by the sign of what the double addition dropped.
      const bb = s - p;
      const err = p - (s - bb) + (c - bb);
      if (err !== 0 && err > 0 === d > 0) return t;
    }
  }
  return r;
}
