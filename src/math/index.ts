// Elementary functions built only from IEEE-exact operations (+ − × ÷ √, comparisons, exact scaling by
// powers of two, bit access), so they return the same bits in every JavaScript engine and in WebAssembly.
// Math.exp & co. are implementation-defined and must never produce numeric output in reprodiff.
// Accuracy against correctly rounded results is measured and documented in docs/NUMERICS.md.
export { erf } from "./erf.js";
export { exp, expm1 } from "./exp.js";
export { log, log1p } from "./log.js";
export { pow } from "./pow.js";
export { sigmoid } from "./sigmoid.js";
export { tanh } from "./tanh.js";
export { cos, sin } from "./trig.js";
