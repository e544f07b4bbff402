// torch.exp / torch.expm1 / torch.log on float32 tensors (0-dim included): SLEEF's u10 kernels, bit-exact.
export { sleefExpf as expF32, sleefExpm1f as expm1F32, sleefLogf as logF32Scalar } from "./sleef.js";
