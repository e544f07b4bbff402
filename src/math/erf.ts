// erf: a Taylor series around 0 for |x| < 0.75; erf(1) + t·g(t) with t = |x| − 1 (exact) for
// 0.75 <= |x| < 1.25; and 1 − e^(−x²)·F(x) for 1.25 <= |x| < 6 with F(x) = e^(x²)·erfc(x) (smooth,
// ~1/(x√π)). g and F are Chebyshev expansions whose coefficients come from
// scripts/gen-math-constants.py (mpmath). erf(x) rounds to ±1 for |x| >= 6.
import { chebyshev } from "./chebyshev.js";
import { exp } from "./exp.js";

const TWO_OVER_SQRT_PI_MINUS_1 = 0.12837916709551256; // 2/√π − 1

// erf(x) = (2/√π)·Σ (−1)^n x^(2n+1) / (n!(2n+1)); TAYLOR[n−1] holds the n >= 1 terms' rational factor.
// Computed once with plain IEEE operations (each coefficient rounded a few times, far below the result's ulp).
const TAYLOR_TERMS = 20;
const TAYLOR = new Float64Array(TAYLOR_TERMS);
{
  let factorial = 1;
  for (let n = 1; n <= TAYLOR_TERMS; n++) {
    factorial *= n;
    TAYLOR[n - 1] = (n % 2 === 1 ? -1 : 1) / (factorial * (2 * n + 1));
  }
}

// Chebyshev coefficients of F on [1, 1.5], [1.5, 2.25], [2.25, 3.5], [3.5, 6].
const F_1 = [
  0.3711927943420716, -0.052799551940465685, 0.00338076236159189, -0.00019896338415156294, 1.0911979120987141e-5,
  -5.632372066195936e-7, 2.7564656102315984e-8, -1.2864435796900215e-9, 5.75189434369204e-11, -2.473180238194912e-12,
  1.0258794609509954e-13, -4.116181633716858e-15, 1.6012087627373837e-16, -6.050928290560038e-18, 2.22245484145568e-19,
];
const F_2 = [
  0.27286609100126274, -0.04499865071157047, 0.003453106367087206, -0.00024930874647525076, 1.7070132203849834e-5,
  -1.1151797928725097e-6, 6.984599996613682e-8, -4.210276590909072e-9, 2.4504392348400456e-10, -1.3807395478381489e-11,
  7.549398720615535e-13, -4.013355681120797e-14, 2.078019547459287e-15, -1.0495433061856768e-16, 5.17780058046504e-18,
  -2.492672140144064e-19,
];
const F_3 = [
  0.18959389852536504, -0.037568205483436354, 0.0035675566293223394, -0.00032611623693129077, 2.879609862272375e-5,
  -2.463201735265235e-6, 2.0460572552220813e-7, -1.653785424654381e-8, 1.3030293095597385e-9, -1.0023391273965669e-10,
  7.537931643017606e-12, -5.548706665965723e-13, 4.0022365084016684e-14, -2.8314399480867915e-15,
  1.9664707919813207e-16, -1.3417838802140207e-17, 8.963280879358976e-19,
];
const F_4 = [
  0.12011119518612726, -0.03077508367843977, 0.003865397162805732, -0.00047649553104630324, 5.770371528146291e-5,
  -6.87063803752421e-6, 8.049536979209691e-7, -9.285957122953073e-8, 1.055453759031051e-8, -1.1826607946099641e-9,
  1.3071369079163705e-10, -1.4257239280506568e-11, 1.5353276736774002e-12, -1.6330584393840216e-13,
  1.7163606034107875e-14, -1.78312328246982e-15, 1.8317656039700646e-16, -1.8612907223455743e-17,
  1.8711449368629293e-18, -1.8441650253267154e-19,
];
// (erf(1 + t) − erf(1))/t on t in [−0.25, 0.25], and erf(1) split in two.
const G_1 = Float64Array.from([
  0.4193313376161358, -0.1029634595659274, 0.004190632061726104, 0.0002715656902278451, -3.309407979196458e-5,
  2.5027287563656234e-7, 1.1383075403112406e-7, -4.3938108680052665e-9, -2.231039018008252e-10, 1.776741386951241e-11,
  1.6561420322159738e-13, -4.547011845047887e-14, 5.105640520241574e-16, 8.44863594435888e-17, -2.3963174997978063e-18,
]);
const ERF1_HI = 0.8427007929497149;
const ERF1_LO = -2.4801011789118602e-17;
const F_COEFFS = [Float64Array.from(F_1), Float64Array.from(F_2), Float64Array.from(F_3), Float64Array.from(F_4)];

/** The error function; erf(±Infinity) = ±1. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 3.725290298461914e-9) return x + TWO_OVER_SQRT_PI_MINUS_1 * x; // |x| < 2^-28 (keeps −0)
  if (ax < 0.75) {
    // erf(x) = x + x·(2/√π − 1) + (2/√π)·x·Σ_{n>=1}: the exact leading x keeps the final rounding the main error.
    const z = x * x;
    let s = TAYLOR[TAYLOR_TERMS - 1];
    for (let n = TAYLOR_TERMS - 2; n >= 0; n--) s = TAYLOR[n] + z * s;
    return x + (TWO_OVER_SQRT_PI_MINUS_1 * x + (1 + TWO_OVER_SQRT_PI_MINUS_1) * (x * (z * s)));
  }
  if (ax < 1.25) {
    const t = ax - 1;
    const r = ERF1_HI + (ERF1_LO + t * chebyshev(G_1, 4 * t));
    return x < 0 ? -r : r;
  }
  if (ax >= 6) return x < 0 ? -1 : 1;
  let f: number;
  if (ax < 1.5) f = chebyshev(F_COEFFS[0], 4 * ax - 5);
  else if (ax < 2.25) f = chebyshev(F_COEFFS[1], (8 * ax - 15) / 3);
  else if (ax < 3.5) f = chebyshev(F_COEFFS[2], (8 * ax - 23) / 5);
  else f = chebyshev(F_COEFFS[3], (8 * ax - 38) / 10);
  const r = 1 - exp(-ax * ax) * f;
  return x < 0 ? -r : r;
}
