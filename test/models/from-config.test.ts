// fromConfig: seeded random weights, identical for equal seeds, different otherwise, and a model that runs.

import assert from "node:assert/strict";
import { test } from "node:test";
import { AutoencoderKL } from "../../src/models/autoencoder-kl.js";
import { UNet2DModel } from "../../src/models/unet2d.js";
import { UNet2DConditionModel } from "../../src/models/unet2d-condition.js";
import { Generator, randn } from "../../src/rng/index.js";

const UNET = {
  block_out_channels: [8, 16],
  norm_num_groups: 4,
  layers_per_block: 1,
  down_block_types: ["DownBlock2D", "AttnDownBlock2D"],
  up_block_types: ["AttnUpBlock2D", "UpBlock2D"],
};

test("UNet2DModel.fromConfig draws every weight from the generator", async () => {
  const a = UNet2DModel.fromConfig(UNET, { generator: new Generator().manualSeed(7) });
  const b = UNet2DModel.fromConfig(UNET, { generator: new Generator().manualSeed(7) });
  const c = UNet2DModel.fromConfig(UNET, { generator: new Generator().manualSeed(8) });
  const wa = a.params.params.get("conv_in.weight")!.value.data;
  assert.deepEqual(wa, b.params.params.get("conv_in.weight")!.value.data);
  assert.notDeepEqual(wa, c.params.params.get("conv_in.weight")!.value.data);
  // Norms start like PyTorch's: weight 1, bias 0.
  assert.ok(a.params.params.get("conv_norm_out.weight")!.value.data.every((v) => v === 1));
  assert.ok(a.params.params.get("conv_norm_out.bias")!.value.data.every((v) => v === 0));
  const x = randn([1, 3, 8, 8], { generator: new Generator().manualSeed(0) });
  const ya = (await a.forward(x, 3)).sample;
  const yb = (await b.forward(x, 3)).sample;
  assert.deepEqual(ya.shape, [1, 3, 8, 8]);
  assert.ok(ya.data.every(Number.isFinite));
  assert.deepEqual(ya.data, yb.data);
});

test("UNet2DConditionModel.fromConfig and AutoencoderKL.fromConfig build runnable models", async () => {
  const unet = UNet2DConditionModel.fromConfig(
    {
      block_out_channels: [16, 32],
      layers_per_block: 1,
      norm_num_groups: 8,
      cross_attention_dim: 8,
      attention_head_dim: 2,
      down_block_types: ["CrossAttnDownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D"],
    },
    { generator: new Generator().manualSeed(1) },
  );
  const g = new Generator().manualSeed(2);
  const { sample } = await unet.forward(randn([1, 4, 4, 4], { generator: g }), 10, {
    encoderHiddenStates: randn([1, 3, 8], { generator: g }),
  });
  assert.deepEqual(sample.shape, [1, 4, 4, 4]);
  assert.ok(sample.data.every(Number.isFinite));
  await assert.rejects(unet.forward(randn([1, 4, 4, 4]), 10), /encoderHiddenStates is required/);

  const vae = AutoencoderKL.fromConfig(
    {
      block_out_channels: [8, 16],
      norm_num_groups: 4,
      down_block_types: ["DownEncoderBlock2D", "DownEncoderBlock2D"],
      up_block_types: ["UpDecoderBlock2D", "UpDecoderBlock2D"],
    },
    { generator: new Generator().manualSeed(3) },
  );
  const { latentDist } = await vae.encode(randn([1, 3, 8, 8], { generator: g }));
  assert.deepEqual(latentDist.mean.shape, [1, 4, 4, 4]);
  const decoded = await vae.decode(latentDist.mode());
  assert.deepEqual(decoded.sample.shape, [1, 3, 8, 8]);
});
