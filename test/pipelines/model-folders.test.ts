// Loading without a file system, as browsers do: a pipeline or model from an in-memory folder (bytes,
// Blobs, the Files of a directory picker), from a folder served over HTTP, and from a Hub repository
// through its resolve URLs (a local server stands in for the Hub, with the Cache API emulated). Every
// route must give the same bytes as Node's file-system load, and every failure must name the file.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DDIMPipeline,
  DDPMPipeline,
  DiffusionPipeline,
  Generator,
  getBackend,
  getNumThreads,
  getThreadStatus,
  hubModelFolder,
  listBackends,
  MemoryModelFolder,
  type ModelFolder,
  ModelFolderError,
  modelFolderFromFiles,
  ops,
  SafetensorsError,
  StableDiffusionPipeline,
  setBackend,
  setNumThreads,
  Tensor,
  UNet2DModel,
  UrlModelFolder,
} from "../../src/index.js";
import { bundledModelPath } from "../../src/pipelines/bundled.node.js";
import { fixturePath } from "../helpers/fixtures.js";
import { loggedServer, type LoggedServer as Served } from "../helpers/http-server.js";

const MODEL = bundledModelPath();
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** A folder's files, folder-relative path → bytes. */
function folderFiles(root: string): Map<string, Uint8Array<ArrayBuffer>> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path), new Uint8Array(readFileSync(path)));
    }
  };
  walk(root);
  return files;
}

const FILES = folderFiles(MODEL);

async function outputHash(pipe: DiffusionPipeline): Promise<string> {
  const { images } = await pipe.generate({
    batchSize: 2,
    numInferenceSteps: 3,
    generator: new Generator().manualSeed(7),
    outputType: "np",
  });
  const data = images.data;
  return createHash("sha256")
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}

let nodeHash = "";
before(async () => {
  nodeHash = await outputHash(await DDIMPipeline.fromPretrained());
});

function withFiles(changes: Record<string, Uint8Array | string | null>): MemoryModelFolder {
  const files = new Map<string, Uint8Array>(FILES);
  for (const [path, contents] of Object.entries(changes)) {
    if (contents === null) files.delete(path);
    else files.set(path, typeof contents === "string" ? new TextEncoder().encode(contents) : contents);
  }
  return new MemoryModelFolder(files, "mem://digits");
}

describe("in-memory folders", () => {
  test("a Map of bytes loads the pipeline with the same output bytes as the file system", async () => {
    const folder = new MemoryModelFolder(FILES, "mem://digits");
    const pipe = await DiffusionPipeline.fromPretrained(folder);
    assert.ok(pipe instanceof DDPMPipeline, "model_index.json names DDPMPipeline");
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(folder)), nodeHash);
  });

  test("a record of Blobs and ArrayBuffers loads the same model", async () => {
    const record: Record<string, Blob | ArrayBuffer> = {};
    for (const [path, bytes] of FILES) {
      record[`./${path}`] = path.endsWith(".json") ? bytes.slice().buffer : new Blob([bytes]);
    }
    const folder = new MemoryModelFolder(record);
    assert.deepEqual(folder.paths(), [...FILES.keys()].sort());
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(folder)), nodeHash);
  });

  test("the Files of a directory picker: the picked folder's name is dropped from every path", async () => {
    const files = [...FILES].map(([path, bytes]) => {
      const file = new File([bytes], path.split("/").pop() ?? path);
      Object.defineProperty(file, "webkitRelativePath", { value: `ddpm-digits-16/${path}` });
      return file;
    });
    const folder = modelFolderFromFiles(files);
    assert.equal(folder.location, "ddpm-digits-16");
    assert.deepEqual(folder.paths(), [...FILES.keys()].sort());
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(folder)), nodeHash);
    const unet = await UNet2DModel.fromPretrained(folder, { subfolder: "unet" });
    assert.equal(unet.config.sample_size, 16);
  });

  test("missing and malformed files are errors naming the file", async () => {
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "model_index.json": null })),
      /^ModelFolderError: mem:\/\/digits\/model_index\.json: not found/,
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "scheduler/scheduler_config.json": null })),
      /mem:\/\/digits\/scheduler\/scheduler_config\.json: not found/,
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "scheduler/scheduler_config.json": "[1, 2]" })),
      /mem:\/\/digits\/scheduler\/scheduler_config\.json: expected a JSON object/,
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "scheduler/scheduler_config.json": '{"beta_schedule": "cosine"}' })),
      /mem:\/\/digits\/scheduler\/scheduler_config\.json: .*beta_schedule/,
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "unet/config.json": "{ nope" })),
      /mem:\/\/digits\/unet\/config\.json/,
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "unet/diffusion_pytorch_model.safetensors": null })),
      /mem:\/\/digits\/unet: no diffusion_pytorch_model safetensors weights found/,
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "unet/diffusion_pytorch_model.safetensors": "not safetensors" })),
      (error: Error) =>
        error instanceof SafetensorsError &&
        error.message.includes("mem://digits/unet/diffusion_pytorch_model.safetensors"),
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(withFiles({ "model_index.json": new Uint8Array([0xff, 0xfe, 0x7b]) })),
      /mem:\/\/digits\/model_index\.json: not valid UTF-8 text/,
    );
  });

  test("paths must stay inside the folder, and only folders, URLs and strings are sources", async () => {
    assert.throws(() => new MemoryModelFolder({ "../secret": new Uint8Array(1) }), ModelFolderError);
    assert.throws(
      () => new MemoryModelFolder({ "a.json": "text" as unknown as Uint8Array }),
      /a\.json: contents must be/,
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained({ location: "x" } as unknown as ModelFolder),
      /^TypeError: fromPretrained needs a folder path, Hub repository id, URL or ModelFolder/,
    );
  });
});

/**
 * Serves the bundled model's files below `prefix`. `respond` may answer a request itself (status codes,
 * headers) before the files are looked up; every request is logged as "METHOD /path".
 */
function serve(
  prefix: string,
  respond: (request: IncomingMessage, response: ServerResponse, path: string) => boolean = () => false,
): Promise<Served> {
  return loggedServer((request, response, path) => {
    if (respond(request, response, path)) return;
    const bytes = path.startsWith(prefix) ? FILES.get(path.slice(prefix.length)) : undefined;
    if (bytes === undefined) {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    response.writeHead(200, { "Content-Length": bytes.length, "Content-Type": "application/octet-stream" });
    response.end(request.method === "HEAD" ? undefined : bytes);
  });
}

describe("folders served over HTTP", () => {
  const servers: Served[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  test("a URL string or URL object loads the pipeline with the same output bytes as the file system", async () => {
    const server = await serve("/models/digits/");
    servers.push(server);
    const base = `${server.url}/models/digits`;
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(base)), nodeHash);
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(new URL(`${base}/`))), nodeHash);
    const unet = await UNet2DModel.fromPretrained(`${base}/`, { subfolder: "unet" });
    assert.equal(unet.config.sample_size, 16);
    // Only what the load reads is fetched: no README.
    assert.ok(!server.requests.some((r) => r.includes("README")), server.requests.join("\n"));
  });

  test("a server that refuses HEAD still works (existence is checked with GET)", async () => {
    const server = await serve("/", (request, response) => {
      if (request.method !== "HEAD") return false;
      response.writeHead(405).end();
      return true;
    });
    servers.push(server);
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(server.url)), nodeHash);
  });

  test("HTTP failures are errors naming the URL and the status", async () => {
    const server = await serve("/m/", (_request, response, path) => {
      if (!path.endsWith(".safetensors")) return false;
      response.writeHead(503, "Service Unavailable").end();
      return true;
    });
    servers.push(server);
    await assert.rejects(
      DDIMPipeline.fromPretrained(`${server.url}/nothing-here/`),
      new RegExp(`^ModelFolderError: ${server.url}/nothing-here/model_index\\.json: not found`),
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(`${server.url}/m/`),
      new RegExp(`${server.url}/m/unet/diffusion_pytorch_model\\.safetensors: HTTP 503 Service Unavailable`),
    );
    await assert.rejects(
      DDIMPipeline.fromPretrained(new UrlModelFolder("http://127.0.0.1:1/")),
      /^ModelFolderError: http:\/\/127\.0\.0\.1:1\/model_index\.json: request failed/,
    );
    assert.throws(() => new UrlModelFolder("ftp://example.com/x/"), /only http\(s\) URLs/);
  });
});

/** An in-memory stand-in for the browser's CacheStorage (Node 20 has none). */
class MemoryCache {
  readonly entries = new Map<string, { body: ArrayBuffer; status: number }>();
  async match(key: string): Promise<Response | undefined> {
    const hit = this.entries.get(key);
    return hit === undefined ? undefined : new Response(hit.body.slice(0), { status: hit.status });
  }
  async put(key: string, response: Response): Promise<void> {
    this.entries.set(key, { body: await response.arrayBuffer(), status: response.status });
  }
}

describe("Hub repositories through resolve URLs (the browser route)", () => {
  let hub: Served;
  const caches = new Map<string, MemoryCache>();
  before(async () => {
    // The Hub's resolve URLs: a branch answers with the commit it points to; a commit serves the files.
    hub = await serve(`/org/digits/resolve/${COMMIT}/`, (request, response, path) => {
      if (request.headers.authorization !== undefined && request.headers.authorization !== "Bearer secret") {
        response.writeHead(401).end();
        return true;
      }
      const branch = /^\/org\/digits\/resolve\/(main|no-header)\/(.+)$/.exec(path);
      if (branch === null) return false;
      const bytes = FILES.get(branch[2]);
      if (bytes === undefined) {
        response.writeHead(404).end();
        return true;
      }
      response.writeHead(200, branch[1] === "main" ? { "X-Repo-Commit": COMMIT } : {});
      response.end(request.method === "HEAD" ? undefined : bytes);
      return true;
    });
    (globalThis as { caches?: unknown }).caches = {
      open: async (name: string) => {
        if (!caches.has(name)) caches.set(name, new MemoryCache());
        return caches.get(name);
      },
    };
  });
  after(async () => {
    delete (globalThis as { caches?: unknown }).caches;
    await hub.close();
  });

  test("a branch is pinned to its commit, files are cached, and a second load fetches nothing cached", async () => {
    const folder = await hubModelFolder("org/digits", { endpoint: hub.url });
    assert.equal(folder.location, `${hub.url}/org/digits/resolve/${COMMIT}`);
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(folder)), nodeHash);
    const cached = [...(caches.get("reprodiff-hub")?.entries.keys() ?? [])].sort();
    assert.deepEqual(
      cached,
      [
        "model_index.json",
        "scheduler/scheduler_config.json",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
      ].map((path) => `${hub.url}/org/digits/resolve/${COMMIT}/${path}`),
    );
    hub.requests.length = 0;
    const again = await hubModelFolder("org/digits", { endpoint: hub.url });
    assert.equal(await outputHash(await DDIMPipeline.fromPretrained(again)), nodeHash);
    // Only the probe that pins the branch went to the server.
    assert.deepEqual(hub.requests, ["HEAD /org/digits/resolve/main/model_index.json"]);
  });

  test("without a readable commit header the branch is used as is and nothing is cached", async () => {
    caches.clear();
    const folder = await hubModelFolder("org/digits", { endpoint: hub.url, revision: "no-header" });
    assert.equal(folder.location, `${hub.url}/org/digits/resolve/no-header`);
    const unet = await UNet2DModel.fromPretrained(folder, { subfolder: "unet" });
    assert.equal(unet.config.sample_size, 16);
    assert.equal(caches.get("reprodiff-hub")?.entries.size ?? 0, 0);
  });

  test("tokens, bad ids and missing repositories", async () => {
    const folder = await hubModelFolder("org/digits", { endpoint: hub.url, revision: COMMIT, token: "secret" });
    assert.equal(folder.location, `${hub.url}/org/digits/resolve/${COMMIT}`);
    await assert.rejects(
      hubModelFolder("org/digits", { endpoint: hub.url, token: "wrong" }),
      /resolve\/main\/model_index\.json: HTTP 401: the repository, revision or file does not exist, or it is private/,
    );
    await assert.rejects(
      hubModelFolder("org/absent", { endpoint: hub.url }),
      /org\/absent\/resolve\/main\/model_index\.json: HTTP 404/,
    );
    await assert.rejects(hubModelFolder("org/../x", { endpoint: hub.url }), ModelFolderError);
    await assert.rejects(hubModelFolder("org/digits", { endpoint: hub.url, revision: "../x" }), ModelFolderError);
  });
});

test("getThreadStatus tells how many threads the last job used", () => {
  const backend = getBackend();
  const threads = getNumThreads();
  try {
    setBackend("reference");
    const reference = getThreadStatus();
    assert.equal(reference.backend, "reference");
    assert.equal(reference.lastThreads, 1);
    assert.match(reference.singleThreadReason ?? "", /reference backend/);
    assert.ok(reference.cores >= 1);
    if (!listBackends().includes("wasm")) return;
    setBackend("wasm");
    setNumThreads(2);
    const probe = Tensor.zeros([64, 64]);
    ops.matmul(probe, probe);
    const wasm = getThreadStatus();
    assert.equal(wasm.backend, "wasm");
    assert.equal(wasm.numThreads, 2);
    assert.equal(wasm.singleThreadReason, null);
    assert.ok(wasm.lastThreads >= 1 && wasm.lastThreads <= 2, String(wasm.lastThreads));
  } finally {
    setBackend(backend);
    setNumThreads(threads);
  }
});

test("Stable Diffusion (tokenizer, text encoder, UNet, VAE) from memory gives the file system's bytes", async () => {
  const dir = fixturePath("sd", "tiny-sd-pipe");
  const blobs = new Map<string, Blob>();
  for (const [path, bytes] of folderFiles(dir)) blobs.set(path, new Blob([bytes]));
  const run = async (pipe: StableDiffusionPipeline) => {
    const { images } = await pipe.generate({
      prompt: "a photo of an astronaut riding a horse",
      numInferenceSteps: 1,
      height: 64,
      width: 64,
      generator: new Generator().manualSeed(0),
      outputType: "np",
    });
    return createHash("sha256")
      .update(new Uint8Array(images.data.buffer, images.data.byteOffset, images.data.byteLength))
      .digest("hex");
  };
  const fromDisk = await run(await StableDiffusionPipeline.fromPretrained(dir));
  const pipe = await DiffusionPipeline.fromPretrained(new MemoryModelFolder(blobs, "mem://tiny-sd"));
  assert.ok(pipe instanceof StableDiffusionPipeline);
  assert.equal(await run(pipe), fromDisk);
});
