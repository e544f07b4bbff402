// A Stable Diffusion repository on the local Hub stand-in, laid out like runwayml/stable-diffusion-v1-5
// (safety_checker and feature_extractor folders included): fromPretrained downloads only the components
// the pipeline loads, and an unsupported pipeline class fails before any weights are requested.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { DiffusionPipeline, StableDiffusionPipeline } from "../../src/pipelines/index.js";
import { fixturePath } from "../helpers/fixtures.js";
import { bytes, type MockFile, MockHub, text } from "../hub/mock-hub.js";

const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
const REPO = "reprodiff-test/tiny-sd";
const UNKNOWN = "reprodiff-test/tiny-sdxl";
const tinySd = fixturePath("sd", "tiny-sd-pipe");
const cache = mkdtempSync(join(tmpdir(), "reprodiff-sd-hub-"));
let hub: MockHub;
const savedEnv = { ...process.env };

function listFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(folder, join(e.parentPath, e.name)));
}

function repoFiles(classOverride?: string): Record<string, MockFile> {
  const files: Record<string, MockFile> = {};
  for (const f of listFiles(tinySd)) {
    files[f] = { content: new Uint8Array(readFileSync(join(tinySd, f))), lfs: f.endsWith(".safetensors") };
  }
  const index = JSON.parse(readFileSync(join(tinySd, "model_index.json"), "utf8"));
  files["model_index.json"] = text(
    JSON.stringify({
      ...index,
      ...(classOverride !== undefined ? { _class_name: classOverride } : {}),
      safety_checker: ["stable_diffusion", "StableDiffusionSafetyChecker"],
      feature_extractor: ["transformers", "CLIPImageProcessor"],
      requires_safety_checker: true,
    }),
  );
  files["safety_checker/config.json"] = text('{"architectures": ["StableDiffusionSafetyChecker"]}');
  files["safety_checker/model.safetensors"] = { content: bytes(4096, 7), lfs: true };
  files["safety_checker/pytorch_model.bin"] = { content: bytes(4096, 8), lfs: true };
  files["feature_extractor/preprocessor_config.json"] = text('{"crop_size": 224}');
  files["README.md"] = text("# tiny sd\n");
  return files;
}

before(async () => {
  hub = await new MockHub().start();
  hub.repos.set(REPO, { commits: { [COMMIT]: repoFiles() }, refs: { main: COMMIT } });
  hub.repos.set(UNKNOWN, { commits: { [COMMIT]: repoFiles("StableDiffusionXLPipeline") }, refs: { main: COMMIT } });
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

test("a Stable Diffusion repo downloads only the components the pipeline loads, never the safety checker", async () => {
  const pipe = await DiffusionPipeline.fromPretrained(REPO);
  assert.ok(pipe instanceof StableDiffusionPipeline);
  const requested = hub.log.map((r) => r.url);
  assert.ok(requested.some((u) => u.includes("unet/diffusion_pytorch_model.safetensors")));
  for (const skipped of ["safety_checker", "feature_extractor", "README.md"]) {
    assert.ok(!requested.some((u) => u.includes(skipped)), `${skipped} was requested: ${requested.join("\n")}`);
  }
  const snapshot = join(cache, "models--reprodiff-test--tiny-sd", "snapshots", COMMIT);
  assert.deepEqual(readdirSync(snapshot).sort(), [
    "model_index.json",
    "scheduler",
    "text_encoder",
    "tokenizer",
    "unet",
    "vae",
  ]);
  // Loaded again offline from the cache, with no request at all.
  const before = hub.log.length;
  const offline = await StableDiffusionPipeline.fromPretrained(REPO, { localFilesOnly: true });
  assert.equal(offline.modelIndex.requires_safety_checker, true);
  assert.equal(hub.log.length, before);
});

test("an unsupported pipeline class fails after model_index.json, before any weights are requested", async () => {
  const before = hub.log.length;
  await assert.rejects(
    DiffusionPipeline.fromPretrained(UNKNOWN),
    /names pipeline class "StableDiffusionXLPipeline", which reprodiff does not provide \(available: .*StableDiffusionPipeline\)/,
  );
  const requested = hub.log.slice(before).map((r) => r.url);
  assert.ok(requested.some((u) => u.includes("model_index.json")));
  assert.ok(!requested.some((u) => u.includes(".safetensors")), requested.join("\n"));
});
