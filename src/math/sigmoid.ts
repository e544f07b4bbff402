import { exp } from "./exp.js";

/** Logistic function 1 / (1 + e^-x), evaluated so that neither branch overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + exp(-x));
  const e = exp(x);
  return e / (1 + e);
}
