// The three models of tiny-sd-pipe against transformers 4.57.6 / Diffusers v0.31.0 (torch 1.13.1, CPU):
// max|Δ| <= 1e-4 on every recorded output (test/fixtures/sd/components.json lists each call).

import assert from "node:assert/strict";
import { test } from "node:test";
import { AutoencoderKL } from "../../src/models/autoencoder-kl.js";
import { CLIPTextModel } from "../../src/models/clip-text-model.js";
import { UNet2DConditionModel } from "../../src/models/unet2d-condition.js";
import { Generator } from "../../src/rng/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { maxAbsDiff } from "../../src/testing/compare.js";
import { fixturePath, loadSafetensorsFixture } from "../helpers/fixtures.js";

const TOLERANCE = 1e-4;
const pipe = (sub: string) => fixturePath("sd", "tiny-sd-pipe", sub);

function check(t: { diagnostic(msg: string): void }, what: string, actual: Tensor, expected: Tensor): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const max = maxAbsDiff(actual, expected);
  t.diagnostic(`${what}: max|Δ| ${max.toExponential(3)}`);
  assert.ok(max <= TOLERANCE, `${what}: max|Δ| ${max} exceeds ${TOLERANCE}`);
}

function ids(t: Tensor): number[][] {
  const [b, l] = t.shape;
  const data = t.data as BigInt64Array;
  return Array.from({ length: b }, (_, i) => Array.from(data.subarray(i * l, (i + 1) * l), Number));
}

test("CLIPTextModel: last_hidden_state, pooler_output and every hidden state match transformers", async (t) => {
  const io = loadSafetensorsFixture("sd", "text_encoder_io.safetensors");
  const model = await CLIPTextModel.fromPretrained(pipe("text_encoder"));
  assert.equal(model.numParameters, 1617529);
  assert.deepEqual(model.unusedWeights, []);
  const b3 = await model.forward(ids(io.tensor("input_ids_b3")));
  check(t, "last_hidden_state_b3", b3.lastHiddenState, io.float32("last_hidden_state_b3"));
  check(t, "pooler_output_b3", b3.poolerOutput, io.float32("pooler_output_b3"));
  const hs = io.float32("hidden_states_b3");
  assert.equal(b3.hiddenStates.length, 6);
  const [, n, l, d] = hs.shape;
  for (let k = 0; k < n; k++) {
    const expected = new Float32Array(3 * l * d);
    for (let b = 0; b < 3; b++) expected.set(hs.data.subarray((b * n + k) * l * d, (b * n + k + 1) * l * d), b * l * d);
    check(t, `hidden_states_b3[${k}]`, b3.hiddenStates[k], Tensor.from(expected, [3, l, d]));
  }
  const short = await model.forward(ids(io.tensor("input_ids_short")));
  check(t, "last_hidden_state_short", short.lastHiddenState, io.float32("last_hidden_state_short"));
  check(t, "pooler_output_short", short.poolerOutput, io.float32("pooler_output_short"));
  const masked = await model.forward(ids(io.tensor("input_ids_masked")), {
    attentionMask: ids(io.tensor("attention_mask_masked")),
  });
  check(t, "last_hidden_state_masked", masked.lastHiddenState, io.float32("last_hidden_state_masked"));
  check(t, "pooler_output_masked", masked.poolerOutput, io.float32("pooler_output_masked"));
  await assert.rejects(model.forward([[1, 2, 3]], { attentionMask: [[0, 1, 1]] }), /right padding/);
  await assert.rejects(model.forward([new Array(78).fill(1)]), /exceeds max_position_embeddings 77/);
});

test("UNet2DConditionModel (tiny SD UNet): batch-2 int64 timesteps, 16x16, float t, odd 9x9", async (t) => {
  const io = loadSafetensorsFixture("sd", "unet_io.safetensors");
  const unet = await UNet2DConditionModel.fromPretrained(pipe("unet"));
  const ctx = io.float32("encoder_hidden_states_b2");
  const [, l, d] = ctx.shape;
  const first = Tensor.from(ctx.data.slice(0, l * d), [1, l, d]);
  const second = Tensor.from(ctx.data.slice(l * d), [1, l, d]);
  const b2 = await unet.forward(io.float32("sample_b2_8x8"), io.tensor("timesteps_b2"), { encoderHiddenStates: ctx });
  check(t, "out_b2_8x8", b2.sample, io.float32("out_b2_8x8"));
  const s16 = await unet.forward(io.float32("sample_b1_16x16"), 500, { encoderHiddenStates: first });
  check(t, "out_b1_16x16_t500", s16.sample, io.float32("out_b1_16x16_t500"));
  const s812 = await unet.forward(io.float32("sample_b1_8x12"), 250.5, { encoderHiddenStates: second });
  check(t, "out_b1_8x12_t250", s812.sample, io.float32("out_b1_8x12_t250"));
  const s9 = await unet.forward(io.float32("sample_b1_9x9"), 999, { encoderHiddenStates: first });
  check(t, "out_b1_9x9_t999", s9.sample, io.float32("out_b1_9x9_t999"));
});

test("AutoencoderKL (SD-style, 8x): encode statistics, seeded sample, decode", async (t) => {
  const io = loadSafetensorsFixture("sd", "vae_io.safetensors");
  const vae = await AutoencoderKL.fromPretrained(pipe("vae"));
  const { latentDist } = await vae.encode(io.float32("image_64"));
  check(t, "enc_mean", latentDist.mean, io.float32("enc_mean"));
  check(t, "enc_logvar", latentDist.logvar, io.float32("enc_logvar"));
  check(t, "enc_std", latentDist.std, io.float32("enc_std"));
  check(t, "enc_sample_seed503", latentDist.sample(new Generator().manualSeed(503)), io.float32("enc_sample_seed503"));
  check(t, "decoded_8x8", (await vae.decode(io.float32("latent_8x8"))).sample, io.float32("decoded_8x8"));
  check(t, "decoded_b2_8x12", (await vae.decode(io.float32("latent_b2_8x12"))).sample, io.float32("decoded_b2_8x12"));
});
