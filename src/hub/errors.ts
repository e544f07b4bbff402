// Errors of the Hub client, each naming the repository, revision and file involved.

export class HubError extends Error {
  override name = "HubError";
}

/** The repository does not exist, or is private/gated and no valid token was sent. */
export class RepositoryNotFoundError extends HubError {
  override name = "RepositoryNotFoundError";
}

export class RevisionNotFoundError extends HubError {
  override name = "RevisionNotFoundError";
}

/** The file does not exist in the repository at that revision. */
export class EntryNotFoundError extends HubError {
  override name = "EntryNotFoundError";
}

/** Offline (HF_HUB_OFFLINE=1 or localFilesOnly) and the cache does not hold what was asked for. */
export class LocalEntryNotFoundError extends HubError {
  override name = "LocalEntryNotFoundError";
}

/** A downloaded file does not match the size or hash the Hub announced. */
export class CorruptDownloadError extends HubError {
  override name = "CorruptDownloadError";
}

/** The repository only offers pickle weights, which reprodiff refuses to load. */
export class PickleOnlyRepositoryError extends HubError {
  override name = "PickleOnlyRepositoryError";
}
