// The Node.js entry (package.json's "node" condition): everything in the browser-safe core plus the parts
// that need the file system or the network stack — lazy safetensors files, .npy files, configs on disk
// and the huggingface_hub-compatible cache.
export * from "./hub/index.js";
export * from "./index.js";
export { readConfigFile, writeConfigFile } from "./io/config.node.js";
export { loadNpy, saveNpy } from "./io/npy.node.js";
export { loadSafetensors, SafetensorsFile, SafetensorsShards, saveSafetensors } from "./io/safetensors-file.node.js";
export { LocalModelFolder } from "./models/folder.node.js";
export { BUNDLED_MODEL_NAME, bundledModelPath } from "./pipelines/bundled.node.js";
export * as provenance from "./provenance/index.node.js";
export {
  formatVerifyReport,
  readProvenanceFile,
  recordManifest,
  replayPng,
  replayRecord,
  verifyManifest,
} from "./provenance/index.node.js";
