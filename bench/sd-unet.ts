// Stable Diffusion 1.5's UNet at full size (859.5 M parameters, real config, seeded random float16 weights
// from scripts/make-synthetic-sd-unet.mjs): load time, seconds per UNet step (batch 2, as classifier-free
// guidance runs it) with 1 and 2 threads, and peak RSS. Skips with a message when the weights are absent.
//
//   node scripts/make-synthetic-sd-unet.mjs /tmp/sd15-synthetic
//   REPRODIFF_SD_UNET=/tmp/sd15-synthetic REPRODIFF_SD_SIZE=512 npm run bench sd-unet
//
// REPRODIFF_SD_SIZE is the image size (latents are size/8; default 512); REPRODIFF_SD_THREADS the thread
// counts to time (default "1,2"); REPRODIFF_SD_BACKEND "wasm" (default where supported) or "reference".
// REPRODIFF_SD_FULL=1 then adds SD 1.5's text encoder (CLIP ViT-L/14 text, 123 M) and VAE (83.7 M) with
// random weights and runs each once (VAE decode at REPRODIFF_SD_DECODE_SIZE, default 64), to see whether the
// whole pipeline's weights and activations fit in one process / wasm memory.

import { existsSync } from "node:fs";
import { getBackend, listBackends, setBackend, setNumThreads } from "../src/engine/index.js";
import { AutoencoderKL } from "../src/models/autoencoder-kl.js";
import { CLIPTextModel } from "../src/models/clip-text-model.js";
import { UNet2DConditionModel } from "../src/models/unet2d-condition.js";
import { Generator, randn } from "../src/rng/index.js";
import type { Tensor } from "../src/tensor/tensor.js";

const folder = process.env.REPRODIFF_SD_UNET ?? "/tmp/sd15-synthetic";
const size = Number(process.env.REPRODIFF_SD_SIZE ?? 512);
const threadCounts = (process.env.REPRODIFF_SD_THREADS ?? "1,2").split(",").map(Number);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

if (!existsSync(`${folder}/unet/diffusion_pytorch_model.fp16.safetensors`)) {
  console.log(
    `skipped: no synthetic SD 1.5 UNet at ${folder}/unet (run: node scripts/make-synthetic-sd-unet.mjs ${folder})`,
  );
  process.exit(0);
}

const wanted = process.env.REPRODIFF_SD_BACKEND ?? "wasm";
setBackend(listBackends().includes(wanted) ? wanted : "reference");
let t0 = performance.now();
const unet = await UNet2DConditionModel.fromPretrained(folder, { subfolder: "unet", variant: "fp16" });
console.log(
  `loaded ${(unet.numParameters / 1e6).toFixed(2)} M parameters (fp16 file widened to float32: ${mib(unet.numParameters * 4)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; RSS ${mib(process.memoryUsage().rss)}; backend ${getBackend().name}`,
);

const generator = new Generator().manualSeed(0);
const context = randn([2, 77, 768], { generator }) as Tensor<"float32">;
async function step(latent: number): Promise<{ seconds: number; out: Float32Array }> {
  const x = randn([2, 4, latent, latent], { generator: new Generator().manualSeed(1) }) as Tensor<"float32">;
  const start = performance.now();
  const { sample } = await unet.forward(x, 981, { encoderHiddenStates: context });
  return { seconds: (performance.now() - start) / 1000, out: sample.data };
}

try {
  // The first forward packs every weight into wasm memory; do it on tiny latents so it is not timed.
  t0 = performance.now();
  await step(8);
  console.log(
    `warm-up (64x64 image, weights packed): ${((performance.now() - t0) / 1000).toFixed(1)} s; RSS ${mib(process.memoryUsage().rss)}`,
  );
  console.log(`| image | batch | threads | s / UNet step |`);
  console.log(`|---|---|---|---|`);
  let first: Float32Array | null = null;
  for (const threads of threadCounts) {
    setNumThreads(threads);
    const { seconds, out } = await step(size / 8);
    if (first === null) first = out;
    else if (!out.every((v, i) => Object.is(v, first![i])))
      throw new Error(`${threads} threads changed the output bits`);
    console.log(`| ${size}x${size} | 2 | ${threads} | ${seconds.toFixed(1)} |`);
  }
} catch (e) {
  console.log(`FAILED at ${size}x${size}: ${(e as Error).stack ?? e}`);
}
const SD15_TEXT_ENCODER = {
  hidden_size: 768,
  intermediate_size: 3072,
  num_attention_heads: 12,
  num_hidden_layers: 12,
  projection_dim: 768,
  bos_token_id: 0,
  eos_token_id: 2,
};
const SD15_VAE = {
  block_out_channels: [128, 256, 512, 512],
  down_block_types: ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  up_block_types: ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
  latent_channels: 4,
  layers_per_block: 2,
  sample_size: 512,
};
/** Cheap, seeded, roughly normal values (the sum of 4 uniforms): benchmark weights, not a model. */
function cheapNormal(count: number): Float32Array {
  const out = new Float32Array(count);
  let s = 12345;
  for (let i = 0; i < count; i++) {
    let acc = 0;
    for (let k = 0; k < 4; k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      acc += s / 2 ** 32;
    }
    out[i] = (acc - 2) * 1.7320508;
  }
  return out;
}
if (process.env.REPRODIFF_SD_FULL === "1") {
  try {
    const textEncoder = new CLIPTextModel(SD15_TEXT_ENCODER);
    textEncoder.initRandomWeights({ normal: cheapNormal });
    const vae = new AutoencoderKL(SD15_VAE);
    vae.initRandomWeights({ normal: cheapNormal });
    console.log(
      `text encoder ${(textEncoder.numParameters / 1e6).toFixed(2)} M + VAE ${(vae.numParameters / 1e6).toFixed(2)} M parameters built; RSS ${mib(process.memoryUsage().rss)}`,
    );
    t0 = performance.now();
    const ids = [49406, 320, 2368, 49407];
    await textEncoder.forward([[...ids, ...new Array(73).fill(49407)], new Array(77).fill(49407)]);
    console.log(`text encoder forward (2 x 77 tokens): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t0 = performance.now();
    const decodeSize = Number(process.env.REPRODIFF_SD_DECODE_SIZE ?? 64);
    await vae.decode(randn([1, 4, decodeSize / 8, decodeSize / 8], { generator }) as Tensor<"float32">);
    console.log(`VAE decode (${decodeSize}x${decodeSize} image): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t0 = performance.now();
    await step(size / 8);
    console.log(
      `UNet step (${size}x${size}, batch 2) with all three models loaded: ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    console.log(`all three models ran in one process; RSS ${mib(process.memoryUsage().rss)}`);
  } catch (e) {
    console.log(`FAILED with text encoder + VAE added: ${(e as Error).stack ?? e}`);
  }
}
console.log(`peak RSS: ${mib(peakRss())}`);
