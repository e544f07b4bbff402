// HTTP to the Hub with Node's fetch: the token goes only to the Hub's own origin (never to the CDN a
// download redirects to), redirects are followed by hand so that the first response's X-Repo-Commit /
// X-Linked-Etag headers can be read, and the Hub's error codes become typed errors.
import { EntryNotFoundError, HubError, RepositoryNotFoundError, RevisionNotFoundError } from "./errors.js";

export interface HttpContext {
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly fetch: typeof fetch;
  readonly signal: AbortSignal | undefined;
  readonly userAgent: string;
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === "AbortError" || e.name === "TimeoutError");
}

/** Requests `url`, following redirects (all of them, or only same-origin ones for metadata requests). */
export async function hubRequest(
  ctx: HttpContext,
  url: string,
  init: { method: "GET" | "HEAD"; headers?: Record<string, string> },
  follow: "all" | "same-origin",
): Promise<Response> {
  const hubOrigin = new URL(ctx.endpoint).origin;
  let current = url;
  for (let hop = 0; hop <= 10; hop++) {
    const headers: Record<string, string> = { "user-agent": ctx.userAgent, ...init.headers };
    if (ctx.token !== undefined && new URL(current).origin === hubOrigin) headers.authorization = `Bearer ${ctx.token}`;
    let res: Response;
    try {
      res = await ctx.fetch(current, { method: init.method, headers, redirect: "manual", signal: ctx.signal });
    } catch (e) {
      if (isAbort(e)) throw e;
      const cause = (e as Error & { cause?: Error }).cause;
      throw new HubNetworkError(`cannot reach ${new URL(current).origin} (${cause?.message ?? (e as Error).message})`, {
        cause: e,
      });
    }
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || location === null) return res;
    const next = new URL(location, current).toString();
    if (follow === "same-origin" && new URL(next).origin !== new URL(current).origin) return res;
    await res.body?.cancel();
    current = next;
  }
  throw new HubError(`too many redirects fetching ${url}`);
}

/** A connection problem (refused, reset, DNS): the cache may still serve the request. */
export class HubNetworkError extends HubError {
  override name = "HubNetworkError";
}

/** Turns a failed response into the matching typed error (the body is consumed). */
export async function errorFromResponse(res: Response, what: string): Promise<HubError> {
  const code = res.headers.get("x-error-code");
  let detail = res.headers.get("x-error-message") ?? "";
  if (detail === "") {
    try {
      const text = (await res.text()).slice(0, 300);
      try {
        const json = JSON.parse(text) as { error?: string };
        detail = json.error ?? text;
      } catch {
        detail = text;
      }
    } catch {}
  } else await res.body?.cancel();
  const suffix = detail ? ` (${detail.trim()})` : "";
  if (code === "EntryNotFound") return new EntryNotFoundError(`${what}: no such file${suffix}`);
  if (code === "RevisionNotFound") return new RevisionNotFoundError(`${what}: no such revision${suffix}`);
  if (code === "GatedRepo" || res.status === 403) {
    return new RepositoryNotFoundError(
      `${what}: access denied (HTTP ${res.status}); the repository may be gated — accept its conditions on the Hub and pass a token (token option or HF_TOKEN)${suffix}`,
    );
  }
  if (code === "RepoNotFound" || res.status === 401) {
    return new RepositoryNotFoundError(
      `${what}: repository not found, or private and no valid token was sent (token option or HF_TOKEN)${suffix}`,
    );
  }
  if (res.status === 404) return new EntryNotFoundError(`${what}: not found (HTTP 404)${suffix}`);
  return new HubError(`${what}: HTTP ${res.status}${suffix}`);
}
