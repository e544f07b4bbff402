// Provenance: the record of how an output was made, in every PNG reprodiff writes (browser-safe part).
export { fromBase64, toBase64 } from "./base64.js";
export {
  buildRecord,
  captureCall,
  captureGenerators,
  type GeneratingPipeline,
  generateWithProvenance,
  pngWithProvenance,
  readProvenance,
  renderImage,
  restoreGenerators,
} from "./capture.js";
export {
  explainDifferences,
  type FloatDifference,
  floatDifference,
  modelFileReasons,
  type PixelDifference,
  pixelDifference,
  type Reason,
} from "./compare.js";
export {
  type ArrayExpectation,
  type CheckResult,
  checkExpectations,
  DEFAULT_SLICE,
  type Expectations,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  type Manifest,
  type ManifestCase,
  ManifestError,
  parseManifest,
} from "./manifest.js";
export {
  type ByteSource,
  bytesSource,
  crc32,
  insertITxt,
  listChunks,
  MAX_PROVENANCE_BYTES,
  PROVENANCE_KEYWORD,
  ProvenanceError,
  readProvenanceText,
} from "./png.js";
export {
  type GeneratorRecord,
  type GeneratorsRecord,
  type ImageRecord,
  type JsonValue,
  type ModelFileRecord,
  type ModelRecord,
  PROVENANCE_FORMAT,
  PROVENANCE_FORMAT_VERSION,
  type ProvenanceRecord,
  parseRecord,
  parseRecordText,
} from "./record.js";
export { Sha256, sha256Hex, tensorBytes, tensorSha256 } from "./sha256.js";
export { LIBRARY_VERSION } from "./version.js";
