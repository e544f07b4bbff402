// Float32 transcendental functions of a float32 argument (torch's exp / expm1 / log on a 0-dim float32
// tensor), evaluated with reprodiff's own float64 functions and rounded once: correctly rounded except in
// rare near-tie cases, and identical on every JS engine.
import { exp, expm1, log } from "../math/index.js";
import { f32 } from "./tensor-ops.js";

export const expF32 = (x: number): number => f32(exp(f32(x)));
export const expm1F32 = (x: number): number => f32(expm1(f32(x)));
export const logF32Scalar = (x: number): number => f32(log(f32(x)));
