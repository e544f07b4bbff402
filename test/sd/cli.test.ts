import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runStableDiffusion } from "../../src/cli/stable-diffusion.js";
import { fixturePath } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "reprodiff-sd-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  seed: 0n,
  out: dir,
  outputType: ["png" as const],
  scale: 1,
  progress: false,
  steps: 2,
  width: 64,
  height: 64,
};

test("generate --prompt: PNGs with the prompt in their text chunks, generation.json, repo scheduler by default", async () => {
  const model = fixturePath("sd", "tiny-sd-pipe");
  const outcome = await runStableDiffusion(model, {
    ...base,
    prompt: "a photo of an astronaut riding a horse",
    negativePrompt: "blurry",
    guidance: 7.5,
    seeds: [0n, 1n],
  });
  assert.equal(outcome.info.scheduler, "PNDMScheduler");
  assert.deepEqual(outcome.info.seeds, ["0", "1"]);
  assert.deepEqual(outcome.files.map((f) => f.slice(dir.length + 1)).sort(), [
    "generation.json",
    "grid.png",
    "image-0.png",
    "image-1.png",
  ]);
  const png = readFileSync(join(dir, "image-0.png")).toString("latin1");
  assert.ok(png.includes("reprodiff:prompt\0a photo of an astronaut riding a horse"));
  const record = JSON.parse(readFileSync(join(dir, "generation.json"), "utf8"));
  assert.deepEqual(record.prompt, ["a photo of an astronaut riding a horse"]);
  assert.deepEqual(record.negativePrompt, ["blurry"]);
  assert.equal(record.safetyChecker, false);
  // The same call again gives the same pixels (abs sum of the float images).
  const again = await runStableDiffusion(model, {
    ...base,
    out: join(dir, "again"),
    prompt: "a photo of an astronaut riding a horse",
    negativePrompt: "blurry",
    guidance: 7.5,
    seeds: [0n, 1n],
  });
  assert.equal(again.absSum, outcome.absSum);
});

test("generate --prompt: --scheduler swaps via fromConfig; bad sizes are usage errors", async () => {
  const model = fixturePath("sd", "tiny-sd-pipe");
  const outcome = await runStableDiffusion(model, {
    ...base,
    out: join(dir, "euler.npy"),
    outputType: ["npy"],
    prompt: "a cat",
    scheduler: "dpm++2m",
  });
  assert.equal(outcome.info.scheduler, "DPMSolverMultistepScheduler");
  await assert.rejects(
    runStableDiffusion(model, { ...base, prompt: "a cat", width: 60 }),
    (e: Error) => e.name === "UsageError" && /width must be a positive multiple of 8/.test(e.message),
  );
  await assert.rejects(runStableDiffusion(undefined, { ...base, prompt: "a cat" }), /needs a Stable Diffusion model/);
});

test("reprodiff generate <sd-model> --prompt ... (the command line, end to end)", () => {
  const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
  const out = join(dir, "cli");
  const args = [main, "generate", fixturePath("sd", "tiny-sd-pipe"), "--prompt", "a cat", "--negative-prompt", "ugly"];
  const more = ["--guidance", "7.5", "--width", "64", "--height", "72", "--steps", "2", "--scheduler", "euler-a"];
  const r = spawnSync(process.execPath, [...args, ...more, "--seed", "7", "--out", out, "--no-progress"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /StableDiffusionPipeline EulerAncestralDiscreteScheduler, 2 steps, batch 1, abs sum /);
  const record = JSON.parse(readFileSync(join(out, "generation.json"), "utf8"));
  assert.deepEqual([record.prompt, record.negativePrompt, record.width, record.height], [["a cat"], ["ugly"], 64, 72]);
  const bad = spawnSync(process.execPath, [...args, "--clip-skip", "x"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /clip skip must be an integer/);
});
