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

test("fromPretrained(variant fp16): fp16 UNet loaded and widened, text encoder and VAE fall back", async () => {
  const folder = join(dir, "pipe");
  cpSync(fixturePath("sd", "tiny-sd-pipe"), folder, { recursive: true });
  const unetFile = join(folder, "unet", "diffusion_pytorch_model.safetensors");
  const f32 = SafetensorsBuffer.parse(readFileSync(unetFile), unetFile);
  const halves: Record<string, { dtype: "F16"; shape: readonly number[]; data: Uint16Array }> = {};
  for (const key of f32.keys()) {
    const t = f32.float32(key);
    halves[key] = { dtype: "F16", shape: t.shape, data: Uint16Array.from(t.data, toHalfBits) };
  }
  writeFileSync(join(folder, "unet", "diffusion_pytorch_model.fp16.safetensors"), serializeSafetensors(halves));
  rmSync(unetFile);
  await assert.rejects(
    StableDiffusionPipeline.fromPretrained(folder),
    /no diffusion_pytorch_model safetensors weights/,
  );
  const half = await StableDiffusionPipeline.fromPretrained(folder, { variant: "fp16" });
  const key = "conv_in.weight";
  const loaded = half.unet.params.params.get(key)!.value;
  assert.deepEqual(Array.from(loaded.data), Array.from(halves[key].data, float16BitsToNumber));
  const full = await StableDiffusionPipeline.fromPretrained(fixturePath("sd", "tiny-sd-pipe"));
  const run = (p: StableDiffusionPipeline) =>
    p.generate({
      prompt: "a cat",
      height: 64,
      width: 64,
      numInferenceSteps: 1,
      generator: new Generator().manualSeed(0),
      outputType: "latent",
    });
  const d = maxAbsDiff((await run(half)).images, (await run(full)).images);
  assert.ok(d > 0 && d < 0.05, `fp16 weights change the result a little, got max|Δ| ${d}`);
});
