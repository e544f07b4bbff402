// End to end: builds the browser demo (examples/browser), serves it on 127.0.0.1 with and without the
// cross-origin isolation headers, drives Debian's Chromium through its controls, and checks that the sha256
// of the browser's float32 output equals the one this Node process computes, for 2 seeds and 1 vs 3 threads.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { DDIMPipeline, Generator, getBackend, getNumThreads } from "../../src/index.js";
import { bundledModelPath } from "../../src/pipelines/bundled.node.js";
import { type LoggedServer, loggedServer } from "../helpers/http-server.js";

const CHROMIUM = "/usr/bin/chromium";
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const STEPS = 10;
const BATCH = 3;
const SEEDS = [0, 1];
const PAGE_TIMEOUT_MS = 60_000;

interface ExpectedHash {
  seed: number;
  steps: number;
  batchSize: number;
  sha256: string;
}
interface DemoBuild {
  buildDemo(options: {
    outDir: string;
    expected: { node: { version: string; backend: string; threads: number }; hashes: ExpectedHash[] };
    minify?: boolean;
  }): Promise<string>;
}
interface DemoServer {
  serveDemo(root: string, options: { isolated: boolean }): Promise<{ url: string; close(): Promise<void> }>;
}

/** The demo's own build and serve scripts (plain .mjs files, outside the compiled tree). */
async function demoModule<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(join(repoRoot, "examples/browser", name)).href)) as T;
}

async function nodeHash(pipe: DDIMPipeline, seed: number): Promise<string> {
  const { images } = await pipe.generate({
    batchSize: BATCH,
    numInferenceSteps: STEPS,
    generator: new Generator().manualSeed(seed),
    outputType: "np",
  });
  const data = images.data;
  return createHash("sha256")
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
}

interface PageResult {
  state: string;
  error: string;
  browserHash: string;
  nodeHash: string;
  verdict: string;
  threadsUsed: number;
  progress: number;
}

/** Fills the page's controls, clicks Generate, waits for that run to finish and reads what the page shows. */
async function generateOnPage(page: Page, seed: number, threads: number | null): Promise<PageResult> {
  const previousRun = Number((await page.getAttribute("#status", "data-run")) ?? "0");
  await page.fill("#seed", String(seed));
  await page.fill("#steps", String(STEPS));
  await page.fill("#batch", String(BATCH));
  if (threads !== null) await page.fill("#threads", String(threads));
  await page.click("#generate");
  await page.waitForFunction(
    (previous) => {
      const status = document.getElementById("status");
      const state = status?.dataset.state;
      return Number(status?.dataset.run ?? "0") > previous && (state === "done" || state === "error");
    },
    previousRun,
    { timeout: PAGE_TIMEOUT_MS },
  );
  const text = async (selector: string) => ((await page.textContent(selector)) ?? "").trim();
  return {
    state: (await page.getAttribute("#status", "data-state")) ?? "",
    error: await text("#error"),
    browserHash: await text("#hash-browser"),
    nodeHash: await text("#hash-node"),
    verdict: await text("#verdict"),
    threadsUsed: Number(await text("#threads-used")),
    progress: await page.$eval("#progress", (el) => (el as HTMLProgressElement).value),
  };
}

const HUB_REPO = "reprodiff-test/ddpm-digits-16";
const HUB_COMMIT = "0123456789abcdef0123456789abcdef01234567";

/**
 * A stand-in for the Hub's resolve URLs on another origin, with the Hub's CORS headers: `main` answers with
 * the commit it points to (X-Repo-Commit), the commit serves the bundled model's files. Logs every request.
 */
async function fakeHub(): Promise<LoggedServer> {
  const model = bundledModelPath();
  return loggedServer((request, response, path) => {
    const headers: Record<string, string> = {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Expose-Headers": "X-Repo-Commit",
      "Cross-Origin-Resource-Policy": "cross-origin",
      "X-Repo-Commit": HUB_COMMIT,
    };
    const match = new RegExp(`^/${HUB_REPO}/resolve/(main|${HUB_COMMIT})/([\\w./-]+)$`).exec(path);
    const file = match === null || match[2].includes("..") ? null : join(model, match[2]);
    if (file === null || !existsSync(file)) {
      response.writeHead(404, headers).end();
      return;
    }
    const bytes = readFileSync(file);
    response.writeHead(200, { ...headers, "Content-Length": String(bytes.length) });
    response.end(request.method === "HEAD" ? undefined : bytes);
  });
}

// esbuild bundles the demo without type-checking it; this keeps its sources honest against the library.
test("the demo's TypeScript type-checks against the library", { timeout: 60_000 }, () => {
  const result = spawnSync("npx", ["tsc", "-p", "examples/browser/tsconfig.json"], { cwd: repoRoot, encoding: "utf8" });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`;
if (skip) console.log(`browser demo e2e skipped: ${skip}`);

describe("browser demo in Chromium", { skip, timeout: 240_000 }, () => {
  const expected = new Map<number, string>();
  const consoleLines: string[] = [];
  const servers: { url: string; close(): Promise<void> }[] = [];
  let outDir: string | null = null;
  let profileDir: string | null = null;
  let context: BrowserContext | null = null;

  before(
    async () => {
      const pipe = await DDIMPipeline.fromPretrained();
      for (const seed of SEEDS) expected.set(seed, await nodeHash(pipe, seed));
      outDir = await mkdtemp(join(tmpdir(), "reprodiff-demo-"));
      const { buildDemo } = await demoModule<DemoBuild>("build.mjs");
      await buildDemo({
        outDir,
        minify: false,
        expected: {
          node: { version: packageVersion(), backend: getBackend().name, threads: getNumThreads() },
          hashes: SEEDS.map((seed) => ({ seed, steps: STEPS, batchSize: BATCH, sha256: expected.get(seed) ?? "" })),
        },
      });
      const { serveDemo } = await demoModule<DemoServer>("serve.mjs");
      servers.push(await serveDemo(outDir, { isolated: true }));
      servers.push(await serveDemo(outDir, { isolated: false }));
      profileDir = await mkdtemp(join(tmpdir(), "reprodiff-chromium-"));
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        timeout: 30_000,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--disable-quic",
        ],
      });
      context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    },
    { timeout: 120_000 },
  );

  after(async () => {
    // Each step on its own, so one failure never leaves the browser, a server or a folder behind.
    await context?.close().catch(() => {});
    for (const server of servers) await server.close().catch(() => {});
    for (const dir of [outDir, profileDir]) if (dir !== null) await rm(dir, { recursive: true, force: true });
  });

  async function openDemo(url: string): Promise<Page> {
    assert.ok(context !== null, "Chromium did not start");
    const page = await context.newPage();
    page.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
    await page.goto(url);
    await page.waitForSelector("#status[data-state=ready], #status[data-state=error]");
    assert.equal(await page.getAttribute("#status", "data-state"), "ready", (await page.textContent("#error")) ?? "");
    return page;
  }

  test("cross-origin isolated: 2 seeds × 1 and 3 threads give Node's sha256", async () => {
    const page = await openDemo(servers[0].url);
    try {
      assert.equal(await page.getAttribute("#status", "data-isolated"), "true", "COOP/COEP did not isolate the page");
      for (const threads of [1, 3]) {
        for (const seed of SEEDS) {
          const what = `seed ${seed}, ${threads} thread(s)`;
          const result = await generateOnPage(page, seed, threads);
          assert.equal(result.state, "done", `${what}: ${result.error}\n${consoleLines.join("\n")}`);
          assert.match(result.browserHash, /^[0-9a-f]{64}$/, what);
          assert.equal(result.browserHash, expected.get(seed), `${what}: the browser's sha256 differs from Node's`);
          assert.equal(result.nodeHash, expected.get(seed), `${what}: the page shows another Node hash`);
          assert.match(result.verdict, /identical to Node/, what);
          assert.equal(result.threadsUsed, threads, `${what}: the engine used ${result.threadsUsed} thread(s)`);
          assert.equal(result.progress, STEPS, `${what}: progress did not reach the last step`);
        }
      }
      assert.notEqual(expected.get(0), expected.get(1), "two seeds gave the same output");
    } finally {
      await page.close();
    }
  });

  test("a Hub repo id loads through resolve URLs, pinned to a commit and cached: same sha256", async () => {
    const hub = await fakeHub();
    servers.push(hub);
    const url = `${servers[0].url}?model=${HUB_REPO}&endpoint=${encodeURIComponent(hub.url)}`;
    for (const visit of ["first", "second"]) {
      hub.requests.length = 0;
      const page = await openDemo(url);
      try {
        assert.match((await page.textContent("#status")) ?? "", new RegExp(`Model ${HUB_REPO} loaded`));
        const result = await generateOnPage(page, SEEDS[0], 1);
        assert.equal(result.state, "done", `${visit} visit: ${result.error}\n${consoleLines.join("\n")}`);
        assert.equal(result.browserHash, expected.get(SEEDS[0]), `${visit} visit: the sha256 differs from Node's`);
        const probe = `HEAD /${HUB_REPO}/resolve/main/model_index.json`;
        if (visit === "first") {
          assert.equal(hub.requests[0], probe);
          assert.ok(
            hub.requests.includes(`GET /${HUB_REPO}/resolve/${HUB_COMMIT}/unet/diffusion_pytorch_model.safetensors`),
            hub.requests.join("\n"),
          );
        } else {
          // Everything of the pinned commit came from the Cache API; only the branch was asked about.
          assert.deepEqual(hub.requests, [probe]);
        }
      } finally {
        await page.close();
      }
    }
  });

  test("not isolated: one thread, said on the console, same sha256", async () => {
    const page = await openDemo(servers[1].url);
    try {
      assert.equal(await page.getAttribute("#status", "data-isolated"), "false");
      assert.equal(await page.isEnabled("#threads"), false, "the thread control should be off without isolation");
      assert.ok(
        consoleLines.some((line) => line.includes("wasm backend runs on one thread") && line.includes("isolated")),
        `no console line explains the single thread:\n${consoleLines.join("\n")}`,
      );
      const result = await generateOnPage(page, SEEDS[1], null);
      assert.equal(result.state, "done", result.error);
      assert.equal(result.browserHash, expected.get(SEEDS[1]));
      assert.equal(result.threadsUsed, 1);
    } finally {
      await page.close();
    }
  });
});
