// Logistic function 1/(1 + e^−x) = e^x/(1 + e^x). With q = exp(−|x|) <= 1, the quotient n/(1 + q)
// (n = 1 for x >= 0, n = q otherwise) is computed with the exact error of 1 + q and of the division
// folded back in, so only exp's own error and one final rounding remain.
import { twoProductError, twoSumError } from "./dd.js";
import { exp } from "./exp.js";

/** sigmoid(x) = 1/(1 + e^−x); sigmoid(−Infinity) = 0, sigmoid(+Infinity) = 1. */
export function sigmoid(x: number): number {
  if (Number.isNaN(x)) return x;
  const q = exp(-Math.abs(x));
  const n = x >= 0 ? 1 : q;
  const s = 1 + q;
  const e = twoSumError(1, q, s);
  const y0 = n / s;
  const p = y0 * s;
  const rem = n - p - twoProductError(y0, s, p); // n − y0·s exactly
  return y0 + (rem - y0 * e) / s;
}
