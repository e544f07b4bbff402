// A model folder served over HTTP: any static server holding a Diffusers folder, or a Hugging Face Hub
// repository through its resolve URLs. Files are fetched only when a load asks for them, so a pipeline
// fetches model_index.json, the configs and the weights of the components it builds, nothing else.
// Browser-safe (fetch only); Node 20 has fetch too.

import { isCommitHash, resolveUrl, validateRepoFilePath, validateRepoId, validateRevision } from "../hub/repo.js";
import { SafetensorsBuffer } from "../io/safetensors.js";
import { type ModelFolder, ModelFolderError } from "./folder.js";
import { SafetensorsWeights, type WeightSource } from "./weights.js";

export interface UrlFolderOptions {
  /** Sent with every request (e.g. `Authorization` for a private Hub repository). */
  headers?: Readonly<Record<string, string>>;
  /** The Cache API cache to keep responses in where `caches` exists (browsers); absent: nothing is cached. */
  cacheName?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** Statuses that mean "no such file" rather than a failure worth reporting as one. */
const MISSING = new Set([404, 410]);

function cacheStorage(): CacheStorage | null {
  const caches = (globalThis as { caches?: CacheStorage }).caches;
  return caches !== undefined && typeof caches.open === "function" ? caches : null;
}

export class UrlModelFolder implements ModelFolder {
  readonly location: string;
  /** The folder URL, ending in "/". */
  readonly base: URL;
  private readonly known = new Map<string, boolean>();

  constructor(
    base: string | URL,
    private readonly options: UrlFolderOptions = {},
  ) {
    let url: URL;
    try {
      url = new URL(String(base));
    } catch {
      throw new ModelFolderError(`${String(base)}: not an absolute URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ModelFolderError(`${url.href}: only http(s) URLs can be fetched`);
    }
    url.search = "";
    url.hash = "";
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    this.base = url;
    this.location = url.href.replace(/\/$/, "");
  }

  /** The URL of a folder-relative path, each part percent-encoded. */
  url(path: string): URL {
    try {
      validateRepoFilePath(path);
    } catch {
      throw new ModelFolderError(`${this.location}: invalid file path ${JSON.stringify(path)}`);
    }
    return new URL(path.split("/").map(encodeURIComponent).join("/"), this.base);
  }

  private async request(url: URL, method: "GET" | "HEAD"): Promise<Response> {
    const doFetch = this.options.fetch ?? globalThis.fetch;
    try {
      return await doFetch(url, {
        method,
        ...(this.options.headers !== undefined ? { headers: this.options.headers } : {}),
        ...(this.options.signal !== undefined ? { signal: this.options.signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new ModelFolderError(`${url.href}: request failed (${(error as Error).message})`);
    }
  }

  private async cache(): Promise<Cache | null> {
    const storage = this.options.cacheName === undefined ? null : cacheStorage();
    if (storage === null) return null;
    try {
      return await storage.open(this.options.cacheName as string);
    } catch {
      // Some browsers refuse storage in private windows; the files are then fetched every time.
      return null;
    }
  }

  async exists(path: string): Promise<boolean> {
    const seen = this.known.get(path);
    if (seen !== undefined) return seen;
    const url = this.url(path);
    let found: boolean;
    if ((await (await this.cache())?.match(url.href)) !== undefined) {
      found = true;
    } else {
      let response = await this.request(url, "HEAD");
      // Some static servers answer only GET; the body is dropped unread.
      if (response.status === 405 || response.status === 501) {
        response = await this.request(url, "GET");
        await response.body?.cancel();
      }
      if (!response.ok && !MISSING.has(response.status)) throw httpError(url, response);
      found = response.ok;
    }
    this.known.set(path, found);
    return found;
  }

  /** The file's bytes, from the cache when it holds them; a missing file is an error naming its URL. */
  async readBytes(path: string): Promise<Uint8Array> {
    const url = this.url(path);
    const cache = await this.cache();
    const hit = await cache?.match(url.href);
    if (hit !== undefined) return new Uint8Array(await hit.arrayBuffer());
    const response = await this.request(url, "GET");
    if (!response.ok) {
      if (MISSING.has(response.status)) this.known.set(path, false);
      throw httpError(url, response);
    }
    this.known.set(path, true);
    if (cache === null || cache === undefined) return new Uint8Array(await response.arrayBuffer());
    const copy = response.clone();
    const [bytes] = await Promise.all([response.arrayBuffer(), cache.put(url.href, copy)]);
    return new Uint8Array(bytes);
  }

  async readText(path: string): Promise<string> {
    const bytes = await this.readBytes(path);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new ModelFolderError(`${this.url(path).href}: not valid UTF-8 text`);
    }
  }

  async openWeights(paths: readonly string[]): Promise<WeightSource> {
    const buffers: SafetensorsBuffer[] = [];
    for (const path of paths) buffers.push(SafetensorsBuffer.parse(await this.readBytes(path), this.url(path).href));
    const name = paths.length === 1 ? this.url(paths[0]).href : `${this.location} (${paths.length} shards)`;
    return new SafetensorsWeights(name, buffers);
  }
}

function httpError(url: URL, response: Response): ModelFolderError {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const hint = MISSING.has(response.status)
    ? " (not found)"
    : response.status === 401 || response.status === 403
      ? " (private or gated: pass a token)"
      : "";
  return new ModelFolderError(`${url.href}: ${status}${hint}`);
}

export interface HubFolderOptions {
  /** Branch, tag or commit hash (default "main"). */
  revision?: string;
  /** Bearer token for private or gated repositories; false or absent sends none. */
  token?: string | false;
  /** Hub base URL (default https://huggingface.co). */
  endpoint?: string;
  /**
   * The Cache API cache files are kept in (default "reprodiff-hub"); false caches nothing. Only files of
   * a pinned commit are cached: their URLs never change what they serve.
   */
  cacheName?: string | false;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** The Hub's answer for files of a resolved revision names the commit it came from. */
const COMMIT_HEADER = "x-repo-commit";

/**
 * A Hub repository as a folder of resolve URLs ({endpoint}/{repo}/resolve/{revision}/{path}), for browsers,
 * where there is no file cache to download into (Node's fromPretrained uses huggingface_hub's cache instead).
 * A branch or tag is first pinned to its current commit by asking for `probe` (the file the load reads
 * first), so every file of one load comes from one commit, as in Node, and can be cached safely; where the
 * Hub's commit header cannot be read the files are fetched from the revision unpinned and not cached.
 */
export async function hubModelFolder(
  repoId: string,
  options: HubFolderOptions = {},
  probe = "model_index.json",
): Promise<UrlModelFolder> {
  try {
    validateRepoId(repoId);
  } catch (error) {
    throw new ModelFolderError(
      `${(error as Error).message}; in a browser, a folder URL relative to the page starts with "/", "./" or "../"`,
    );
  }
  try {
    validateRevision(options.revision ?? "main");
  } catch (error) {
    throw new ModelFolderError(`${repoId}: ${(error as Error).message}`);
  }
  const endpoint = (options.endpoint ?? "https://huggingface.co").replace(/\/+$/, "");
  const headers = typeof options.token === "string" ? { Authorization: `Bearer ${options.token}` } : undefined;
  const cacheName = options.cacheName === false ? undefined : (options.cacheName ?? "reprodiff-hub");
  const common = {
    ...(headers !== undefined ? { headers } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
  const folderAt = (revision: string, cached: boolean) =>
    new UrlModelFolder(resolveUrl(endpoint, repoId, revision, ""), {
      ...common,
      ...(cached && cacheName !== undefined ? { cacheName } : {}),
    });
  const revision = options.revision ?? "main";
  if (isCommitHash(revision)) return folderAt(revision, true);
  const unpinned = folderAt(revision, false);
  const url = unpinned.url(probe);
  let response: Response;
  try {
    response = await (options.fetch ?? globalThis.fetch)(url, {
      method: "HEAD",
      ...(headers !== undefined ? { headers } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ModelFolderError(`${url.href}: request failed (${(error as Error).message})`);
  }
  if (!response.ok) {
    if (response.status === 401 || MISSING.has(response.status)) {
      throw new ModelFolderError(
        `${url.href}: HTTP ${response.status}: the repository, revision or file does not exist, or it is private ` +
          "(pass a token)",
      );
    }
    throw httpError(url, response);
  }
  const commit = response.headers.get(COMMIT_HEADER);
  return commit !== null && isCommitHash(commit) ? folderAt(commit, true) : unpinned;
}
