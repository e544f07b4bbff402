/** Clenshaw summation of Σ c_k T_k(t) for |t| <= 1 (stable in plain float64). */
export function chebyshev(c: Float64Array, t: number): number {
  let b1 = 0;
  let b2 = 0;
  const t2 = 2 * t;
  for (let k = c.length - 1; k >= 1; k--) {
    const b0 = c[k] + t2 * b1 - b2;
    b2 = b1;
    b1 = b0;
  }
  return c[0] + t * b1 - b2;
}
