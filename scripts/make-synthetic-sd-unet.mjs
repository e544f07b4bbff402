#!/usr/bin/env node
// Writes a full-size Stable Diffusion 1.5 UNet (the real config.json, seeded random weights) as a Diffusers
// folder with float16 weights: <out>/unet/config.json + diffusion_pytorch_model.fp16.safetensors (~1.7 GB).
// For benchmarks only (bench/sd-unet.ts); never commit the output. Run `npm run build` first.
//
//   node scripts/make-synthetic-sd-unet.mjs [outDir=/tmp/sd15-synthetic] [seed=0]
//
// Parameter names and shapes come from reprodiff's own UNet2DConditionModel built from the config (no
// weights are allocated); values: torch's default init scale, uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), norms
// at weight 1 / bias 0, from a seeded xorshift generator, rounded to float16.

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
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

const model = new UNet2DConditionModel(SD15_UNET_CONFIG);
const params = [...model.params.params.values()];
const header = {};
let offset = 0;
for (const p of params) {
  const bytes = p.size * 2;
  header[p.name] = { dtype: "F16", shape: [...p.shape], data_offsets: [offset, offset + bytes] };
  offset += bytes;
}
header.__metadata__ = { format: "pt", note: `synthetic SD 1.5 UNet, seed ${seed}` };
let json = JSON.stringify(header);
json += " ".repeat((8 - ((json.length + 8) % 8)) % 8);
const unetDir = join(outDir, "unet");
mkdirSync(unetDir, { recursive: true });
writeFileSync(join(unetDir, "config.json"), `${JSON.stringify(SD15_UNET_CONFIG, null, 2)}\n`);
const file = join(unetDir, "diffusion_pytorch_model.fp16.safetensors");
const fd = openSync(file, "w");
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
  `${file}: ${params.length} tensors, ${n} parameters, ${(offset / 2 ** 30).toFixed(2)} GiB, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
