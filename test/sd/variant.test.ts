// variant "fp16": components that have `*.fp16.safetensors` load it (widened exactly to float32), the
// others fall back to their default weights, as Diffusers does for pipelines.

import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SafetensorsBuffer, serializeSafetensors } from "../../src/io/safetensors.js";
import { StableDiffusionPipeline } from "../../src/pipelines/stable-diffusion.js";
import { Generator } from "../../src/rng/index.js";
import { float16BitsToNumber } from "../../src/tensor/half.js";
import { maxAbsDiff } from "../../src/testing/compare.js";
import { fixturePath } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "reprodiff-sd-variant-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Nearest float16 (ties to even), found by bisection over the ordered positive half values. */
function toHalfBits(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  let lo = 0;
  let hi = 0x7bff;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (float16BitsToNumber(mid) <= a) lo = mid;
    else hi = mid - 1;
  }
  const below = float16BitsToNumber(lo);
  const above = lo < 0x7bff ? float16BitsToNumber(lo + 1) : below;
  const pick = a - below < above - a || (a - below === above - a && (lo & 1) === 0) ? lo : lo + 1;
  return sign | pick;
}

type HalfTensors = Record<string, { dtype: "F16"; shape: readonly number[]; data: Uint16Array }>;

/** A copy of the tiny pipeline whose UNet is only `diffusion_pytorch_model.fp16.safetensors` (rounded to half). */
function halfUnetFolder(name: string): { folder: string; halves: HalfTensors } {
  const folder = join(dir, name);
  cpSync(fixturePath("sd", "tiny-sd-pipe"), folder, { recursive: true });
  const unetFile = join(folder, "unet", "diffusion_pytorch_model.safetensors");
  const f32 = SafetensorsBuffer.parse(readFileSync(unetFile), unetFile);
  const halves: HalfTensors = {};
  for (const key of f32.keys()) {
    const t = f32.float32(key);
    halves[key] = { dtype: "F16", shape: t.shape, data: Uint16Array.from(t.data, toHalfBits) };
  }
  writeFileSync(join(folder, "unet", "diffusion_pytorch_model.fp16.safetensors"), serializeSafetensors(halves));
  rmSync(unetFile);
  return { folder, halves };
}

const runLatent = (p: StableDiffusionPipeline) =>
  p.generate({
    prompt: "a cat",
    height: 64,
    width: 64,
    numInferenceSteps: 1,
    generator: new Generator().manualSeed(0),
    outputType: "latent",
  });

test("fromPretrained(variant fp16): fp16 UNet loaded and widened, text encoder and VAE fall back", async () => {
  const { folder, halves } = halfUnetFolder("pipe");
  await assert.rejects(
    StableDiffusionPipeline.fromPretrained(folder),
    /no diffusion_pytorch_model safetensors weights/,
  );
  const half = await StableDiffusionPipeline.fromPretrained(folder, { variant: "fp16" });
  const key = "conv_in.weight";
  const loaded = half.unet.params.params.get(key)!.value;
  assert.deepEqual(Array.from(loaded.data), Array.from(halves[key].data, float16BitsToNumber));
  const full = await StableDiffusionPipeline.fromPretrained(fixturePath("sd", "tiny-sd-pipe"));
  const d = maxAbsDiff((await runLatent(half)).images, (await runLatent(full)).images);
  assert.ok(d > 0 && d < 0.05, `fp16 weights change the result a little, got max|Δ| ${d}`);
});

test("fp16 conv/linear weights stay float16 in memory and give the bits of their float32 widening", async () => {
  const { folder, halves } = halfUnetFolder("pipe-kept-half");
  const wide = join(dir, "pipe-widened");
  cpSync(fixturePath("sd", "tiny-sd-pipe"), wide, { recursive: true });
  const widened: Record<string, { dtype: "F32"; shape: readonly number[]; data: Float32Array }> = {};
  for (const [key, t] of Object.entries(halves)) {
    widened[key] = { dtype: "F32", shape: t.shape, data: Float32Array.from(t.data, float16BitsToNumber) };
  }
  writeFileSync(join(wide, "unet", "diffusion_pytorch_model.safetensors"), serializeSafetensors(widened));
  const half = await StableDiffusionPipeline.fromPretrained(folder, { variant: "fp16" });
  const params = half.unet.params.params;
  assert.equal(params.get("conv_in.weight")!.stored.dtype, "float16");
  assert.equal(params.get("time_embedding.linear_1.weight")!.stored.dtype, "float16");
  assert.equal(params.get("conv_in.bias")!.stored.dtype, "float32", "biases are widened at load");
  assert.equal(params.get("conv_norm_out.weight")!.stored.dtype, "float32", "norm affines are widened at load");
  const reference = await StableDiffusionPipeline.fromPretrained(wide);
  const a = (await runLatent(half)).images.data;
  const b = (await runLatent(reference)).images.data;
  assert.ok(
    a.every((v, i) => Object.is(v, b[i])),
    "half weights widened at use give exactly the float32-loaded result",
  );
});
