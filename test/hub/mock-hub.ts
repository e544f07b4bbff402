// A local stand-in for the Hugging Face Hub: the model-info, tree and resolve endpoints reprodiff uses,
// with LFS files redirected to a separate "CDN" origin, and fault injection (dropped connections,
// corrupted bytes, slow transfers). Listens on 127.0.0.1 with random ports.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface MockFile {
  readonly content: Uint8Array;
  /** Stored with Git LFS: resolve redirects to the CDN and announces the sha256. */
  readonly lfs?: boolean;
}

export interface MockRepo {
  /** commit hash -> files */
  readonly commits: Record<string, Record<string, MockFile>>;
  /** branch/tag -> commit hash */
  readonly refs: Record<string, string>;
  /** Token required to see the repository at all. */
  readonly token?: string;
}

export interface RequestLog {
  readonly server: "hub" | "cdn";
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly range: string | undefined;
}

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
export const gitSha1 = (b: Uint8Array) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const text = (s: string): MockFile => ({ content: new TextEncoder().encode(s) });

export class MockHub {
  readonly repos = new Map<string, MockRepo>();
  readonly log: RequestLog[] = [];
  /** sha256 -> byte count after which the CDN drops the connection (once per entry). */
  readonly cutOnce = new Map<string, number>();
  /** sha256s whose bytes the CDN corrupts. */
  readonly corrupt = new Set<string>();
  /** Milliseconds between 4 KiB chunks on the CDN (to make transfers overlap). */
  slowMs = 0;
  private hub?: Server;
  private cdn?: Server;
  endpoint = "";
  cdnOrigin = "";

  async start(): Promise<this> {
    this.hub = createServer((req, res) => this.handleHub(req, res));
    this.cdn = createServer((req, res) => this.handleCdn(req, res));
    for (const s of [this.hub, this.cdn]) {
      s.keepAliveTimeout = 100;
      s.requestTimeout = 10_000;
    }
    await Promise.all([listen(this.hub), listen(this.cdn)]);
    this.endpoint = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
    this.cdnOrigin = `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s?.closeAllConnections();
      await new Promise((resolve) => s?.close(resolve));
    }
  }

  requests(filter?: (r: RequestLog) => boolean): RequestLog[] {
    return filter ? this.log.filter(filter) : [...this.log];
  }

  private blobs(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const repo of this.repos.values())
      for (const files of Object.values(repo.commits))
        for (const f of Object.values(files)) if (f.lfs) out.set(sha256(f.content), f.content);
    return out;
  }

  private record(server: "hub" | "cdn", req: IncomingMessage) {
    this.log.push({
      server,
      method: req.method ?? "GET",
      url: req.url ?? "",
      authorization: req.headers.authorization,
      range: req.headers.range,
    });
  }

  private handleHub(req: IncomingMessage, res: ServerResponse) {
    this.record("hub", req);
    const url = new URL(req.url ?? "/", this.endpoint);
    const path = decodeURIComponent(url.pathname);
    const error = (status: number, code: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { "x-error-code": code, "content-type": "application/json", ...extra });
      res.end(JSON.stringify({ error: `${code} (mock)` }));
    };
    const findRepo = (id: string): MockRepo | null => {
      const repo = this.repos.get(id);
      if (repo === undefined) return null;
      if (repo.token !== undefined && req.headers.authorization !== `Bearer ${repo.token}`) return null;
      return repo;
    };
    const commitOf = (repo: MockRepo, rev: string) => (rev in repo.commits ? rev : repo.refs[rev]);

    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    if (m) {
      const repo = findRepo(m[1]);
      if (repo === null) return error(401, "RepoNotFound");
      const commit = commitOf(repo, m[2]);
      if (commit === undefined) return error(404, "RevisionNotFound");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          _id: "x",
          id: m[1],
          sha: commit,
          private: repo.token !== undefined,
          siblings: Object.keys(repo.commits[commit]).map((rfilename) => ({ rfilename })),
        }),
      );
      return;
    }
    m = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(path);
    if (m) {
      const repo = findRepo(m[1]);
      if (repo === null) return error(401, "RepoNotFound");
      const commit = commitOf(repo, m[2]);
      if (commit === undefined) return error(404, "RevisionNotFound");
      const entries: unknown[] = [];
      const dirs = new Set<string>();
      for (const [p, f] of Object.entries(repo.commits[commit]).sort()) {
        const parts = p.split("/");
        for (let k = 1; k < parts.length; k++) dirs.add(parts.slice(0, k).join("/"));
        entries.push({
          type: "file",
          oid: f.lfs
            ? gitSha1(
                new TextEncoder().encode(
                  `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(f.content)}\n`,
                ),
              )
            : gitSha1(f.content),
          size: f.content.length,
          path: p,
          ...(f.lfs ? { lfs: { oid: sha256(f.content), size: f.content.length, pointerSize: 130 } } : {}),
        });
      }
      for (const d of dirs) entries.push({ type: "directory", oid: "0".repeat(40), size: 0, path: d });
      // Paginate (two entries a page) to exercise the Link header.
      const cursor = Number(url.searchParams.get("cursor") ?? "0");
      const page = entries.slice(cursor, cursor + 2);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (cursor + 2 < entries.length) {
        const next = new URL(url);
        next.searchParams.set("cursor", String(cursor + 2));
        headers.link = `<${next}>; rel="next"`;
      }
      res.writeHead(200, headers);
      res.end(JSON.stringify(page));
      return;
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (m) {
      const repo = findRepo(m[1]);
      if (repo === null) return error(401, "RepoNotFound");
      const commit = commitOf(repo, m[2]);
      if (commit === undefined) return error(404, "RevisionNotFound");
      const file = repo.commits[commit][m[3]];
      if (file === undefined) return error(404, "EntryNotFound", { "x-repo-commit": commit });
      if (file.lfs) {
        const sum = sha256(file.content);
        res.writeHead(302, {
          location: `${this.cdnOrigin}/cdn/${sum}`,
          "x-repo-commit": commit,
          "x-linked-etag": `"${sum}"`,
          "x-linked-size": String(file.content.length),
          etag: `"${gitSha1(new Uint8Array(1))}"`,
        });
        res.end();
        return;
      }
      serveBytes(req, res, file.content, { etag: `"${gitSha1(file.content)}"`, "x-repo-commit": commit }, {});
      return;
    }
    error(404, "NotFound");
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse): void {
    this.record("cdn", req);
    const m = /^\/cdn\/([0-9a-f]{64})$/.exec(req.url ?? "");
    const content = m ? this.blobs().get(m[1]) : undefined;
    if (!m || content === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    let body = content;
    if (this.corrupt.has(m[1])) {
      body = content.slice();
      body[body.length >> 1] ^= 0xff;
    }
    const cut = this.cutOnce.get(m[1]);
    if (cut !== undefined) this.cutOnce.delete(m[1]);
    serveBytes(req, res, body, {}, { cutAfter: cut, slowMs: this.slowMs });
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

/** Serves bytes with Range support, optionally dropping the connection after `cutAfter` body bytes. */
function serveBytes(
  req: IncomingMessage,
  res: ServerResponse,
  content: Uint8Array,
  headers: Record<string, string>,
  faults: { cutAfter?: number; slowMs?: number },
): void {
  let start = 0;
  let status = 200;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (range) {
    start = Number(range[1]);
    if (start >= content.length) {
      res.writeHead(416, { "content-range": `bytes */${content.length}` });
      res.end();
      return;
    }
    status = 206;
    headers["content-range"] = `bytes ${start}-${content.length - 1}/${content.length}`;
  }
  const body = content.subarray(start);
  res.writeHead(status, { ...headers, "content-length": String(body.length), "accept-ranges": "bytes" });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const limit = faults.cutAfter === undefined ? body.length : Math.max(0, faults.cutAfter - start);
  let at = 0;
  const step = () => {
    if (at >= limit) {
      if (limit < body.length) res.socket?.destroy();
      else res.end();
      return;
    }
    const n = Math.min(4096, limit - at);
    res.write(body.subarray(at, at + n), () => {
      at += n;
      if (faults.slowMs) setTimeout(step, faults.slowMs);
      else setImmediate(step);
    });
  };
  step();
}
