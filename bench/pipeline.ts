// Seconds per DDIM 50-step image for the google/ddpm-cifar10-32 architecture (35.7M parameters, 32x32 RGB),
// with seeded random weights, on 1 and 2 threads. The per-step cost does not depend on the timestep, so
// by default a few steps are timed after a warm-up step and scaled to 50; BENCH_FULL=1 runs all 50.
//   npm run bench pipeline            (BENCH_STEPS=n to time n steps, BENCH_THREADS=1,2,4 to choose)
import { getNumThreads, setNumThreads } from "../src/engine/index.js";
import { UNet2DModel } from "../src/models/index.js";
import { DDIMPipeline } from "../src/pipelines/ddim.js";
import { Generator } from "../src/rng/index.js";
import { DDPMScheduler } from "../src/schedulers/index.js";
import { DDPM_CIFAR10_32_UNET } from "./shared/ddpm-cifar10-32.js";

const CIFAR10_32_SCHEDULER = {
  _class_name: "DDPMScheduler",
  beta_end: 0.02,
  beta_schedule: "linear",
  beta_start: 0.0001,
  clip_sample: true,
  num_train_timesteps: 1000,
  trained_betas: null,
  variance_type: "fixed_large",
};

const full = process.env.BENCH_FULL === "1";
const timedSteps = full ? 50 : Number(process.env.BENCH_STEPS ?? 3);
const threadCounts = (process.env.BENCH_THREADS ?? "1,2").split(",").map(Number);

const unet = UNet2DModel.fromConfig(DDPM_CIFAR10_32_UNET, { generator: new Generator().manualSeed(0) });
const pipe = new DDIMPipeline({ unet, scheduler: DDPMScheduler.fromConfig(CIFAR10_32_SCHEDULER) });
const before = getNumThreads();

for (const threads of threadCounts) {
  setNumThreads(threads);
  const stepTimes: number[] = [];
  let last = performance.now();
  let backend = "";
  // 50-step schedule; interrupt after the timed steps (plus one warm-up step that is not counted).
  const { info } = await pipe.generate({
    numInferenceSteps: 50,
    generator: new Generator().manualSeed(0),
    outputType: "latent",
    callbackOnStepEnd: (p, step) => {
      const now = performance.now();
      if (step > 0) stepTimes.push(now - last);
      last = now;
      if (step >= timedSteps) p.interrupt = true;
    },
  });
  backend = info.engine.backend;
  const perStep = stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length / 1000;
  console.log(
    `ddpm-cifar10-32 DDIM 50 steps, batch 1, ${threads} thread${threads === 1 ? "" : "s"} (${backend}): ` +
      `${(perStep * 50).toFixed(2)} s/image (${perStep.toFixed(3)} s/step over ${stepTimes.length} timed steps` +
      `${full ? "" : ", scaled to 50"})`,
  );
}
setNumThreads(before);
