// Stable Diffusion 1.5 at full size with seeded random float16 weights and the real configs, written by
// scripts/make-synthetic-sd.mjs. Skips with a message when the folder is absent.
//
//   node scripts/make-synthetic-sd.mjs /tmp/sd15-synthetic
//   REPRODIFF_SD_SIZE=512 npm run bench sd-unet                     # the UNet alone
//   REPRODIFF_SD_FULL=1 REPRODIFF_SD_SIZE=512 npm run bench sd-unet  # the whole pipeline, one process
//
// UNet mode: load time, seconds per UNet step (batch 2, as classifier-free guidance runs it) for each thread
// count, peak RSS. Pipeline mode: StableDiffusionPipeline.fromPretrained(folder, { variant: "fp16" }) then one
// text-to-image call (text encoder, REPRODIFF_SD_STEPS UNet steps with guidance, VAE decode) at the image
// size: whether the three models' weights fit one process and one wasm memory, time per phase, peak RSS.
//
// Environment: REPRODIFF_SD_UNET the folder (default /tmp/sd15-synthetic); REPRODIFF_SD_SIZE image size
// (default 512); REPRODIFF_SD_THREADS thread counts (default "1,2"; pipeline mode uses the first);
// REPRODIFF_SD_STEPS (pipeline mode, default 1); REPRODIFF_SD_BACKEND "wasm" (default) or "reference";
// REPRODIFF_SD_BUDGET_MIB a packed-weight budget (default: none, bounded by the wasm memory).

import { existsSync } from "node:fs";
import { getBackend, listBackends, setBackend, setNumThreads } from "../src/engine/index.js";
import type { WasmBackend } from "../src/engine/wasm/backend.js";
import { UNet2DConditionModel } from "../src/models/unet2d-condition.js";
import { StableDiffusionPipeline } from "../src/pipelines/stable-diffusion.js";
import { Generator, randn } from "../src/rng/index.js";
import type { Tensor } from "../src/tensor/tensor.js";

const folder = process.env.REPRODIFF_SD_UNET ?? "/tmp/sd15-synthetic";
const size = Number(process.env.REPRODIFF_SD_SIZE ?? 512);
const threadCounts = (process.env.REPRODIFF_SD_THREADS ?? "1,2").split(",").map(Number);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

if (!existsSync(`${folder}/unet/diffusion_pytorch_model.fp16.safetensors`)) {
  console.log(`skipped: no synthetic SD 1.5 at ${folder} (run: node scripts/make-synthetic-sd.mjs ${folder})`);
  process.exit(0);
}

const wanted = process.env.REPRODIFF_SD_BACKEND ?? "wasm";
setBackend(listBackends().includes(wanted) ? wanted : "reference");
const wasm = getBackend().name === "wasm" ? (getBackend() as WasmBackend) : null;
if (process.env.REPRODIFF_SD_BUDGET_MIB !== undefined) {
  wasm?.setPackedWeightBudget(Number(process.env.REPRODIFF_SD_BUDGET_MIB) * 2 ** 20);
}

/** RSS now, and the wasm memory with the packed-weight cache's share of it. */
function memory(): string {
  const rss = `RSS ${mib(process.memoryUsage().rss)}`;
  if (wasm === null) return rss;
  const s = wasm.packedWeightStats;
  return `${rss}; wasm memory ${mib(wasm.memoryBytes)} (packed weights ${mib(s.bytes)}, ${s.packs} packs, ${s.evictions} evictions)`;
}

async function unetOnly(): Promise<void> {
  let t0 = performance.now();
  const unet = await UNet2DConditionModel.fromPretrained(folder, { subfolder: "unet", variant: "fp16" });
  console.log(
    `loaded ${(unet.numParameters / 1e6).toFixed(2)} M parameters (fp16 weights kept fp16) in ${seconds(t0)}; ${memory()}; backend ${getBackend().name}`,
  );
  const generator = new Generator().manualSeed(0);
  const context = randn([2, 77, 768], { generator }) as Tensor<"float32">;
  const step = async (latent: number) => {
    const x = randn([2, 4, latent, latent], { generator: new Generator().manualSeed(1) }) as Tensor<"float32">;
    const start = performance.now();
    const { sample } = await unet.forward(x, 981, { encoderHiddenStates: context });
    return { seconds: (performance.now() - start) / 1000, out: sample.data };
  };
  // The first forward packs every weight into wasm memory; do it on tiny latents so it is not timed.
  t0 = performance.now();
  await step(8);
  console.log(`warm-up (64x64 image, weights packed): ${seconds(t0)}; ${memory()}`);
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
  console.log(memory());
}

async function pipeline(): Promise<void> {
  setNumThreads(threadCounts[0]);
  let t0 = performance.now();
  const pipe = await StableDiffusionPipeline.fromPretrained(folder, { variant: "fp16" });
  console.log(`pipeline loaded (fp16 variant) in ${seconds(t0)}; ${memory()}`);
  const steps = Number(process.env.REPRODIFF_SD_STEPS ?? 1);
  t0 = performance.now();
  let phase = performance.now();
  const { images } = await pipe.generate({
    prompt: "a photograph of an astronaut riding a horse",
    height: size,
    width: size,
    numInferenceSteps: steps,
    guidanceScale: 7.5,
    generator: new Generator().manualSeed(0),
    outputType: "np",
    callbackOnStepEnd: (_pipe, step) => {
      console.log(`step ${step + 1}/${steps} done at ${seconds(t0)} (${seconds(phase)} since the last); ${memory()}`);
      phase = performance.now();
      return {};
    },
  });
  console.log(
    `text-to-image ${size}x${size}, ${steps} step(s), guidance 7.5, ${threadCounts[0]} thread(s): ${seconds(t0)} (after the last step: ${seconds(phase)}, the VAE decode); image ${images.shape.join("x")}`,
  );
  console.log(`all three models ran in one process; ${memory()}`);
}

try {
  await (process.env.REPRODIFF_SD_FULL === "1" ? pipeline() : unetOnly());
} catch (e) {
  console.log(`FAILED at ${size}x${size}: ${(e as Error).stack ?? e}`);
}
console.log(`peak RSS: ${mib(peakRss())}`);
