// Provenance in Node: model files and their hashes, PNG files, replay, golden manifests.
export { readProvenanceFile } from "./file.node.js";
export * from "./index.js";
export {
  type CaseReport,
  formatVerifyReport,
  type RecordOptions,
  readManifest,
  recordManifest,
  type VerifyOptions,
  type VerifyReport,
  verifyManifest,
} from "./manifest.node.js";
export { BUNDLED_MODEL_ID, type PipelineSource, resolvePipelineSource, sha256File } from "./model.node.js";
export {
  type LoadSpec,
  loadRecordedPipeline,
  registerReplayablePipeline,
  replayablePipelines,
} from "./pipelines.node.js";
export { type ReplayOptions, type ReplayReport, replayPng, replayRecord } from "./replay.node.js";
