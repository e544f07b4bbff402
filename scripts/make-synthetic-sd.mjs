#!/usr/bin/env node
// Writes a full-size Stable Diffusion 1.5 pipeline in Diffusers format with the real configs and seeded
// random float16 weights (variant "fp16"): unet (859.5 M parameters, 1.6 GiB), text_encoder (CLIP ViT-L/14
// text, 123 M), vae (83.7 M), the SD 1.5 tokenizer (copied from the test fixtures) and the PNDM scheduler.
// For benchmarks only (bench/sd-unet.ts); never commit the output. Run `npm run build` first.
//
//   node scripts/make-synthetic-sd.mjs [outDir=/tmp/sd15-synthetic] [seed=0]
//
// Parameter names and shapes come from reprodiff's own models built from the configs (no weights are
// allocated); values: torch's default init scale, uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), norms at weight 1 /
// bias 0, from a seeded xorshift generator, rounded to float16.

import { closeSync, cpSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { AutoencoderKL } from "../dist/src/models/autoencoder-kl.js";
import { CLIPTextModel } from "../dist/src/models/clip-text-model.js";
import { UNet2DConditionModel } from "../dist/src/models/unet2d-condition.js";

const SD15_UNET_CONFIG = {
  _class_name: "UNet2DConditionModel",
  _diffusers_version: "0.6.0",
  act_fn: "silu",
  attention_head_dim: 8,
  block_out_channels: [320, 640, 1280, 1280],
  center_input_sample: false,
  cross_attention_dim: 768,
  down_block_types: ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  downsample_padding: 1,
  flip_sin_to_cos: true,
  freq_shift: 0,
  in_channels: 4,
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  norm_eps: 1e-5,
  norm_num_groups: 32,
  out_channels: 4,
  sample_size: 64,
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
};

// openai/clip-vit-large-patch14's text tower, as SD 1.5's text_encoder/config.json records it.
const SD15_TEXT_ENCODER_CONFIG = {
  architectures: ["CLIPTextModel"],
  attention_dropout: 0,
  bos_token_id: 0,
  dropout: 0,
  eos_token_id: 2,
  hidden_act: "quick_gelu",
  hidden_size: 768,
  initializer_factor: 1,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-5,
  max_position_embeddings: 77,
  model_type: "clip_text_model",
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 1,
  projection_dim: 768,
  torch_dtype: "float32",
  vocab_size: 49408,
};

const SD15_VAE_CONFIG = {
  _class_name: "AutoencoderKL",
  _diffusers_version: "0.6.0",
  act_fn: "silu",
  block_out_channels: [128, 256, 512, 512],
  down_block_types: ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  in_channels: 3,
  latent_channels: 4,
  layers_per_block: 2,
  norm_num_groups: 32,
  out_channels: 3,
  sample_size: 512,
  up_block_types: ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
};

const SD15_SCHEDULER_CONFIG = {
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

const MODEL_INDEX = {
  _class_name: "StableDiffusionPipeline",
  _diffusers_version: "0.6.0",
  feature_extractor: [null, null],
  requires_safety_checker: false,
  safety_checker: [null, null],
  scheduler: ["diffusers", "PNDMScheduler"],
  text_encoder: ["transformers", "CLIPTextModel"],
  tokenizer: ["transformers", "CLIPTokenizer"],
  unet: ["diffusers", "UNet2DConditionModel"],
  vae: ["diffusers", "AutoencoderKL"],
};

const outDir = process.argv[2] ?? "/tmp/sd15-synthetic";
const seed = Number(process.argv[3] ?? 0) >>> 0;

/** float32 → IEEE half bits, round to nearest even (values here are far from overflow). */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function toHalf(v) {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

let state = seed ^ 0x9e3779b9 || 1;
function uniform() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
}

/** Writes `<outDir>/<sub>/config.json` and `<file>` with every parameter of `model`, rounded to float16. */
function writeModel(sub, file, config, model, note) {
  const params = [...model.params.params.values()];
  const header = {};
  let offset = 0;
  for (const p of params) {
    const bytes = p.size * 2;
    header[p.name] = { dtype: "F16", shape: [...p.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  header.__metadata__ = { format: "pt", note: `${note}, seed ${seed}` };
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((json.length + 8) % 8)) % 8);
  const dir = join(outDir, sub);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  const path = join(dir, file);
  const fd = openSync(path, "w");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeSync(fd, len);
  writeSync(fd, Buffer.from(json));
  const started = Date.now();
  for (const p of params) {
    const out = new Uint16Array(p.size);
    const init = p.init;
    if (init.kind === "ones") out.fill(0x3c00);
    else if (init.kind === "fanIn") {
      const b = 1 / Math.sqrt(init.fanIn);
      for (let i = 0; i < out.length; i++) out[i] = toHalf((uniform() * 2 - 1) * b);
    } else if (init.kind === "normal") {
      const s = init.std * Math.sqrt(3);
      for (let i = 0; i < out.length; i++) out[i] = toHalf((uniform() * 2 - 1) * s);
    }
    writeSync(fd, new Uint8Array(out.buffer));
  }
  closeSync(fd);
  const n = params.reduce((a, p) => a + p.size, 0);
  console.log(
    `${path}: ${params.length} tensors, ${n} parameters, ${(offset / 2 ** 30).toFixed(2)} GiB, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "model_index.json"), `${JSON.stringify(MODEL_INDEX, null, 2)}\n`);
mkdirSync(join(outDir, "scheduler"), { recursive: true });
writeFileSync(
  join(outDir, "scheduler", "scheduler_config.json"),
  `${JSON.stringify(SD15_SCHEDULER_CONFIG, null, 2)}\n`,
);
// The tiny test pipeline carries SD 1.5's real tokenizer folder, byte for byte.
cpSync(new URL("../test/fixtures/sd/tiny-sd-pipe/tokenizer", import.meta.url).pathname, join(outDir, "tokenizer"), {
  recursive: true,
});
writeModel(
  "unet",
  "diffusion_pytorch_model.fp16.safetensors",
  SD15_UNET_CONFIG,
  new UNet2DConditionModel(SD15_UNET_CONFIG),
  "synthetic SD 1.5 UNet",
);
writeModel(
  "text_encoder",
  "model.fp16.safetensors",
  SD15_TEXT_ENCODER_CONFIG,
  new CLIPTextModel(SD15_TEXT_ENCODER_CONFIG),
  "synthetic SD 1.5 text encoder",
);
writeModel(
  "vae",
  "diffusion_pytorch_model.fp16.safetensors",
  SD15_VAE_CONFIG,
  new AutoencoderKL(SD15_VAE_CONFIG),
  "synthetic SD 1.5 VAE",
);
