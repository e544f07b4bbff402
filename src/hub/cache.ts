// The on-disk cache, laid out exactly as Python's huggingface_hub lays it out, so that either can
// read what the other wrote:
//   <cache>/models--namespace--name/
//     refs/<revision>                 the commit hash a branch or tag pointed to (no trailing newline)
//     blobs/<etag>                    file contents, named by git-sha1 (regular files) or sha256 (LFS)
//     snapshots/<commit>/<path>       relative symlinks to ../../blobs/<etag> (one more ../ per folder level)
//     .no_exist/<commit>/<path>       empty markers for files known not to exist at that commit
//   <cache>/.locks/models--namespace--name/<etag>.lock   (Python's lock files; ours sit beside them)
import { randomBytes } from "node:crypto";
import { copyFile, lstat, mkdir, readdir, readFile, rename, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { repoFolderName, validateRepoFilePath, validateRevision } from "./repo.js";

export interface RepoCache {
  readonly cacheDir: string;
  readonly repoId: string;
  /** <cache>/models--namespace--name */
  readonly storage: string;
}

export function repoCache(cacheDir: string, repoId: string): RepoCache {
  return { cacheDir, repoId, storage: join(cacheDir, repoFolderName(repoId)) };
}

export function snapshotDir(cache: RepoCache, commit: string): string {
  validateRevision(commit);
  return join(cache.storage, "snapshots", commit);
}

export function pointerPath(cache: RepoCache, commit: string, file: string): string {
  validateRepoFilePath(file);
  return join(snapshotDir(cache, commit), ...file.split("/"));
}

export function noExistPath(cache: RepoCache, commit: string, file: string): string {
  validateRevision(commit);
  validateRepoFilePath(file);
  return join(cache.storage, ".no_exist", commit, ...file.split("/"));
}

export function blobPath(cache: RepoCache, etag: string): string {
  if (!/^[0-9A-Za-z._-]+$/.test(etag) || etag.startsWith(".")) throw new Error(`unsafe etag ${JSON.stringify(etag)}`);
  return join(cache.storage, "blobs", etag);
}

export function lockPath(cache: RepoCache, etag: string): string {
  // Python's filelock keeps "<etag>.lock" files around after use and locks them with flock(2), which
  // Node cannot do; our lock is a separate create-exclusive file, so the two never confuse each other.
  return join(cache.cacheDir, ".locks", repoFolderName(cache.repoId), `${etag}.reprodiff.lock`);
}

export async function exists(path: string, followLinks = true): Promise<boolean> {
  try {
    await (followLinks ? stat(path) : lstat(path));
    return true;
  } catch {
    return false;
  }
}

/** The commit a branch or tag pointed to when last resolved, or null if never resolved here. */
export async function readRef(cache: RepoCache, revision: string): Promise<string | null> {
  validateRevision(revision);
  try {
    // Python writes the hash without a newline; a hand-edited ref may have one.
    const text = (await readFile(join(cache.storage, "refs", ...revision.split("/")), "utf8")).trim();
    return text === "" ? null : text;
  } catch {
    return null;
  }
}

/** Records revision -> commit (atomically; skipped when unchanged so a read-only cache still works). */
export async function writeRef(cache: RepoCache, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  if ((await readRef(cache, revision)) === commit) return;
  const path = join(cache.storage, "refs", ...revision.split("/"));
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, commit);
  await rename(tmp, path);
}

/** Marks `file` as absent at `commit`, as huggingface_hub does after a 404. */
export async function writeNoExist(cache: RepoCache, commit: string, file: string): Promise<void> {
  const path = noExistPath(cache, commit, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, "");
}

export async function isKnownMissing(cache: RepoCache, commit: string, file: string): Promise<boolean> {
  return exists(noExistPath(cache, commit, file));
}

/**
 * Points snapshots/<commit>/<file> at a blob with a relative symlink, replacing whatever was there
 * atomically (symlink under a temporary name, then rename). Where symlinks are not allowed (Windows
 * without developer mode) the blob is copied instead, as huggingface_hub does.
 */
export async function linkPointer(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const target = relative(dirname(pointer), blob);
  const tmp = `${pointer}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await symlink(target, tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "EACCES" && code !== "ENOTSUP") throw e;
    await copyFile(blob, tmp);
  }
  try {
    await rename(tmp, pointer);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Every file of a snapshot (paths relative to it, with '/'), following the symlinks to blobs. */
export async function listSnapshotFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else if (entry.name.endsWith(".tmp")) continue;
      else if (await exists(join(dir, rel))) {
        // A symlink to a folder would be odd in a snapshot; only regular files (or links to them) count.
        if ((await stat(join(dir, rel))).isFile()) out.push(rel);
      }
    }
  };
  await walk("");
  return out.sort();
}
