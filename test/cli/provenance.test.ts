// The provenance commands as a user runs them: generate writes the record, inspect prints it, replay
// makes the image again (bit-identical, or what differs and why), verify and record run manifests.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { decode, encode } from "fast-png";
import { bundledModelPath } from "../../src/pipelines/bundled.node.js";
import { resolvePipelineSource } from "../../src/provenance/model.node.js";
import { bytesSource, insertITxt, PROVENANCE_KEYWORD, readProvenanceText } from "../../src/provenance/png.js";
import { fixturePath } from "../helpers/fixtures.js";
import { type MockFile, MockHub } from "../hub/mock-hub.js";

const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const GOLDEN = fileURLToPath(new URL("../../../test/golden-manifest.json", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "reprodiff-prov-cli-"));
after(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [main, ...args], {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function flipWeightByte(folder: string, file = "unet/diffusion_pytorch_model.safetensors"): void {
  const path = join(folder, file);
  const bytes = readFileSync(path);
  bytes[bytes.length - 1001] ^= 0x08;
  writeFileSync(path, bytes);
}

test("generate -> inspect prints the record; --json gives the record generation.json holds", () => {
  const out = join(work, "gen");
  const g = cli(["generate", "--steps", "2", "--seeds", "3,4", "--scale", "2", "--out", out, "-q"]);
  assert.equal(g.status, 0, g.stderr);
  const r = cli(["inspect", join(out, "image-1.png")]);
  assert.equal(r.status, 0, r.stderr);
  for (const line of [
    /made by\s+reprodiff 0\.1\.0, numerics v1/,
    /pipeline\s+DDIMPipeline with DDIMScheduler/,
    /model\s+bundled:ddpm-digits-16 \(bundled\)/,
    /unet\/diffusion_pytorch_model\.safetensors\s+sha256 [0-9a-f]{64}\s+4469660 bytes/,
    /call\s+batchSize 2, numInferenceSteps 2, outputType "np"/,
    /generators\s+one per image: seeds 3, 4/,
    /engine\s+wasm, \d+ threads?, deterministic, full determinism off/,
    /output\s+np float32 \[2, 16, 16, 1\], 2 steps run/,
    /output sha256\s+[0-9a-f]{64}/,
    /this PNG\s+image 1 of 2, enlarged 2x/,
    /scheduler config\s+.*num_train_timesteps=1000/,
  ]) {
    assert.match(r.stdout, line);
  }
  const json = cli(["inspect", "--json", join(out, "grid.png")]);
  assert.equal(json.status, 0, json.stderr);
  const record = JSON.parse(json.stdout);
  const meta = JSON.parse(readFileSync(join(out, "generation.json"), "utf8"));
  assert.deepEqual({ ...record, image: undefined }, { ...meta.provenance, image: undefined });
  assert.deepEqual(record.image, { kind: "grid", columns: 2, scale: 2, gap: 2 });
});

test("replay of a freshly generated PNG is bit-identical (exit 0), on the other backend too", () => {
  const out = join(work, "fresh");
  assert.equal(cli(["generate", "--steps", "2", "--seed", "9", "--scheduler", "ddpm", "--out", out, "-q"]).status, 0);
  const r = cli(["replay", join(out, "image-0.png")]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^bit-identical: output sha256 [0-9a-f]{64}$/m);
  const ref = cli(["replay", join(out, "image-0.png"), "--backend", "reference", "--threads", "1"]);
  assert.equal(ref.status, 0, ref.stdout + ref.stderr);
  assert.match(ref.stdout, /engine reference \(1 threads\)\nbit-identical/);
});

test("one changed weight byte in a copied model folder: replay exits 1 and names the file", () => {
  const model = join(work, "model-copy");
  cpSync(bundledModelPath(), model, { recursive: true });
  const out = join(work, "from-copy");
  const g = cli(["generate", model, "--steps", "3", "--seed", "1", "--output-type", "png,npy", "--out", out, "-q"]);
  assert.equal(g.status, 0, g.stderr);
  assert.equal(cli(["replay", join(out, "image-0.png")]).status, 0);
  flipWeightByte(model);
  const r = cli(["replay", join(out, "image-0.png")]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /DIFFERENT:/);
  assert.match(
    r.stdout,
    /floats\s+max\|Δ\| [\d.e+-]+, mean\|Δ\| [\d.e+-]+, cosine distance [\d.e+-]+, \d+ of 256 values changed/,
  );
  assert.match(r.stdout, /pixels\s+/);
  assert.match(
    r.stdout,
    /why:\n {2}- weights hash mismatch: unet\/diffusion_pytorch_model\.safetensors is [0-9a-f]{16}… \(4469660 bytes\) but the record has [0-9a-f]{16}…/,
  );
  const json = JSON.parse(cli(["replay", "--json", join(out, "image-0.png")]).stdout);
  assert.equal(json.ok, false);
  assert.equal(json.reasons[0].kind, "weights");
  assert.ok(json.floats.maxAbsDiff > 0);
});

test("a Hub model: replay loads the recorded commit from the cache; a changed cached weight byte is named", async () => {
  const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
  const REPO = "reprodiff-test/digits-provenance";
  const cache = join(work, "hf-cache");
  const hub = await new MockHub().start();
  const file = (rel: string, lfs = false): MockFile => ({
    content: new Uint8Array(readFileSync(join(bundledModelPath(), rel))),
    lfs,
  });
  hub.repos.set(REPO, {
    commits: {
      [COMMIT]: {
        "model_index.json": file("model_index.json"),
        "scheduler/scheduler_config.json": file("scheduler/scheduler_config.json"),
        "unet/config.json": file("unet/config.json"),
        "unet/diffusion_pytorch_model.safetensors": file("unet/diffusion_pytorch_model.safetensors", true),
      },
    },
    refs: { main: COMMIT },
  });
  const savedEndpoint = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = hub.endpoint;
  try {
    const source = await resolvePipelineSource(REPO, { cacheDir: cache });
    assert.equal(source.model.commit, COMMIT);
  } finally {
    if (savedEndpoint === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = savedEndpoint;
    await hub.close();
  }
  const env = { HF_HUB_CACHE: cache, HF_ENDPOINT: "http://127.0.0.1:9" };
  const out = join(work, "from-hub");
  const g = cli(["generate", REPO, "--offline", "--steps", "2", "--out", out, "-q"], env);
  assert.equal(g.status, 0, g.stderr);
  const inspect = cli(["inspect", join(out, "image-0.png")], env);
  assert.match(inspect.stdout, new RegExp(`model\\s+${REPO} \\(hub, commit ${COMMIT}, revision main\\)`));
  assert.equal(cli(["replay", "--offline", join(out, "image-0.png")], env).status, 0);
  flipWeightByte(join(cache, "models--reprodiff-test--digits-provenance", "snapshots", COMMIT));
  const r = cli(["replay", "--offline", join(out, "image-0.png")], env);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /weights hash mismatch: unet\/diffusion_pytorch_model\.safetensors/);
});

test("a PNG whose pixels were edited after writing: floats replay bit-identically, the pixels do not (exit 1)", async () => {
  const out = join(work, "edited");
  assert.equal(cli(["generate", "--steps", "2", "--out", out, "-q"]).status, 0);
  const path = join(out, "image-0.png");
  const original = new Uint8Array(readFileSync(path));
  const text = await readProvenanceText(bytesSource(original));
  const png = decode(original);
  const data = new Uint8Array(png.data);
  data[17] ^= 0x80;
  writeFileSync(
    path,
    insertITxt(
      encode({ width: png.width, height: png.height, channels: png.channels, depth: 8, data }),
      PROVENANCE_KEYWORD,
      text,
    ),
  );
  const r = cli(["replay", path]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /float output is bit-identical .* but the PNG's pixels are not/);
  assert.match(r.stdout, /pixels\s+1 of 256 pixels changed, max 128\/255/);
  assert.match(r.stdout, /the image was edited after it was written/);
});

test("unreadable or foreign PNGs: one clear line, exit 2", () => {
  const foreign = join(work, "foreign.png");
  writeFileSync(foreign, encode({ width: 1, height: 1, channels: 1, depth: 8, data: new Uint8Array([0]) }));
  const notPng = join(work, "not.png");
  writeFileSync(notPng, "hello");
  const cases: [string[], RegExp][] = [
    [["inspect", foreign], /has no provenance: there is no iTXt chunk "reprodiff"/],
    [["replay", foreign], /has no provenance/],
    [["inspect", notPng], /is not a PNG file/],
    [["verify", notPng], /is not valid JSON/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
  const missing = cli(["inspect", join(work, "nope.png")]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.png/);
});

test("verify exits 0 on the golden manifest and 1 on a regression; record -> verify round-trips", () => {
  const ok = cli(["verify", GOLDEN, "--case", "ddim-10-eta1-seed3", "--case", "euler-10-seed4"]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS {2}ddim-10-eta1-seed3/);
  assert.match(ok.stdout, /all 2 cases pass/);

  const manifest = JSON.parse(readFileSync(GOLDEN, "utf8"));
  manifest.cases[4].expect.absSum.value += 1;
  const bad = join(work, "bad-manifest.json");
  writeFileSync(bad, JSON.stringify(manifest));
  const fail = cli(["verify", bad, "--case", "ddim-10-eta1-seed3"]);
  assert.equal(fail.status, 1, fail.stdout + fail.stderr);
  assert.match(fail.stdout, /FAIL {2}ddim-10-eta1-seed3 .*absSum FAILED/);
  assert.match(fail.stdout, /1 of 1 cases FAILED/);

  const input = join(work, "in.json");
  writeFileSync(
    input,
    JSON.stringify({
      format: "reprodiff-manifest",
      formatVersion: 1,
      cases: [{ name: "one", seed: "2", args: { numInferenceSteps: 2 } }],
    }),
  );
  const recorded = join(work, "out", "m.json");
  const rec = cli(["record", input, "--out", recorded]);
  assert.equal(rec.status, 0, rec.stderr);
  assert.match(rec.stdout, /recorded 1 case \(one\) with numerics v1/);
  const again = cli(["verify", recorded, "--json"]);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.equal(JSON.parse(again.stdout).ok, true);
});

test("Stable Diffusion PNGs carry the record too: replay is bit-identical, a changed text-encoder byte is named", () => {
  const model = join(work, "tiny-sd");
  cpSync(fixturePath("sd", "tiny-sd-pipe"), model, { recursive: true });
  const out = join(work, "sd");
  const g = cli([
    "generate",
    model,
    "--prompt",
    "an astronaut riding a horse",
    "--steps",
    "2",
    "--seed",
    "0",
    "--out",
    out,
    "-q",
  ]);
  assert.equal(g.status, 0, g.stderr);
  const inspect = cli(["inspect", join(out, "image-0.png")]);
  assert.match(inspect.stdout, /pipeline\s+StableDiffusionPipeline with PNDMScheduler/);
  assert.match(inspect.stdout, /call\s+prompt "an astronaut riding a horse", guidanceScale 7\.5, numInferenceSteps 2/);
  assert.match(inspect.stdout, /tokenizer\/vocab\.json\s+sha256 [0-9a-f]{64}/);
  const r = cli(["replay", join(out, "image-0.png")]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /bit-identical/);
  flipWeightByte(model, "text_encoder/model.safetensors");
  const changed = cli(["replay", join(out, "image-0.png")]);
  assert.equal(changed.status, 1, changed.stdout + changed.stderr);
  assert.match(changed.stdout, /weights hash mismatch: text_encoder\/model\.safetensors/);
});
