// `reprodiff/testing`: helpers for testing pipelines against golden outputs.

// The hashes provenance records: equal hashes mean bit-identical outputs.
export { Sha256, sha256Hex, tensorBytes, tensorSha256 } from "../provenance/sha256.js";
export {
  AssertionCloseError,
  assertClose,
  type CloseOptions,
  type CloseReport,
  compareClose,
  cosineSimilarityDistance,
  maxAbsDiff,
  meanAbsDiff,
  type Numeric,
} from "./compare.js";
export { type SliceIndex, sliceTensor } from "./slice.js";
