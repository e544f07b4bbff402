// Repository metadata through @huggingface/hub. We use it for what it does well — the model-info
// endpoint (revision -> commit) and the paginated tree listing — and do the rest ourselves: it has no
// offline resolution or file selection, and its cache writer names snapshots after each file's last
// commit rather than the requested revision's, takes no lock, and neither resumes nor verifies
// downloads, so it cannot share a cache with Python's huggingface_hub. It is loaded lazily, so offline
// use never loads it.
import { HubError } from "./errors.js";
import { errorFromResponse, type HttpContext, hubRequest } from "./http.js";
import { isCommitHash } from "./repo.js";

export interface RepoFileEntry {
  readonly path: string;
  readonly size: number;
  /** git blob sha1. */
  readonly blobId: string;
  /** sha256 and size of the LFS object, for files stored with Git LFS (or Xet). */
  readonly lfs?: { readonly sha256: string; readonly size: number };
}

/** A fetch that adds our headers and token, and throws typed errors for the library's failed requests. */
function apiFetch(ctx: HttpContext, what: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const method = (init?.method ?? "GET").toUpperCase() === "HEAD" ? "HEAD" : "GET";
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      if (key !== "authorization") headers[key] = value;
    });
    const res = await hubRequest(ctx, url, { method, headers }, "same-origin");
    if (!res.ok) throw await errorFromResponse(res, what);
    return res;
  }) as typeof fetch;
}

type HubLibrary = typeof import("@huggingface/hub");
let library: Promise<HubLibrary> | undefined;
const loadLibrary = (): Promise<HubLibrary> => {
  library ??= import("@huggingface/hub");
  return library;
};

/** The commit a branch, tag or commit of `repoId` points to now. */
export async function revisionCommit(ctx: HttpContext, repoId: string, revision: string): Promise<string> {
  const { modelInfo } = await loadLibrary();
  const what = `${repoId}@${revision}`;
  const info = await modelInfo({
    name: repoId,
    revision,
    hubUrl: ctx.endpoint,
    fetch: apiFetch(ctx, what),
    additionalFields: ["sha"],
  });
  const sha = (info as { sha?: unknown }).sha;
  if (typeof sha !== "string" || !isCommitHash(sha)) {
    throw new HubError(`${what}: the Hub did not return a commit hash for this revision (got ${JSON.stringify(sha)})`);
  }
  return sha;
}

/** Every file of the repository at `commit`, with sizes and hashes. */
export async function listRepoFiles(ctx: HttpContext, repoId: string, commit: string): Promise<RepoFileEntry[]> {
  const { listFiles } = await loadLibrary();
  const out: RepoFileEntry[] = [];
  for await (const entry of listFiles({
    repo: { type: "model", name: repoId },
    revision: commit,
    recursive: true,
    hubUrl: ctx.endpoint,
    fetch: apiFetch(ctx, `${repoId}@${commit}`),
  })) {
    if (entry.type !== "file") continue;
    out.push({
      path: entry.path,
      size: entry.size,
      blobId: entry.oid ?? "",
      ...(entry.lfs ? { lfs: { sha256: entry.lfs.oid, size: entry.lfs.size } } : {}),
    });
  }
  return out;
}
