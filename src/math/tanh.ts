// tanh: for |x| < 0.75 an odd polynomial x + x³·g(x²) (g a Chebyshev expansion from
// scripts/gen-math-constants.py); above, 1 − 2/(expm1(2|x|) + 2) with the sum, the quotient and the final
// subtraction carried with their exact rounding errors, so the result is rounded essentially once.
import { chebyshev } from "./chebyshev.js";
import { twoProductError, twoSumError } from "./dd.js";
import { expm1 } from "./exp.js";

// (tanh(x)/x − 1)/x² in u = x² on [0, 0.5625].
const G = Float64Array.from([
  -0.3012218844377193, 0.03046666604108262, -0.0015604264287606045, 8.002936128667536e-5, -4.1051035978425235e-6,
  2.1057516651383283e-7, -1.0801676988504634e-8, 5.540836579153878e-10, -2.8422319126863648e-11, 1.4579535353148995e-12,
  -7.478730017525869e-14, 3.8362952812773335e-15, -1.9678690700254612e-16, 1.009439660572157e-17,
  -5.1779939322634345e-19,
]);

/** Hyperbolic tangent; tanh(±Infinity) = ±1. */
export function tanh(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 3.725290298461914e-9) return x; // |x| < 2^-28: tanh(x) = x to within half an ulp
  if (ax < 0.75) {
    const u = x * x;
    return x + x * u * chebyshev(G, (2 * u - 0.5625) / 0.5625);
  }
  if (ax >= 22) return x < 0 ? -1 : 1; // tanh(22) rounds to 1
  // q = 2/(t + 2) with t = expm1(2|x|): s + e = t + 2 exactly, q0 = 2/s rounded, then the first-order
  // correction for both e and the division's rounding.
  const t = expm1(2 * ax);
  const s = t + 2;
  const e = twoSumError(t, 2, s);
  const q0 = 2 / s;
  const p = q0 * s;
  const rem = 2 - p - twoProductError(q0, s, p); // 2 − q0·s exactly (p is within an ulp of 2)
  const corr = (rem - q0 * e) / s;
  const z0 = 1 - q0;
  const z = z0 + (twoSumError(1, -q0, z0) - corr);
  return x < 0 ? -z : z;
}
