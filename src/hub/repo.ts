// Repository ids, revisions and file paths, validated before they become URLs or cache paths.
import { HubError } from "./errors.js";

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/** The rules of huggingface_hub's validate_repo_id: "name" or "namespace/name", [\w.-], at most 96 characters. */
export function validateRepoId(repoId: string): void {
  const ok =
    /^(?:[\w.-]+\/)?[\w.-]{1,96}$/.test(repoId) &&
    !repoId.includes("--") &&
    !repoId.includes("..") &&
    !repoId.endsWith(".git") &&
    repoId.split("/").every((part) => !/^[.-]|[.-]$/.test(part));
  if (!ok) {
    throw new HubError(
      `${JSON.stringify(repoId)} is neither an existing folder nor a valid Hub repository id ` +
        `("name" or "namespace/name", letters, digits, '-', '_', '.', no '--' or '..', at most 96 characters)`,
    );
  }
}

/** The cache folder name of a model repository: models--namespace--name. */
export function repoFolderName(repoId: string): string {
  return ["models", ...repoId.split("/")].join("--");
}

/** A revision must stay inside refs/ and snapshots/ when used as a path. */
export function validateRevision(revision: string): void {
  if (
    revision === "" ||
    revision.startsWith("/") ||
    revision.split("/").some((part) => part === "" || part === "." || part === "..") ||
    /[\\\0]/.test(revision)
  ) {
    throw new HubError(`invalid revision ${JSON.stringify(revision)}`);
  }
}

/**
 * A repository file path (from the caller or from the server's listing) must be relative, use '/',
 * and never climb out of the snapshot folder.
 */
export function validateRepoFilePath(path: string): void {
  if (
    path === "" ||
    path.startsWith("/") ||
    /[\\\0]/.test(path) ||
    path.split("/").some((part) => part === "" || part === "." || part === "..")
  ) {
    throw new HubError(`invalid repository file path ${JSON.stringify(path)}`);
  }
}

/** The URL of a file: {endpoint}/{repo}/resolve/{revision}/{path}, quoted like huggingface_hub's hf_hub_url. */
export function resolveUrl(endpoint: string, repoId: string, revision: string, path: string): string {
  const file = path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${file}`;
}
