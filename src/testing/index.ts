// `reprodiff/testing`: helpers for testing pipelines against golden outputs.
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
