// fromPretrained with a Hub repo id, against the local Hub stand-in: the bundled digits model served as
// a repository, downloaded into a fresh cache, then loaded again offline, by the library and the CLI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { bundledModelPath } from "../../src/pipelines/bundled.node.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import { Generator } from "../../src/rng/index.js";
import { type MockFile, MockHub } from "../hub/mock-hub.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const REPO = "reprodiff-test/ddpm-digits-16";
const cache = mkdtempSync(join(tmpdir(), "reprodiff-pipe-hub-"));
let hub: MockHub;
const savedEnv = { ...process.env };

function file(relative: string, lfs = false): MockFile {
  return { content: new Uint8Array(readFileSync(join(bundledModelPath(), relative))), lfs };
}

before(async () => {
  hub = await new MockHub().start();
  hub.repos.set(REPO, {
    commits: {
      [COMMIT]: {
        "model_index.json": file("model_index.json"),
        "README.md": file("README.md"),
        "scheduler/scheduler_config.json": file("scheduler/scheduler_config.json"),
        "unet/config.json": file("unet/config.json"),
        "unet/diffusion_pytorch_model.safetensors": file("unet/diffusion_pytorch_model.safetensors", true),
      },
    },
    refs: { main: COMMIT },
  });
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.HF_HUB_CACHE = cache;
  delete process.env.HF_HUB_OFFLINE;
  delete process.env.HF_TOKEN;
});

after(async () => {
  await hub.close();
  process.env = savedEnv;
  rmSync(cache, { recursive: true, force: true });
});

const twoSteps = async (pipe: DDIMPipeline) =>
  (await pipe.generate({ numInferenceSteps: 2, generator: new Generator().manualSeed(0), outputType: "np" })).images;

test("a repo id downloads what the pipeline needs into the HF cache and gives the local folder's images", async () => {
  const fromHub = await DDIMPipeline.fromPretrained(REPO);
  const local = await DDIMPipeline.fromPretrained(bundledModelPath());
  assert.deepEqual((await twoSteps(fromHub)).data, (await twoSteps(local)).data);
  const snapshot = join(cache, "models--reprodiff-test--ddpm-digits-16", "snapshots", COMMIT);
  assert.deepEqual(readdirSync(join(snapshot, "unet")).sort(), ["config.json", "diffusion_pytorch_model.safetensors"]);
  // Only what the pipeline needs: no README.
  assert.ok(!readdirSync(snapshot).includes("README.md"));
});

test("a cached repo loads offline with no request, from the library and the CLI", async () => {
  const before = hub.log.length;
  const pipe = await DDIMPipeline.fromPretrained(REPO, { localFilesOnly: true });
  assert.equal((await twoSteps(pipe)).shape[0], 1);
  assert.equal(hub.log.length, before);

  const out = mkdtempSync(join(cache, "cli-"));
  const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
  const r = spawnSync(process.execPath, [main, "generate", REPO, "--offline", "--steps", "2", "--out", out], {
    encoding: "utf8",
    env: { ...process.env, HF_ENDPOINT: "http://127.0.0.1:9", HF_HUB_CACHE: cache },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readdirSync(out).includes("image-0.png"));
  assert.equal(hub.log.length, before);
});

test("an unknown repo is a clear error", async () => {
  await assert.rejects(DDIMPipeline.fromPretrained("reprodiff-test/missing"), /reprodiff-test\/missing/);
});
