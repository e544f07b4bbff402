// The pipeline loop without the UNet: a stand-in model replays the model outputs Diffusers recorded, so
// the initial noise, the timesteps, the scheduler steps and the generator's draw order are checked on
// their own, step by step, against trajectories.safetensors.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { UNetLike } from "../../src/pipelines/components.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import { DDPMPipeline } from "../../src/pipelines/ddpm.js";
import { Generator, manualSeed } from "../../src/rng/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { maxAbsDiff } from "../../src/testing/index.js";
import { fixturePath, loadJsonFixture, loadSafetensorsFixture } from "../helpers/fixtures.js";

const trajectories = loadSafetensorsFixture("pipelines", "trajectories.safetensors");
const schedulerConfig = loadJsonFixture<Record<string, unknown>>(
  "pipelines",
  "ddpm-cifar10-mini",
  "scheduler",
  "scheduler_config.json",
);
const unetConfig = loadJsonFixture<Record<string, unknown>>("pipelines", "ddpm-cifar10-mini", "unet", "config.json");

function step(all: Tensor<"float32">, i: number): Tensor<"float32"> {
  const [, ...shape] = all.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.from(all.data.slice(i * n, (i + 1) * n), shape);
}

/** Replays recorded model outputs and records what the pipeline fed it. */
class ReplayUNet implements UNetLike {
  readonly config = unetConfig;
  readonly inputs: Tensor<"float32">[] = [];
  readonly timesteps: number[] = [];
  constructor(private readonly outputs: Tensor<"float32">) {}
  async forward(sample: Tensor<"float32">, t: number) {
    this.inputs.push(sample);
    this.timesteps.push(t);
    return { sample: step(this.outputs, this.inputs.length - 1) };
  }
}

const cases = [
  { name: "ddpm_seed0_steps10_b1", kind: "ddpm", batch: 1, seeds: null, eta: undefined },
  { name: "ddpm_genlist_0_1_steps10_b2", kind: "ddpm", batch: 2, seeds: [0n, 1n], eta: undefined },
  { name: "ddim_seed0_steps10_b1", kind: "ddim", batch: 1, seeds: null, eta: 0 },
  { name: "ddim_seed0_steps10_b1_eta1", kind: "ddim", batch: 1, seeds: null, eta: 1 },
] as const;

for (const c of cases) {
  test(`trajectory ${c.name}: noise, timesteps and every scheduler step, bit for bit`, async () => {
    const unet = new ReplayUNet(trajectories.float32(`${c.name}/model_outputs`));
    const { DDPMScheduler } = await import("../../src/schedulers/index.js");
    const scheduler = DDPMScheduler.fromConfig(schedulerConfig);
    const pipe = c.kind === "ddim" ? new DDIMPipeline({ unet, scheduler }) : new DDPMPipeline({ unet, scheduler });
    const after: Tensor<"float32">[] = [];
    const generator = c.seeds ? c.seeds.map((s) => new Generator().manualSeed(s)) : manualSeed(0);
    await pipe.generate({
      batchSize: c.batch,
      numInferenceSteps: 10,
      generator,
      outputType: "latent",
      ...(c.eta !== undefined ? { eta: c.eta } : {}),
      callbackOnStepEnd: (_pipe, _i, _t, { latents }) => {
        after.push(latents);
      },
    });
    const expectedT = [...trajectories.tensor(`${c.name}/timesteps`).data].map(Number);
    assert.deepEqual(unet.timesteps, expectedT);
    // The initial noise is torch's bit for bit.
    assert.deepEqual(unet.inputs[0].data, trajectories.float32(`${c.name}/x_T`).data);
    // Given torch's model outputs, every step lands on torch's bits: the scheduler arithmetic and the
    // variance-noise draws (DDPM every step with t > 0, DDIM with eta > 0, one stream per generator) agree.
    const expectedAfter = trajectories.float32(`${c.name}/x_after_step`);
    for (let i = 0; i < 10; i++) {
      const delta = maxAbsDiff(after[i], step(expectedAfter, i));
      assert.deepEqual(after[i].data, step(expectedAfter, i).data, `${c.name} step ${i}: max|Δ| ${delta}`);
    }
  });
}

test("the UNet agrees with PyTorch's at every step of the trajectories, given PyTorch's x_t", async (t) => {
  const { UNet2DModel } = await import("../../src/models/index.js");
  const unet = await UNet2DModel.fromPretrained(fixturePath("pipelines", "ddpm-cifar10-mini"), { subfolder: "unet" });
  for (const name of ["ddim_seed0_steps10_b1", "ddpm_genlist_0_1_steps10_b2"]) {
    const timesteps = [...trajectories.tensor(`${name}/timesteps`).data].map(Number);
    const outputs = trajectories.float32(`${name}/model_outputs`);
    const after = trajectories.float32(`${name}/x_after_step`);
    let worst = 0;
    for (let i = 0; i < timesteps.length; i++) {
      const x = i === 0 ? trajectories.float32(`${name}/x_T`) : step(after, i - 1);
      const { sample } = await unet.forward(x, timesteps[i]);
      worst = Math.max(worst, maxAbsDiff(sample, step(outputs, i)));
    }
    t.diagnostic(`${name}: UNet max|Δ| per step vs PyTorch = ${worst.toExponential(3)}`);
    assert.ok(worst <= 1e-5, `${name}: UNet max|Δ| ${worst}`);
  }
});
