// Options beyond the shared goldens, against references made with Diffusers v0.31.0 by
// test/fixtures/models/variants/make_variants.py: fourier time embedding with log and the final
// division, scale_shift resnets, class embeddings (nn.Embedding and "timestep", concatenated), resnet
// up/downsamplers, center_input_sample, mid_block_scale_factor 2, odd latent sizes (upsample_size),
// linear projections, per-block head counts, two transformer layers per block, attention VAE blocks,
// a VAE without post_quant_conv and mid-block attention.

import assert from "node:assert/strict";
import { test } from "node:test";
import { AutoencoderKL } from "../../src/models/autoencoder-kl.js";
import { UNet2DModel } from "../../src/models/unet2d.js";
import { UNet2DConditionModel } from "../../src/models/unet2d-condition.js";
import { Generator } from "../../src/rng/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { maxAbsDiff, meanAbsDiff } from "../../src/testing/compare.js";
import { fixturePath, loadJsonFixture, loadSafetensorsFixture } from "../helpers/fixtures.js";

const TOLERANCE = 1e-4;

function check(t: { diagnostic(msg: string): void }, what: string, actual: Tensor, expected: Tensor): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const max = maxAbsDiff(actual, expected);
  t.diagnostic(`${what}: max|Δ| ${max.toExponential(3)}, mean|Δ| ${meanAbsDiff(actual, expected).toExponential(3)}`);
  assert.ok(max <= TOLERANCE, `${what}: max|Δ| ${max} exceeds ${TOLERANCE}`);
}

const dir = (name: string) => fixturePath("models", "variants", name);
const params = (name: string) =>
  loadJsonFixture<{ num_parameters: number }>("models", "variants", name, "fixture.json").num_parameters;

test("UNet2DModel: fourier, scale_shift, class embedding, resnet resamplers", async (t) => {
  const io = loadSafetensorsFixture("models", "variants", "unet2d_variants", "io.safetensors");
  const model = await UNet2DModel.fromPretrained(dir("unet2d_variants"));
  assert.equal(model.numParameters, params("unet2d_variants"));
  const b1 = await model.forward(io.float32("input_b1"), 10, { classLabels: io.tensor("class_labels_b1") });
  check(t, "t=10, class 3", b1.sample, io.float32("output_b1_t10"));
  const b2 = await model.forward(io.float32("input_b2"), io.tensor("timesteps_b2"), {
    classLabels: io.tensor("class_labels_b2"),
  });
  check(t, "batch 2, float timesteps", b2.sample, io.float32("output_b2"));
  await assert.rejects(model.forward(io.float32("input_b1"), 10), /classLabels must be given/);
});

test("UNet2DConditionModel: odd size, linear projection, per-block heads, class concat", async (t) => {
  const io = loadSafetensorsFixture("models", "variants", "unet2d_condition_variants", "io.safetensors");
  const model = await UNet2DConditionModel.fromPretrained(dir("unet2d_condition_variants"));
  assert.equal(model.numParameters, params("unet2d_condition_variants"));
  const b1 = await model.forward(io.float32("input_b1"), 999, {
    encoderHiddenStates: io.float32("encoder_hidden_states_b1"),
    classLabels: io.tensor("class_labels_b1"),
  });
  check(t, "9x9, t=999", b1.sample, io.float32("output_b1_t999"));
  const b2 = await model.forward(io.float32("input_b2"), io.tensor("timesteps_b2"), {
    encoderHiddenStates: io.float32("encoder_hidden_states_b2"),
    classLabels: io.tensor("class_labels_b2"),
  });
  check(t, "9x9, batch 2", b2.sample, io.float32("output_b2"));
});

test("AutoencoderKL: attention encoder/decoder blocks, no post_quant_conv, no mid attention", async (t) => {
  const io = loadSafetensorsFixture("models", "variants", "autoencoder_kl_variants", "io.safetensors");
  const vae = await AutoencoderKL.fromPretrained(dir("autoencoder_kl_variants"));
  assert.equal(vae.numParameters, params("autoencoder_kl_variants"));
  assert.equal(vae.scalingFactor, 0.5);
  assert.equal(vae.shiftFactor, 0.25);
  const { latentDist } = await vae.encode(io.float32("image"));
  check(t, "mean", latentDist.mean, io.float32("latent_mean"));
  check(t, "logvar", latentDist.logvar, io.float32("latent_logvar"));
  check(t, "std", latentDist.std, io.float32("latent_std"));
  check(t, "sample(seed 702)", latentDist.sample(new Generator().manualSeed(702)), io.float32("latent_sample_seed702"));
  check(t, "decode", (await vae.decode(io.float32("latent"))).sample, io.float32("decoded"));
});
