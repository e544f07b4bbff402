// The bundled model reproduces Diffusers' own seed-0 DDIM samples: the whole batch of 16 (one generator
// draws the whole batch, so no subset of it is a Diffusers result on its own), 50 steps, eta 0.
import assert from "node:assert/strict";
import { test } from "node:test";
import { absSum } from "../../src/pipelines/abs-sum.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import { manualSeed } from "../../src/rng/index.js";
import { maxAbsDiff } from "../../src/testing/index.js";
import { loadJsonFixture, loadSafetensorsFixture } from "../helpers/fixtures.js";

test("bundled ddpm-digits-16: DDIM 50 steps, seed 0, batch 16 matches Diffusers", async (t) => {
  const expected = loadSafetensorsFixture("pipelines", "samples_seed0_ddim50.safetensors").float32("images");
  const { ddim } = loadJsonFixture<{ ddim: { abs_sum: number } }>("pipelines", "samples.json");
  const pipe = await DDIMPipeline.fromPretrained();
  const start = Date.now();
  const { images, info } = await pipe.generate({
    batchSize: 16,
    numInferenceSteps: 50,
    eta: 0,
    generator: manualSeed(0),
    outputType: "np",
  });
  const delta = maxAbsDiff(images, expected);
  const sum = absSum(images);
  t.diagnostic(
    `max|Δ| = ${delta.toExponential(3)}, absSum ${sum} (Diffusers ${ddim.abs_sum}), ` +
      `${((Date.now() - start) / 1000).toFixed(1)} s on ${info.engine.backend} x${info.engine.threads}`,
  );
  assert.deepEqual(images.shape, [16, 16, 16, 1]);
  assert.ok(delta <= 1e-4, `max|Δ| ${delta}`);
  assert.ok(Math.abs(sum - ddim.abs_sum) <= 0.05, `absSum ${sum} vs ${ddim.abs_sum}`);
});
