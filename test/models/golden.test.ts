// Every golden model reproduces Diffusers v0.31.0 (torch 1.13.1, CPU) within max|Δ| <= 1e-4.
// Fixtures: test/fixtures/models/<name> (save_pretrained folders plus io.safetensors), copied from
// ../shared/golden/models; see that README for how they were made.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { F32 } from "../../src/engine/backend.js";
import { AutoencoderKL } from "../../src/models/autoencoder-kl.js";
import { UNet2DModel } from "../../src/models/unet2d.js";
import { UNet2DConditionModel } from "../../src/models/unet2d-condition.js";
import { Generator } from "../../src/rng/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { maxAbsDiff, meanAbsDiff } from "../../src/testing/compare.js";
import { fixturePath, loadJsonFixture, loadSafetensorsFixture } from "../helpers/fixtures.js";

const TOLERANCE = 1e-4;
// The default run checks one batch-1 call and the batch-2 call per model; REPRODIFF_FULL_GOLDEN=1 checks
// every recorded call (the remaining timesteps), which takes several times longer on the reference backend.
const FULL = process.env.REPRODIFF_FULL_GOLDEN === "1";

function check(t: { diagnostic(msg: string): void }, what: string, actual: Tensor, expected: Tensor): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const max = maxAbsDiff(actual, expected);
  const mean = meanAbsDiff(actual, expected);
  t.diagnostic(`${what}: max|Δ| ${max.toExponential(3)}, mean|Δ| ${mean.toExponential(3)}`);
  assert.ok(max <= TOLERANCE, `${what}: max|Δ| ${max} exceeds ${TOLERANCE}`);
}

for (const name of ["unet2d_tiny", "unet2d_cifar_mini"]) {
  test(`${name}: UNet2DModel matches Diffusers`, async (t) => {
    const io = loadSafetensorsFixture("models", name, "io.safetensors");
    const model = await UNet2DModel.fromPretrained(fixturePath("models", name));
    const fixture = loadJsonFixture<{ num_parameters: number }>("models", name, "fixture.json");
    assert.equal(model.numParameters, fixture.num_parameters);
    assert.deepEqual(model.unusedWeights, []);
    const x1 = io.float32("input_b1");
    for (const step of FULL ? [0, 10, 999] : [999]) {
      const { sample } = await model.forward(x1, step);
      check(t, `${name} t=${step}`, sample, io.float32(`output_b1_t${step}`));
    }
    const { sample } = await model.forward(io.float32("input_b2"), io.tensor("timesteps_b2"));
    check(t, `${name} batch 2, t=[10, 500]`, sample, io.float32("output_b2"));
  });
}

test("unet2d_tiny: intermediate activations match block by block", async (t) => {
  const io = loadSafetensorsFixture("models", "unet2d_tiny", "io.safetensors");
  const expected = loadSafetensorsFixture("models", "unet2d_tiny", "activations.safetensors");
  const model = await UNet2DModel.fromPretrained(fixturePath("models", "unet2d_tiny"));
  const seen = new Map<string, F32>();
  const { sample } = await model.forward(io.float32("input_b1"), 10, {
    trace: (path, value) => seen.set(path, value),
  });
  check(t, "unet2d_tiny t=10", sample, io.float32("output_b1_t10"));
  // Checked in forward order, so the first failure names the first block that diverges.
  for (const key of expected.keys()) {
    const actual = seen.get(key);
    assert.ok(actual !== undefined, `no activation traced for ${key}`);
    check(t, key, actual, expected.float32(key));
  }
});

test("unet2d_condition_tiny: UNet2DConditionModel matches Diffusers", async (t) => {
  const name = "unet2d_condition_tiny";
  const io = loadSafetensorsFixture("models", name, "io.safetensors");
  const model = await UNet2DConditionModel.fromPretrained(fixturePath("models", name));
  const fixture = loadJsonFixture<{ num_parameters: number }>("models", name, "fixture.json");
  assert.equal(model.numParameters, fixture.num_parameters);
  const x1 = io.float32("input_b1");
  const encoderHiddenStates = io.float32("encoder_hidden_states_b1");
  for (const step of FULL ? [10, 999] : [999]) {
    const { sample } = await model.forward(x1, step, { encoderHiddenStates });
    check(t, `${name} t=${step}`, sample, io.float32(`output_b1_t${step}`));
  }
  const { sample } = await model.forward(io.float32("input_b2"), io.tensor("timesteps_b2"), {
    encoderHiddenStates: io.float32("encoder_hidden_states_b2"),
  });
  check(t, `${name} batch 2`, sample, io.float32("output_b2"));
});

test("autoencoder_kl_tiny: AutoencoderKL matches Diffusers", async (t) => {
  const name = "autoencoder_kl_tiny";
  const io = loadSafetensorsFixture("models", name, "io.safetensors");
  const vae = await AutoencoderKL.fromPretrained(fixturePath("models", name));
  const fixture = loadJsonFixture<{ num_parameters: number }>("models", name, "fixture.json");
  assert.equal(vae.numParameters, fixture.num_parameters);
  assert.equal(vae.scalingFactor, 0.18215);
  const { latentDist } = await vae.encode(io.float32("image"));
  check(t, "latent_dist.mean", latentDist.mean, io.float32("latent_mean"));
  check(t, "latent_dist.logvar", latentDist.logvar, io.float32("latent_logvar"));
  check(t, "latent_dist.std", latentDist.std, io.float32("latent_std"));
  check(t, "latent_dist.mode()", latentDist.mode(), io.float32("latent_mode"));
  const drawn = latentDist.sample(new Generator().manualSeed(302));
  check(t, "latent_dist.sample(seed 302)", drawn, io.float32("latent_sample_seed302"));
  const { sample } = await vae.decode(io.float32("latent"));
  check(t, "decode(latent)", sample, io.float32("decoded"));
  const { sample: recon } = await vae.forward(io.float32("image"));
  check(t, "forward(image) (decode of mode)", recon, io.float32("reconstruction"));
});
