import { expm1 } from "./exp.js";

/** Hyperbolic tangent via expm1 (fdlibm's method); tanh(±Infinity) = ±1. */
export function tanh(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  let z: number;
  if (ax >= 22) {
    z = 1; // tanh(22) rounds to 1
  } else if (ax < 3.725290298461914e-9) {
    return x; // |x| < 2^-28: tanh(x) = x to within half an ulp
  } else if (ax >= 1) {
    z = 1 - 2 / (expm1(2 * ax) + 2);
  } else {
    const t = expm1(-2 * ax);
    z = -t / (t + 2);
  }
  return x < 0 ? -z : z;
}
