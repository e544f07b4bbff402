// Bit-exact emulations of other libraries' numerics (glibc, SLEEF, NumPy, PyTorch's AVX2 kernels): where
// reprodiff must round exactly as the reference stack does, not merely accurately. Each file is named for
// what it reproduces; all of it uses only IEEE-exact operations, like the rest of src/math.
export { cephesLogf, cephesSincosf } from "./cephes-f32.js";
export { fma, fmaF32 } from "./fma.js";
export { glibcLog } from "./glibc-log.js";
export { glibcCos, glibcSin } from "./glibc-sincos.js";
export { numpyLogF32, numpyLogF32Array } from "./numpy-f32.js";
export { arange, interp, linspace, roundHalfEven } from "./numpy-f64.js";
export { sleefExpf, sleefExpm1f, sleefLogf } from "./sleef-f32.js";
export { cumprodF32, torchLinspaceF32 } from "./torch-f32.js";
