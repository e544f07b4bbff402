// Error-free transformations for double-double arithmetic without fused multiply-add: Knuth's TwoSum
// and Dekker's TwoProduct with Veltkamp splitting. Each returns the rounding error of a plain operation,
// so a + b == s + twoSumError(a, b, s) exactly (barring overflow).

const SPLIT = 134217729; // 2^27 + 1

/** For s = a + b (rounded), the exact error (a + b) − s. */
export function twoSumError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/** For p = a · b (rounded), the exact error a·b − p (|a|, |b| well inside the normal range). */
export function twoProductError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
