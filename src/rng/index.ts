export { DEFAULT_SEED, Generator, normalizeSeed, STATE_BYTES } from "./generator.js";
export { type RandnTensorOptions, randnTensor } from "./randn-tensor.js";
export {
  defaultGenerator,
  manualSeed,
  type RandintDType,
  type RandomFloatDType,
  type RandomOptions,
  rand,
  randint,
  randn,
} from "./random.js";
