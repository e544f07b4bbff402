// The repository listing of a commit, cached as huggingface_hub (>= 1.x) caches it, in
// <storage>/trees/<commit>.json — a commit is immutable, so its listing never goes stale. With it, an
// offline run can choose files from the complete listing rather than from what happens to be cached.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { RepoFileEntry } from "./api.js";
import type { RepoCache } from "./cache.js";
import { validateRepoFilePath, validateRevision } from "./repo.js";

const FORMAT_VERSION = 1;

function treePath(cache: RepoCache, commit: string): string {
  validateRevision(commit);
  return join(cache.storage, "trees", `${commit}.json`);
}

export async function readTreeCache(cache: RepoCache, commit: string): Promise<RepoFileEntry[] | null> {
  try {
    const data = JSON.parse(await readFile(treePath(cache, commit), "utf8")) as {
      format_version?: number;
      files?: Record<string, { size: number; blob_id: string; lfs_sha256?: string; lfs_size?: number }>;
    };
    if (data.format_version !== FORMAT_VERSION || data.files === undefined) return null;
    return Object.entries(data.files).map(([path, f]) => {
      validateRepoFilePath(path);
      return {
        path,
        size: f.size,
        blobId: f.blob_id,
        ...(f.lfs_sha256 ? { lfs: { sha256: f.lfs_sha256, size: f.lfs_size ?? f.size } } : {}),
      };
    });
  } catch {
    return null;
  }
}

export async function writeTreeCache(
  cache: RepoCache,
  commit: string,
  entries: readonly RepoFileEntry[],
): Promise<void> {
  const files: Record<string, unknown> = {};
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    files[e.path] = {
      size: e.size,
      blob_id: e.blobId,
      ...(e.lfs ? { lfs_sha256: e.lfs.sha256, lfs_size: e.lfs.size } : {}),
    };
  }
  const path = treePath(cache, commit);
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(tmp, JSON.stringify({ format_version: FORMAT_VERSION, files }, null, 1));
    await rename(tmp, path);
  } catch {
    // Only an optimisation for later offline runs; a read-only cache must not fail the download.
  }
}
