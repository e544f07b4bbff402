// Configs: Diffusers' defaults for missing keys, unknown keys kept, same config out as in, and clear
// errors for unsupported block types and options.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseConfig } from "../../src/io/config.js";
import type { AutoencoderKL } from "../../src/models/autoencoder-kl.js";
import { ConfigError } from "../../src/models/config.js";
import { modelFromConfig } from "../../src/models/registry.js";
import { UNET_2D_SCHEMA, UNet2DModel } from "../../src/models/unet2d.js";
import { UNet2DConditionModel } from "../../src/models/unet2d-condition.js";
import { fixturePath, loadJsonFixture } from "../helpers/fixtures.js";

const GOLDEN = ["unet2d_tiny", "unet2d_cifar_mini", "unet2d_condition_tiny", "autoencoder_kl_tiny"];

const TINY_UNET = {
  block_out_channels: [32, 64],
  down_block_types: ["DownBlock2D", "AttnDownBlock2D"],
  up_block_types: ["AttnUpBlock2D", "UpBlock2D"],
};

for (const name of GOLDEN) {
  test(`${name}: config round-trips unchanged (config getter and saveConfig)`, () => {
    const text = readFileSync(fixturePath("models", name, "config.json"), "utf8");
    const raw = parseConfig(text);
    const model = modelFromConfig(raw);
    // Byte for byte what Diffusers wrote, floats such as `0.0` included.
    assert.equal(model.saveConfig(), text);
    assert.equal(model.constructor.name, raw._class_name);
    assert.deepEqual(model.config, raw);
    assert.deepEqual(JSON.parse(model.saveConfig()), raw);
    // Keys come out sorted, as Diffusers writes them.
    assert.deepEqual(Object.keys(JSON.parse(model.saveConfig())), Object.keys(raw).sort());
  });
}

test("missing keys take diffusers v0.31.0 defaults; unknown keys are kept", () => {
  const model = new UNet2DModel({ ...TINY_UNET, my_custom_key: { nested: [1, 2] }, _name_or_path: "x" });
  const config = model.config;
  for (const key of Object.keys(UNET_2D_SCHEMA)) assert.ok(Object.hasOwn(config, key), `default for ${key}`);
  assert.equal(config.attention_head_dim, 8);
  assert.equal(config.norm_eps, 1e-5);
  assert.equal(config.flip_sin_to_cos, true);
  assert.equal(config.downsample_padding, 1);
  assert.equal(config._class_name, "UNet2DModel");
  assert.deepEqual(config.my_custom_key, { nested: [1, 2] });
  assert.equal(config._name_or_path, "x");
  // The returned config is a copy: editing it does not change the model.
  (config as Record<string, unknown>).norm_eps = 1;
  assert.equal(model.config.norm_eps, 1e-5);
});

test("an AutoencoderKL config with only _class_name takes every default", () => {
  const vae = modelFromConfig({ _class_name: "AutoencoderKL" }) as AutoencoderKL;
  assert.equal(vae.config.latent_channels, 4);
  assert.deepEqual(vae.config.block_out_channels, [64]);
  assert.equal(vae.scalingFactor, 0.18215);
  assert.equal(vae.shiftFactor, null);
});

test("unknown block types are rejected naming the key and the supported values", () => {
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, down_block_types: ["DownBlock2D", "SkipDownBlock2D"] }),
    (e: Error) =>
      /down_block_types/.test(e.message) &&
      /SkipDownBlock2D/.test(e.message) &&
      /supported: DownBlock2D, AttnDownBlock2D/.test(e.message),
  );
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, up_block_types: ["KUpBlock2D", "UpBlock2D"] }),
    /up_block_types: "KUpBlock2D" is not supported; supported: UpBlock2D/,
  );
  assert.throws(
    () => modelFromConfig({ _class_name: "AutoencoderKL", down_block_types: ["DownBlock2D"] }),
    /down_block_types entry "DownBlock2D" is not supported; supported: DownEncoderBlock2D/,
  );
});

test("unsupported options are rejected naming the key and the supported values", () => {
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, time_embedding_type: "learned" }),
    /time_embedding_type = "learned" is not supported; supported: "positional", "fourier"/,
  );
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, resnet_time_scale_shift: "spatial" }),
    /resnet_time_scale_shift = "spatial" is not supported/,
  );
  assert.throws(() => new UNet2DModel({ ...TINY_UNET, act_fn: "mish" }), /act_fn: unsupported activation "mish"/);
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, norm_num_groups: null }),
    /norm_num_groups null is not supported/,
  );
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, downsample_type: "fir" }),
    /downsample_type = "fir" is not supported; supported: "conv", "resnet"/,
  );
  const cond = loadJsonFixture<Record<string, unknown>>("models", "unet2d_condition_tiny", "config.json");
  assert.throws(
    () => new UNet2DConditionModel({ ...cond, addition_embed_type: "text_time" }),
    /addition_embed_type = "text_time" is not supported; supported: null/,
  );
  assert.throws(
    () => new UNet2DConditionModel({ ...cond, mid_block_type: "UNetMidBlock2DSimpleCrossAttn" }),
    /mid_block_type = "UNetMidBlock2DSimpleCrossAttn" is not supported; supported: "UNetMidBlock2DCrossAttn"/,
  );
  assert.throws(() => new UNet2DConditionModel({ ...cond, num_attention_heads: 8 }), /num_attention_heads/);
});

test("values of the wrong type are rejected naming the key", () => {
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, layers_per_block: "2" }),
    (e: Error) => e instanceof ConfigError && /layers_per_block must be an integer, got "2"/.test(e.message),
  );
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, block_out_channels: [32, 64.5] }),
    /block_out_channels must be a list of integers/,
  );
  assert.throws(
    () => new UNet2DModel({ ...TINY_UNET, block_out_channels: [32, 64, 128] }),
    /block_out_channels has 3 entries but down_block_types has 2/,
  );
});

test("_class_name dispatches, and a mismatch or unknown class is an error", () => {
  const cond = loadJsonFixture<Record<string, unknown>>("models", "unet2d_condition_tiny", "config.json");
  assert.ok(modelFromConfig(cond) instanceof UNet2DConditionModel);
  assert.throws(() => new UNet2DModel(cond), /_class_name is "UNet2DConditionModel", but UNet2DModel/);
  assert.throws(
    () => modelFromConfig({ _class_name: "VQModel" }),
    /_class_name "VQModel" is not supported; supported: UNet2DModel, UNet2DConditionModel, AutoencoderKL/,
  );
});

test("the parameter tree has Diffusers' names and count", () => {
  const raw = loadJsonFixture<Record<string, unknown>>("models", "unet2d_tiny", "config.json");
  const model = new UNet2DModel(raw);
  assert.equal(model.numParameters, 1002883);
  const names = [...model.params.params.keys()];
  for (const n of [
    "conv_in.weight",
    "time_embedding.linear_1.weight",
    "down_blocks.0.downsamplers.0.conv.weight",
    "down_blocks.1.attentions.0.group_norm.weight",
    "down_blocks.1.attentions.0.to_out.0.bias",
    "mid_block.attentions.0.to_q.weight",
    "up_blocks.0.resnets.0.conv_shortcut.weight",
    "up_blocks.0.upsamplers.0.conv.weight",
    "conv_norm_out.bias",
  ]) {
    assert.ok(names.includes(n), n);
  }
});
