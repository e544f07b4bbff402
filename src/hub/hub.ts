// Resolving a model id or folder to files on disk, with the Hub's HTTP API and a cache shared with
// Python's huggingface_hub (see cache.ts for the layout).
//
// Revisions: a commit hash is used as is. A branch or tag already resolved in this cache (refs/<name>)
// is served from the cache with no request at all, as long as the snapshot holds every file needed —
// a model then never changes under a user between runs, which reprodiff's reproducibility promise
// wants; `checkForUpdates: true` asks the Hub where the branch points now (huggingface_hub's default).
// Offline (HF_HUB_OFFLINE=1 or localFilesOnly) only the cache is read, never the network.
import { realpath, stat, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import { listRepoFiles, type RepoFileEntry, revisionCommit } from "./api.js";
import {
  exists,
  isKnownMissing,
  linkPointer,
  listSnapshotFiles,
  pointerPath,
  type RepoCache,
  readRef,
  repoCache,
  snapshotDir,
  writeNoExist,
  writeRef,
} from "./cache.js";
import { checkCachedFile, type DownloadContext, ensureBlob, type ProgressCallback } from "./download.js";
import { type Env, expandPath, hubCacheDir, hubEndpoint, hubToken, isOfflineMode } from "./env.js";
import { CorruptDownloadError, EntryNotFoundError, HubError, LocalEntryNotFoundError } from "./errors.js";
import { errorFromResponse, HubNetworkError, hubRequest } from "./http.js";
import { filterRepoFiles } from "./patterns.js";
import { isCommitHash, resolveUrl, validateRepoFilePath, validateRepoId, validateRevision } from "./repo.js";
import { readTreeCache, writeTreeCache } from "./tree-cache.js";

export interface HubOptions {
  /** Branch, tag or commit hash (default "main"). */
  revision?: string;
  /** Cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Never use the network (also set by HF_HUB_OFFLINE=1). */
  localFilesOnly?: boolean;
  /** Bearer token (default: $HF_TOKEN, else the token file of `huggingface-cli login`); false sends none. */
  token?: string | false;
  /** Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co). */
  endpoint?: string;
  /** Called as bytes arrive. */
  progress?: ProgressCallback;
  /** Ask the Hub where a branch or tag points now, even if the cache already resolved it. */
  checkForUpdates?: boolean;
  /** Environment to read HF_* variables from (default process.env). */
  env?: Env;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Retries after a dropped connection (default 5). */
  maxRetries?: number;
  retryDelayMs?: number;
  /** Files downloaded at once (default 4). */
  concurrency?: number;
  /** How long to wait for another process downloading the same file (default 30 min). */
  lockTimeoutMs?: number;
  /**
   * Re-hash every selected file already in the cache against the hash its blob is named by. A corrupted
   * blob is downloaded again (online) or reported as a CorruptDownloadError (offline).
   */
  verify?: boolean;
}

interface Context extends DownloadContext {
  readonly cacheDir: string;
  readonly offline: boolean;
  readonly checkForUpdates: boolean;
  readonly concurrency: number;
}

async function context(options: HubOptions): Promise<Context> {
  const env = options.env ?? process.env;
  const endpoint = (options.endpoint ?? hubEndpoint(env)).replace(/\/+$/, "");
  try {
    new URL(endpoint);
  } catch {
    throw new HubError(
      `invalid Hub endpoint ${JSON.stringify(endpoint)} (from ${options.endpoint ? "the endpoint option" : "HF_ENDPOINT"})`,
    );
  }
  return {
    endpoint,
    token: options.token === false ? undefined : (options.token ?? (await hubToken(env))),
    fetch: options.fetch ?? globalThis.fetch,
    signal: options.signal,
    userAgent: `reprodiff; node/${process.versions.node}`,
    progress: options.progress,
    maxRetries: options.maxRetries ?? 5,
    retryDelayMs: options.retryDelayMs ?? 500,
    lockTimeoutMs: options.lockTimeoutMs ?? 30 * 60_000,
    cacheDir: resolve(options.cacheDir !== undefined ? expandPath(options.cacheDir, env) : hubCacheDir(env)),
    offline: options.localFilesOnly === true || isOfflineMode(env),
    checkForUpdates: options.checkForUpdates === true,
    concurrency: Math.max(1, options.concurrency ?? 4),
  };
}

const offlineHint = (ctx: Context) =>
  ctx.offline ? " (offline: HF_HUB_OFFLINE is set or localFilesOnly was passed)" : "";

interface FileMetadata {
  commit: string;
  etag: string;
  size: number;
  location: string;
}

/** HEAD on the file's resolve URL, as huggingface_hub's get_hf_file_metadata does. */
async function fileMetadata(ctx: Context, cache: RepoCache, revision: string, file: string): Promise<FileMetadata> {
  const url = resolveUrl(ctx.endpoint, cache.repoId, revision, file);
  const res = await hubRequest(ctx, url, { method: "HEAD", headers: { "accept-encoding": "identity" } }, "same-origin");
  const commit = res.headers.get("x-repo-commit");
  const what = `${cache.repoId}@${revision}: ${file}`;
  const redirect = res.status >= 300 && res.status < 400;
  if (!res.ok && !redirect) {
    const error = await errorFromResponse(res, what);
    if (error instanceof EntryNotFoundError && commit !== null && isCommitHash(commit)) {
      // Remember the absence, as huggingface_hub does, so offline runs know too.
      await writeNoExist(cache, commit, file).catch(() => {});
      await writeRef(cache, revision, commit).catch(() => {});
    }
    throw error;
  }
  const etag = (res.headers.get("x-linked-etag") ?? res.headers.get("etag"))?.replace(/^W\//, "").replace(/^"|"$/g, "");
  const sizeText = res.headers.get("x-linked-size") ?? (redirect ? null : res.headers.get("content-length"));
  const location = res.headers.get("location");
  if (commit === null || !isCommitHash(commit))
    throw new HubError(`${what}: the server sent no X-Repo-Commit header; is ${ctx.endpoint} a Hugging Face Hub?`);
  if (!etag) throw new HubError(`${what}: the server sent no ETag; cannot cache the file reproducibly`);
  if (sizeText === null || !/^\d+$/.test(sizeText)) throw new HubError(`${what}: the server sent no file size`);
  return {
    commit,
    etag,
    size: Number(sizeText),
    location: location === null ? url : new URL(location, url).toString(),
  };
}

function checkRepo(repoId: string, revision: string): void {
  validateRepoId(repoId);
  validateRevision(revision);
}

/**
 * One file of a repository, as huggingface_hub's hf_hub_download: returns its path in the snapshot
 * (a symlink into blobs/). Throws EntryNotFoundError if the file does not exist at that revision.
 */
export async function hubDownloadFile(repoId: string, file: string, options: HubOptions = {}): Promise<string> {
  const found = await hubTryDownloadFile(repoId, file, options);
  if (found === null) {
    throw new EntryNotFoundError(`${repoId}@${options.revision ?? "main"}: ${file} does not exist in the repository`);
  }
  return found;
}

/** Like hubDownloadFile, but null when the file does not exist (known from the cache or the Hub). */
export async function hubTryDownloadFile(
  repoId: string,
  file: string,
  options: HubOptions = {},
): Promise<string | null> {
  const revision = options.revision ?? "main";
  checkRepo(repoId, revision);
  validateRepoFilePath(file);
  const ctx = await context(options);
  const cache = repoCache(ctx.cacheDir, repoId);
  const cachedCommit = isCommitHash(revision) ? revision : await readRef(cache, revision);
  if (cachedCommit !== null && (ctx.offline || !ctx.checkForUpdates || isCommitHash(revision))) {
    const pointer = pointerPath(cache, cachedCommit, file);
    if (await exists(pointer)) {
      const problem = options.verify ? await checkCachedFile(pointer) : null;
      if (problem === null) return pointer;
      if (ctx.offline)
        throw new CorruptDownloadError(
          `${pointer}: cached file is corrupted (${problem}); delete it and download again`,
        );
      await unlink(await realpath(pointer)).catch(() => {});
      await unlink(pointer).catch(() => {});
    }
    if (await isKnownMissing(cache, cachedCommit, file)) return null;
  }
  if (ctx.offline) {
    throw new LocalEntryNotFoundError(
      `${repoId}@${revision}: ${file} is not in the cache ${cache.storage}${offlineHint(ctx)}; run once online to download it`,
    );
  }
  let meta: FileMetadata;
  try {
    meta = await fileMetadata(ctx, cache, revision, file);
  } catch (e) {
    if (e instanceof EntryNotFoundError) return null;
    if (
      e instanceof HubNetworkError &&
      cachedCommit !== null &&
      (await exists(pointerPath(cache, cachedCommit, file)))
    ) {
      return pointerPath(cache, cachedCommit, file);
    }
    throw e;
  }
  await writeRef(cache, revision, meta.commit);
  const pointer = pointerPath(cache, meta.commit, file);
  if (await exists(pointer)) return pointer;
  const blob = await ensureBlob(ctx, cache, { file, url: meta.location, etag: meta.etag, size: meta.size });
  await linkPointer(blob, pointer);
  return pointer;
}

export interface ResolvedModel {
  /** The folder holding the files: the local folder, or snapshots/<commit> in the cache. */
  readonly path: string;
  /** Selected files, relative to `path`. */
  readonly files: readonly string[];
  /** Repository id, or null for a local folder. */
  readonly repoId: string | null;
  /** Commit the files come from, or null for a local folder. */
  readonly commit: string | null;
  /** Where the files came from: a local folder, the cache alone, or (at least partly) the Hub. */
  readonly source: "local" | "cache" | "hub";
}

export type FileSelector = (files: readonly string[]) => readonly string[] | Promise<readonly string[]>;

export interface SnapshotOptions extends HubOptions {
  /** Chooses the files to fetch from the repository listing (default: all files, filtered by the patterns). */
  select?: FileSelector;
  allowPatterns?: string | readonly string[];
  ignorePatterns?: string | readonly string[];
}

function selectorOf(options: SnapshotOptions): FileSelector {
  const select = options.select ?? ((files: readonly string[]) => files);
  return async (files) => filterRepoFiles(await select(files), options.allowPatterns, options.ignorePatterns);
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(runners);
}

/**
 * Files of a repository at a revision, as huggingface_hub's snapshot_download: the selection is made
 * from the full listing, only what is missing is downloaded, and the snapshot folder is returned.
 */
export async function snapshotDownload(repoId: string, options: SnapshotOptions = {}): Promise<ResolvedModel> {
  const revision = options.revision ?? "main";
  checkRepo(repoId, revision);
  const ctx = await context(options);
  const cache = repoCache(ctx.cacheDir, repoId);
  const select = selectorOf(options);
  const cachedCommit = isCommitHash(revision) ? revision : await readRef(cache, revision);

  const fromCache = async (commit: string): Promise<{ result: ResolvedModel | null; missing: string[] }> => {
    const dir = snapshotDir(cache, commit);
    const available = await listSnapshotFiles(dir);
    const listing = (await readTreeCache(cache, commit))?.map((e) => e.path) ?? null;
    let selected: readonly string[];
    try {
      selected = await select(listing ?? available);
    } catch (e) {
      // Choosing from a partial cache can fail where the full listing would not: only final when offline.
      if (listing !== null || ctx.offline) throw e;
      return { result: null, missing: ["(cannot choose files from the partial cache)"] };
    }
    const present = new Set(available);
    const missing = selected.filter((f) => !present.has(f));
    if (missing.length > 0 || (listing === null && available.length === 0)) return { result: null, missing };
    if (options.verify) {
      for (const file of selected) {
        const pointer = pointerPath(cache, commit, file);
        const problem = await checkCachedFile(pointer);
        if (problem === null) continue;
        if (ctx.offline)
          throw new CorruptDownloadError(
            `${pointer}: cached file is corrupted (${problem}); delete it and download again`,
          );
        // Drop the bad blob and its link; the download below fetches it again.
        await unlink(await realpath(pointer)).catch(() => {});
        await unlink(pointer).catch(() => {});
        missing.push(file);
      }
      if (missing.length > 0) return { result: null, missing };
    }
    return { result: { path: dir, files: [...selected], repoId, commit, source: "cache" }, missing };
  };

  if (cachedCommit !== null && (ctx.offline || !ctx.checkForUpdates || isCommitHash(revision))) {
    const { result, missing } = await fromCache(cachedCommit);
    if (result !== null) return result;
    if (ctx.offline) {
      throw new LocalEntryNotFoundError(
        `${repoId}@${revision}: the cached snapshot ${snapshotDir(cache, cachedCommit)} lacks ${missing.join(", ") || "the files"}${offlineHint(ctx)}`,
      );
    }
  } else if (ctx.offline) {
    throw new LocalEntryNotFoundError(
      `${repoId}@${revision}: not in the cache ${cache.storage}${offlineHint(ctx)}; run once online to download it`,
    );
  }

  let commit: string;
  let listing: RepoFileEntry[];
  try {
    commit = isCommitHash(revision) ? revision : await revisionCommit(ctx, repoId, revision);
    listing = (await readTreeCache(cache, commit)) ?? (await listRepoFiles(ctx, repoId, commit));
  } catch (e) {
    // Like huggingface_hub: when the Hub cannot be reached, a complete cached snapshot still serves.
    if (e instanceof HubNetworkError && cachedCommit !== null) {
      const { result } = await fromCache(cachedCommit);
      if (result !== null) return result;
    }
    throw e;
  }
  for (const entry of listing) validateRepoFilePath(entry.path);
  await writeRef(cache, revision, commit);
  await writeTreeCache(cache, commit, listing);
  const byPath = new Map(listing.map((e) => [e.path, e]));
  const selected = await select(listing.map((e) => e.path));
  const unknown = selected.filter((f) => !byPath.has(f));
  if (unknown.length > 0) throw new EntryNotFoundError(`${repoId}@${revision}: no such file(s): ${unknown.join(", ")}`);
  const toFetch: string[] = [];
  for (const file of selected) {
    const pointer = pointerPath(cache, commit, file);
    if (await exists(pointer)) {
      if (!options.verify || (await checkCachedFile(pointer)) === null) continue;
      await unlink(await realpath(pointer)).catch(() => {});
      await unlink(pointer).catch(() => {});
    }
    toFetch.push(file);
  }
  const sizeOf = (f: string) => byPath.get(f)?.lfs?.size ?? byPath.get(f)?.size ?? 0;
  const overallTotal = toFetch.reduce((sum, f) => sum + sizeOf(f), 0);
  const perFile = new Map<string, number>();
  let overallDownloaded = 0;
  const userProgress = ctx.progress;
  const progressCtx: Context =
    userProgress === undefined
      ? ctx
      : {
          ...ctx,
          progress: (e) => {
            overallDownloaded += e.downloaded - (perFile.get(e.file) ?? 0);
            perFile.set(e.file, e.downloaded);
            userProgress({ ...e, overallDownloaded, overallTotal });
          },
        };
  await pool(toFetch, ctx.concurrency, async (file) => {
    const pointer = pointerPath(cache, commit, file);
    if (await exists(pointer)) return;
    const entry = byPath.get(file) as RepoFileEntry;
    // The etag huggingface_hub names blobs by: the LFS sha256, else the git blob sha1.
    const etag = entry.lfs?.sha256 ?? entry.blobId;
    const blob = await ensureBlob(progressCtx, cache, {
      file,
      url: resolveUrl(ctx.endpoint, repoId, commit, file),
      etag,
      size: entry.lfs?.size ?? entry.size,
      ...(entry.lfs ? { sha256: entry.lfs.sha256 } : { gitSha1: entry.blobId }),
    });
    await linkPointer(blob, pointer);
  });
  return { path: snapshotDir(cache, commit), files: selected, repoId, commit, source: "hub" };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function listLocalFiles(dir: string): Promise<string[]> {
  return listSnapshotFiles(dir);
}

/** The absolute folder `idOrPath` names, or null if it is not an existing folder (then it is a repo id). */
export async function findLocalFolder(idOrPath: string, env: Env = process.env): Promise<string | null> {
  const local = expandPath(idOrPath, env);
  if (await isDirectory(local)) return resolve(local);
  if (looksLikePath(idOrPath)) throw new HubError(`${idOrPath}: no such folder`);
  return null;
}

const looksLikePath = (s: string) =>
  /^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])/.test(s) || s.split("/").length > 2 || s.includes("\\");

/**
 * A local folder (used as is, offline) or a Hub repository id (resolved through the cache and the Hub).
 * `select` / the patterns choose files; for a folder they are checked against its contents.
 */
export async function resolveModel(idOrPath: string, options: SnapshotOptions = {}): Promise<ResolvedModel> {
  const local = await findLocalFolder(idOrPath, options.env);
  if (local !== null) {
    const selected = await selectorOf(options)(await listLocalFiles(local));
    return { path: local, files: [...selected], repoId: null, commit: null, source: "local" };
  }
  return snapshotDownload(idOrPath, options);
}
