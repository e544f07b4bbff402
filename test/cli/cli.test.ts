// The built `reprodiff` command, spawned as a user runs it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { decode } from "fast-png";
import { listBackends } from "../../src/engine/index.js";
import { parseNpy } from "../../src/io/npy.js";
import { absSum } from "../../src/pipelines/abs-sum.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import { imageGrid } from "../../src/pipelines/image.js";
import { numpyToImages } from "../../src/pipelines/postprocess.js";
import { Generator } from "../../src/rng/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { maxAbsDiff } from "../../src/testing/index.js";
import { loadJsonFixture, loadSafetensorsFixture } from "../helpers/fixtures.js";

const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "reprodiff-cli-"));
after(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [main, ...args], {
    cwd: options.cwd ?? work,
    encoding: "utf8",
    env: { ...process.env, ...options.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("env prints versions, engine, threads and the Hub cache", () => {
  const r = cli(["env"], { env: { HF_HOME: "/tmp/some-hf-home" } });
  assert.equal(r.status, 0, r.stderr);
  for (const key of ["reprodiff:", "node:", "engine backend:", "engine threads:", "numerics version:", "hub cache:"]) {
    assert.ok(r.stdout.includes(key), `missing ${key} in\n${r.stdout}`);
  }
  assert.match(r.stdout, /hub cache:\s+\/tmp\/some-hf-home\/hub/);
});

test("generate writes one PNG per image, a grid and generation.json; same seed, same bytes", () => {
  const out = join(work, "digits");
  const r = cli(["generate", "--steps", "2", "--batch", "2", "--seed", "7", "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ["generation.json", "grid.png", "image-0.png", "image-1.png"]);
  assert.ok(r.stdout.includes(join(out, "grid.png")));
  const png = decode(readFileSync(join(out, "image-0.png")));
  assert.equal(png.width, 16);
  assert.equal(png.height, 16);
  assert.equal(png.channels, 1);
  const info = JSON.parse(png.text["reprodiff:generation"]);
  assert.deepEqual(info.seeds, ["7"]);
  const grid = decode(readFileSync(join(out, "grid.png")));
  assert.equal(grid.width, 32);
  const meta = JSON.parse(readFileSync(join(out, "generation.json"), "utf8"));
  assert.equal(meta.pipeline, "DDIMPipeline");
  assert.equal(meta.numInferenceSteps, 2);
  const again = join(work, "digits-again");
  assert.equal(cli(["generate", "--steps", "2", "--batch", "2", "--seed", "7", "--out", again, "-q"]).status, 0);
  assert.deepEqual(readFileSync(join(again, "image-1.png")), readFileSync(join(out, "image-1.png")));
});

test("generate --output-type npy writes the float32 array Python's np.load reads, equal to the library's", async () => {
  const file = join(work, "x.npy");
  const r = cli([
    "generate",
    "--steps",
    "3",
    "--seeds",
    "1,2",
    "--output-type",
    "npy",
    "--out",
    file,
    "--threads",
    "2",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const npy = parseNpy(readFileSync(file), file);
  assert.equal(npy.dtype, "float32");
  assert.deepEqual(npy.shape, [2, 16, 16, 1]);
  const pipe = await DDIMPipeline.fromPretrained();
  const { images } = await pipe.generate({
    batchSize: 2,
    numInferenceSteps: 3,
    generator: [new Generator().manualSeed(1), new Generator().manualSeed(2)],
    outputType: "np",
  });
  assert.deepEqual(new Float32Array((npy.data as Float32Array).slice().buffer), images.data);
});

test("a .png --out writes one grid file, upscaled by --scale", () => {
  const file = join(work, "one.png");
  const r = cli(["generate", "--steps", "1", "--scheduler", "ddpm", "--scale", "4", "--out", file]);
  assert.equal(r.status, 0, r.stderr);
  const png = decode(readFileSync(file));
  assert.equal(png.width, 64 + 4);
  assert.match(r.stdout, /DDPMPipeline DDPMScheduler, 1 steps/);
});

test("--progress draws step, it/s and ETA on stderr even when it is not a terminal", () => {
  const r = cli(["generate", "--steps", "2", "--progress", "--out", join(work, "p")]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /step \d+\/2 \| [\d.]+ it\/s \| ETA/);
  const quiet = cli(["generate", "--steps", "2", "--out", join(work, "p2")]);
  assert.equal(quiet.stderr, "");
});

test("bad arguments: one line on stderr, exit code 2, no stack trace", () => {
  const bad: string[][] = [
    ["generate", "--steps", "abc"],
    ["generate", "--steps", "0"],
    ["generate", "--seed", "-1"],
    ["generate", "--seed", "18446744073709551616"],
    ["generate", "--scheduler", "nope"],
    ["generate", "--eta", "x"],
    ["generate", "--batch", "3", "--seeds", "1,2"],
    ["generate", "--scheduler", "ddpm", "--eta", "1"],
    ["generate", "--output-type", "gif"],
    ["generate", "--backend", "cuda"],
    ["generate", "--out", "x.npy", "--output-type", "png,npy"],
    ["generate", "--out", "a.png", "--output-type", "npy"],
    ["generate", "--frobnicate"],
    ["frobnicate"],
  ];
  for (const args of bad) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")} printed:\n${r.stderr}`);
    assert.match(lines[0], /^reprodiff: error/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test("a missing model folder is a one-line error with exit code 1", () => {
  const r = cli(["generate", join(work, "no-such-model")]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /no-such-model/);
});

test("with no arguments the main job reproduces Diffusers' seed-0 DDIM digits into ./reprodiff-output", async (t) => {
  // The bundled model's golden samples: DDIMPipeline(batch_size=16, 50 steps, eta 0, torch.manual_seed(0)).
  // One generator draws the whole batch, so only the full batch is a Diffusers result.
  const cwd = mkdtempSync(join(work, "main-"));
  const r = cli([], { cwd });
  assert.equal(r.status, 0, r.stderr);
  const out = join(cwd, "reprodiff-output");
  const meta = JSON.parse(readFileSync(join(out, "generation.json"), "utf8"));
  if (listBackends().includes("wasm"))
    assert.equal(meta.engine.backend, "wasm", "the main job runs on the fast backend");

  const expected = loadSafetensorsFixture("pipelines", "samples_seed0_ddim50.safetensors").float32("images");
  const diffusersSum = loadJsonFixture<{ ddim: { abs_sum: number } }>("pipelines", "samples.json").ddim.abs_sum;
  const npy = parseNpy(readFileSync(join(out, "images.npy")), "images.npy");
  assert.deepEqual(npy.shape, [16, 16, 16, 1]);
  const images = Tensor.from(new Float32Array((npy.data as Float32Array).slice().buffer), npy.shape);
  const delta = maxAbsDiff(images, expected);
  const sum = absSum(images, { order: "nchw" });
  t.diagnostic(
    `digits DDIM50 seed 0 batch 16: max|Δ| = ${delta.toExponential(3)}, absSum ${sum} (Diffusers ${diffusersSum}), ` +
      `${meta.engine.backend} x${meta.engine.threads}`,
  );
  assert.ok(delta <= 1e-4, `max|Δ| ${delta}`);
  assert.ok(Math.abs(sum - diffusersSum) <= 1e-4 * images.size);
  assert.match(r.stdout, /DDIMPipeline DDIMScheduler, 50 steps, batch 16, abs sum 1245\.[67]/);

  // The 4x4 grid at 8x is Diffusers' images through numpy_to_pil, up to one level where a value sits on a
  // rounding boundary.
  const grid = decode(readFileSync(join(out, "grid.png")));
  const want = imageGrid(numpyToImages(expected), { scale: 8, gap: 2 });
  assert.equal(grid.width, want.width);
  assert.equal(grid.height, want.height);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(grid.data[i] - want.data[i]));
  assert.ok(worst <= 1, `grid pixels differ by ${worst} levels`);
  assert.equal(readdirSync(out).filter((f) => /^image-\d+\.png$/.test(f)).length, 16);
});
