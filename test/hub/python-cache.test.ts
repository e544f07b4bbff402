// Interoperability with a cache written by Python's huggingface_hub 0.26.0 (test/fixtures/hub): we read
// it offline, we write the very same layout for the same repository, and we extend it in place.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { hubTryDownloadFile, resolveModelFiles, resolvePipelineFiles } from "../../src/hub/index.js";
import { serializeSafetensors } from "../../src/io/safetensors.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixturePath } from "../helpers/fixtures.js";
import { bytes, MockHub, text } from "./mock-hub.js";

const COMMIT = "3".repeat(40);
const tmp = mkdtempSync(join(tmpdir(), "reprodiff-pycache-"));
let hub: MockHub;

before(async () => {
  hub = await new MockHub().start();
  // The repository the fixture was downloaded from (see test/fixtures/hub/README.md).
  hub.repos.set("org/pipe", {
    commits: {
      [COMMIT]: {
        "model_index.json": text(
          JSON.stringify({
            _class_name: "DDPMPipeline",
            scheduler: ["diffusers", "DDPMScheduler"],
            unet: ["diffusers", "UNet2DModel"],
          }),
        ),
        "scheduler/scheduler_config.json": text("{}"),
        "unet/config.json": text('{"a": 1}'),
        "unet/diffusion_pytorch_model.safetensors": {
          content: serializeSafetensors({ w: Tensor.from(new Float32Array(5000).fill(4), [5000]) }, { format: "pt" }),
          lfs: true,
        },
        "unet/diffusion_pytorch_model.fp16.safetensors": { content: bytes(3000, 5), lfs: true },
      },
    },
    refs: { main: COMMIT },
  });
});

after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

function copyPythonCache(name: string): string {
  const dir = join(tmp, name);
  cpSync(fixturePath("hub", "python-cache"), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** Every entry under `dir` as "path -> link target" or "path (file, size)", ignoring locks and our tree listings. */
function layout(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (rel === ".locks" || rel.endsWith("/trees")) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(p)}`);
      else out.push(`${rel} (${statSync(p).size} bytes)`);
    }
  };
  walk(dir);
  return out.sort();
}

test("a cache written by Python's huggingface_hub serves reprodiff offline", async () => {
  const cacheDir = copyPythonCache("read");
  const before = hub.log.length;
  const env = { HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: "1", HF_HOME: tmp };
  const pipe = await resolvePipelineFiles("org/pipe", { env });
  assert.equal(pipe.source, "cache");
  assert.equal(pipe.commit, COMMIT);
  assert.deepEqual(pipe.files, [
    "model_index.json",
    "scheduler/scheduler_config.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
  ]);
  assert.equal(readFileSync(join(pipe.path, "unet/config.json"), "utf8"), '{"a": 1}');
  assert.equal(
    await hubTryDownloadFile("org/pipe", "unet/missing.json", { env }),
    null,
    "Python's .no_exist marker is honoured",
  );
  assert.equal(hub.log.length, before, "no request was made");
});

test("reprodiff writes the same cache as Python for the same repository", async () => {
  const ours = join(tmp, "ours");
  await resolvePipelineFiles("org/pipe", { cacheDir: ours, endpoint: hub.endpoint, env: { HF_HOME: tmp } });
  assert.equal(
    await hubTryDownloadFile("org/pipe", "unet/missing.json", { cacheDir: ours, endpoint: hub.endpoint, env: {} }),
    null,
  );
  assert.deepEqual(layout(ours), layout(fixturePath("hub", "python-cache")));
});

test("reprodiff adds to a Python-written cache in place", async () => {
  const cacheDir = copyPythonCache("extend");
  const original = layout(cacheDir);
  const fp16 = await resolveModelFiles("org/pipe", {
    cacheDir,
    endpoint: hub.endpoint,
    env: { HF_HOME: tmp },
    subfolder: "unet",
    variant: "fp16",
  });
  assert.equal(fp16.commit, COMMIT);
  const now = layout(cacheDir);
  for (const entry of original) assert.ok(now.includes(entry), `Python's entry ${entry} was kept`);
  assert.ok(
    now.some((e) =>
      e.startsWith(
        `models--org--pipe/snapshots/${COMMIT}/unet/diffusion_pytorch_model.fp16.safetensors -> ../../../blobs/`,
      ),
    ),
  );
});

test("verify: a corrupted cached blob is reported offline and repaired online", async () => {
  const cacheDir = copyPythonCache("verify");
  const { writeFileSync, realpathSync } = await import("node:fs");
  const { CorruptDownloadError, snapshotDownload } = await import("../../src/hub/index.js");
  const weights = join(
    cacheDir,
    "models--org--pipe",
    "snapshots",
    COMMIT,
    "unet",
    "diffusion_pytorch_model.safetensors",
  );
  const good = readFileSync(weights);
  const bad = Buffer.from(good);
  bad[100] ^= 1;
  writeFileSync(realpathSync(weights), bad);
  const base = { cacheDir, env: { HF_HOME: tmp }, subfolder: "unet" };
  // Without verify the cache is trusted, as huggingface_hub trusts it.
  await resolveModelFiles("org/pipe", { ...base, localFilesOnly: true });
  await assert.rejects(resolveModelFiles("org/pipe", { ...base, localFilesOnly: true, verify: true }), (e: Error) => {
    assert.ok(e instanceof CorruptDownloadError, String(e));
    assert.match(
      e.message,
      /diffusion_pytorch_model\.safetensors: cached file is corrupted \(sha256 is [0-9a-f]{64}, its blob name says c38339ad/,
    );
    return true;
  });
  const before = hub.log.length;
  await resolveModelFiles("org/pipe", { ...base, endpoint: hub.endpoint, verify: true });
  assert.deepEqual(readFileSync(weights), good);
  assert.equal(
    hub.log.slice(before).filter((r) => r.server === "cdn").length,
    1,
    "only the bad file was fetched again",
  );
  // Online with checkForUpdates the check applies too.
  writeFileSync(realpathSync(weights), bad);
  await snapshotDownload("org/pipe", {
    cacheDir,
    env: { HF_HOME: tmp },
    endpoint: hub.endpoint,
    checkForUpdates: true,
    verify: true,
    allowPatterns: "unet/*.safetensors",
    ignorePatterns: "*fp16*",
  });
  assert.deepEqual(readFileSync(weights), good);
});
