// The Hub client and its Python-compatible cache (Node only).
export {
  type DiffusersResolveOptions,
  type PipelineResolveOptions,
  resolveModelFiles,
  resolvePipelineFiles,
} from "./diffusers.js";
export type { ProgressCallback, ProgressEvent } from "./download.js";
export { hfHome, hubCacheDir, hubEndpoint, hubToken, isOfflineMode } from "./env.js";
export {
  CorruptDownloadError,
  EntryNotFoundError,
  HubError,
  LocalEntryNotFoundError,
  PickleOnlyRepositoryError,
  RepositoryNotFoundError,
  RevisionNotFoundError,
} from "./errors.js";
export { HubNetworkError } from "./http.js";
export {
  type FileSelector,
  findLocalFolder,
  type HubOptions,
  hubDownloadFile,
  hubTryDownloadFile,
  type ResolvedModel,
  resolveModel,
  type SnapshotOptions,
  snapshotDownload,
} from "./hub.js";
export { filterRepoFiles } from "./patterns.js";
export { repoFolderName } from "./repo.js";
export { isWeightFile, pipelineComponents, selectModelFiles, selectPipelineFiles } from "./select.js";
