// The public API of reprodiff. Each concern lives in its own folder; this file only re-exports.
// Node-only code (files, the Hub cache) is reached through dynamic imports inside the loaders, so this
// entry also bundles for browsers.

export {
  assertBackendAllowed,
  assertDeterministic,
  assertDeviceAllowed,
  type BackendTraits,
  DeterminismError,
  describeEngine,
  disableFullDeterminism,
  type EngineInfo,
  enableFullDeterminism,
  isFullDeterminismEnabled,
  type NonDeterministicFeature,
  NUMERICS_VERSION,
} from "./engine/determinism.js";
export {
  type AttentionOptions,
  type Backend,
  type Conv2dOptions,
  clearPackedWeights,
  type F32,
  getBackend,
  getNumThreads,
  getPackedWeightStats,
  getThreadStatus,
  listBackends,
  ops,
  type PackedWeightStats,
  ReferenceBackend,
  referenceBackend,
  registerBackend,
  setBackend,
  setNumThreads,
  setPackedWeightBudget,
  type ThreadStatus,
  type TimestepEmbeddingOptions,
  type Weight,
} from "./engine/index.js";
export { type WasmBackend, wasmSimdSupported } from "./engine/wasm/index.js";
export {
  ConfigError,
  floatKeysOf,
  formatConfig,
  markFloat,
  parseConfig,
} from "./io/config.js";
export { type NpyArray, NpyError, npyToTensor, parseNpy, serializeNpy } from "./io/npy.js";
export { assertNotPickle, PickleCheckpointError } from "./io/pickle.js";
export {
  type RawTensor,
  SafetensorsBuffer,
  type SafetensorsDType,
  SafetensorsError,
  serializeSafetensors,
  type TensorInfo,
} from "./io/safetensors.js";
export * as math from "./math/index.js";
export * from "./models/index.js";
export * as nn from "./nn/index.js";
export * from "./pipelines/index.js";
export * as provenance from "./provenance/index.js";
export {
  generateWithProvenance,
  ProvenanceError,
  type ProvenanceRecord,
  pngWithProvenance,
  readProvenance,
  tensorSha256,
} from "./provenance/index.js";
export * from "./rng/index.js";
export * from "./schedulers/index.js";
export * from "./tensor/index.js";
export * as testing from "./testing/index.js";
export * from "./text/index.js";
