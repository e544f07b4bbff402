// A static file server for the built demo. With `isolated` (the default) every response carries the
// COOP/COEP headers that make the page cross-origin isolated, so SharedArrayBuffer and the engine's threads
// exist; without them the engine runs on one thread (and says why on the console).
//
//   node examples/browser/serve.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation] [dir]
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".safetensors": "application/octet-stream",
};

/**
 * Serves `root` over HTTP until `close()`. Port 0 picks a free port; the returned `url` names the one
 * chosen. Only GET and HEAD, only files below root.
 */
export async function serveDemo(root, { host = "127.0.0.1", port = 0, isolated = true } = {}) {
  const base = resolve(root);
  const server = createServer(async (request, response) => {
    const headers = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
    if (isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
    const fail = (code, text) => {
      response.writeHead(code, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      response.end(`${code} ${text}\n`);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return fail(405, "method not allowed");
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      return fail(400, "bad request");
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) return fail(403, "forbidden");
    let info;
    try {
      info = await stat(file);
    } catch {
      return fail(404, "not found");
    }
    if (!info.isFile()) return fail(404, "not found");
    response.writeHead(200, {
      ...headers,
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Length": info.size,
    });
    if (request.method === "HEAD") return response.end();
    createReadStream(file)
      .on("error", () => response.destroy())
      .pipe(response);
  });
  await new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolveListen(undefined));
  });
  const address = server.address();
  const url = `http://${host}:${address.port}/`;
  return {
    url,
    close: () =>
      new Promise((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose(undefined));
      }),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    if (at === -1) return fallback;
    const value = args[at + 1];
    args.splice(at, 2);
    return value;
  };
  const port = Number(option("--port", "8080"));
  const host = option("--host", "127.0.0.1");
  const isolated = !args.includes("--no-isolation");
  const rest = args.filter((a) => a !== "--no-isolation");
  const root = rest[0] ?? fileURLToPath(new URL("./dist/", import.meta.url));
  const { url } = await serveDemo(root, { host, port, isolated });
  console.log(`serving ${root} at ${url}${isolated ? " (cross-origin isolated)" : " (not isolated: one thread)"}`);
}
