// Downloading one file into the cache: resumable (Range requests continue blobs/<etag>.reprodiff.incomplete,
// whether it was left by a dropped connection or by an earlier, killed process), verified (size, then
// sha256 for LFS files or git's blob sha1 for regular ones, the hashes the Hub reports), atomic (renamed
// into blobs/<etag> only once verified) and safe under concurrency (a per-blob lock; a second process
// waits, then finds the blob present).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readlink, rename, stat, truncate, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { blobPath, exists, lockPath, type RepoCache } from "./cache.js";
import { CorruptDownloadError, HubError } from "./errors.js";
import { errorFromResponse, type HttpContext, HubNetworkError, hubRequest, isAbort } from "./http.js";
import { withFileLock } from "./lock.js";

export interface ProgressEvent {
  /** Repository path of the file. */
  readonly file: string;
  /** Bytes of this file on disk so far (including any resumed part). */
  readonly downloaded: number;
  readonly total: number;
  /** Bytes that were already on disk when this download started (resumed), 0 otherwise. */
  readonly resumedFrom: number;
  readonly done: boolean;
  /** During snapshot downloads: bytes of all files being fetched so far, and their total. */
  readonly overallDownloaded?: number;
  readonly overallTotal?: number;
}

export type ProgressCallback = (event: ProgressEvent) => void;

export interface DownloadContext extends HttpContext {
  readonly progress: ProgressCallback | undefined;
  /** Attempts after a dropped connection or a 5xx/429 before giving up. */
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly lockTimeoutMs: number;
}

export interface BlobSpec {
  /** Repository path, for messages and progress. */
  readonly file: string;
  readonly url: string;
  readonly etag: string;
  readonly size: number;
  /** sha256 the Hub reports for an LFS file. */
  readonly sha256?: string;
  /** git blob sha1 the Hub reports for a regular file. */
  readonly gitSha1?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return -1;
  }
}

/** Makes `incomplete` hold the whole file, resuming from what is already there. */
async function fetchToFile(ctx: DownloadContext, spec: BlobSpec, incomplete: string): Promise<void> {
  let failures = 0;
  const initial = Math.max(0, await sizeOf(incomplete));
  const retry = async (why: unknown) => {
    failures++;
    if (failures > ctx.maxRetries) {
      throw new HubError(`${spec.file}: download failed after ${ctx.maxRetries} retries (${(why as Error).message})`, {
        cause: why,
      });
    }
    await sleep(ctx.retryDelayMs * 2 ** Math.min(failures - 1, 5));
  };
  for (;;) {
    ctx.signal?.throwIfAborted();
    let have = Math.max(0, await sizeOf(incomplete));
    if (have > spec.size) {
      await truncate(incomplete, 0);
      have = 0;
    }
    if (have === spec.size && have > 0) return;
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (have > 0) headers.range = `bytes=${have}-`;
    let res: Response;
    try {
      res = await hubRequest(ctx, spec.url, { method: "GET", headers }, "all");
    } catch (e) {
      if (isAbort(e) || !(e instanceof HubNetworkError)) throw e;
      await retry(e);
      continue;
    }
    if (res.status === 416 || (res.status === 206 && !res.headers.get("content-range")?.startsWith(`bytes ${have}-`))) {
      // The server cannot continue where we stopped: start over.
      await res.body?.cancel();
      await truncate(incomplete, 0).catch(() => {});
      await retry(new Error(`the server refused to resume at byte ${have}`));
      continue;
    }
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      const error = await errorFromResponse(res, spec.file);
      await retry(error);
      continue;
    }
    if (!res.ok) throw await errorFromResponse(res, spec.file);
    if (res.status === 200) have = 0; // the whole file is coming (the server ignored or was not sent a Range)
    const handle = await open(incomplete, have === 0 ? "w" : "a");
    let streamError: unknown = null;
    try {
      if (res.body === null) throw new Error("empty response body");
      ctx.progress?.({ file: spec.file, downloaded: have, total: spec.size, resumedFrom: initial, done: false });
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        let at = 0;
        while (at < chunk.length) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
        have += chunk.length;
        if (have > spec.size) {
          throw new CorruptDownloadError(`${spec.file}: the server sent more than the announced ${spec.size} bytes`);
        }
        failures = 0; // progress was made: a later drop gets a fresh set of retries, as huggingface_hub does
        ctx.progress?.({ file: spec.file, downloaded: have, total: spec.size, resumedFrom: initial, done: false });
      }
    } catch (e) {
      streamError = e;
    } finally {
      await handle.close();
    }
    if (streamError !== null) {
      if (isAbort(streamError) || streamError instanceof CorruptDownloadError) throw streamError;
      await retry(streamError);
      continue;
    }
    if (have === spec.size) return;
    await retry(new Error(`connection closed after ${have} of ${spec.size} bytes`));
  }
}

async function hashFile(path: string, algorithm: "sha256" | "sha1", prefix?: string): Promise<string> {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Checks a finished download against the size and hash the Hub announced; throws if it differs. */
async function verify(spec: BlobSpec, path: string): Promise<void> {
  const size = await sizeOf(path);
  if (size !== spec.size) {
    throw new CorruptDownloadError(`${spec.file}: downloaded ${size} bytes, the Hub announced ${spec.size}`);
  }
  // An etag of 64 hex digits is the LFS object's sha256; one of 40 is the git blob sha1.
  const sha256 = spec.sha256 ?? (/^[0-9a-f]{64}$/.test(spec.etag) ? spec.etag : undefined);
  const gitSha1 = spec.gitSha1 ?? (/^[0-9a-f]{40}$/.test(spec.etag) ? spec.etag : undefined);
  if (sha256 !== undefined) {
    const got = await hashFile(path, "sha256");
    if (got !== sha256) {
      throw new CorruptDownloadError(
        `${spec.file}: sha256 of the downloaded file is ${got}, the Hub reports ${sha256}`,
      );
    }
  } else if (gitSha1 !== undefined) {
    const got = await hashFile(path, "sha1", `blob ${size}\0`);
    if (got !== gitSha1) {
      throw new CorruptDownloadError(
        `${spec.file}: git blob sha1 of the downloaded file is ${got}, the Hub reports ${gitSha1}`,
      );
    }
  }
}

/**
 * Re-hashes a cached file: snapshot entries are symlinks to blobs named by their hash (sha256 for LFS
 * files, git blob sha1 otherwise), so the expected hash is the link target's name. Returns a
 * description of the mismatch, or null when the content matches (or, for a copied file on a system
 * without symlinks, when there is no name to check against).
 */
export async function checkCachedFile(pointer: string): Promise<string | null> {
  let target: string;
  try {
    target = await readlink(pointer);
  } catch {
    return null;
  }
  const etag = basename(target);
  const isSha256 = /^[0-9a-f]{64}$/.test(etag);
  if (!isSha256 && !/^[0-9a-f]{40}$/.test(etag)) return null;
  const size = await sizeOf(pointer);
  const got = isSha256 ? await hashFile(pointer, "sha256") : await hashFile(pointer, "sha1", `blob ${size}\0`);
  return got === etag ? null : `${isSha256 ? "sha256" : "git blob sha1"} is ${got}, its blob name says ${etag}`;
}

/** Ensures blobs/<etag> exists and is verified; returns its path. */
export async function ensureBlob(ctx: DownloadContext, cache: RepoCache, spec: BlobSpec): Promise<string> {
  const blob = blobPath(cache, spec.etag);
  if (await exists(blob)) return blob;
  await mkdir(dirname(blob), { recursive: true });
  return withFileLock(
    lockPath(cache, spec.etag),
    async () => {
      if (await exists(blob)) return blob; // another process finished it while we waited
      // Not Python's "<etag>.incomplete": huggingface_hub 0.2x appends to that name under a flock(2) lock
      // that Node cannot take, so sharing it could interleave two writers. With our own name, a
      // concurrent Python download and ours each write their own file and rename identical, verified
      // contents into place (huggingface_hub >= 1.x uses per-process temporary names for the same reason).
      const incomplete = `${blob}.reprodiff.incomplete`;
      const resumed = (await sizeOf(incomplete)) > 0;
      try {
        await fetchToFile(ctx, spec, incomplete);
        await verify(spec, incomplete);
      } catch (e) {
        if (!(e instanceof CorruptDownloadError)) throw e; // keep the partial file: the next run resumes it
        await unlink(incomplete).catch(() => {});
        // A partial file left by an earlier run may itself have been the bad part: try once from scratch.
        if (!resumed) throw e;
        await fetchToFile(ctx, spec, incomplete);
        try {
          await verify(spec, incomplete);
        } catch (again) {
          await unlink(incomplete).catch(() => {});
          throw again;
        }
      }
      await rename(incomplete, blob);
      ctx.progress?.({ file: spec.file, downloaded: spec.size, total: spec.size, resumedFrom: 0, done: true });
      return blob;
    },
    { timeoutMs: ctx.lockTimeoutMs, signal: ctx.signal },
  );
}
