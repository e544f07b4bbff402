import assert from "node:assert/strict";
import { test } from "node:test";
import { PipelineImage } from "../../src/pipelines/image.js";
import { StableDiffusionPipeline } from "../../src/pipelines/stable-diffusion.js";
import { Generator } from "../../src/rng/index.js";
import { EulerDiscreteScheduler } from "../../src/schedulers/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { maxAbsDiff } from "../../src/testing/compare.js";
import { fixturePath } from "../helpers/fixtures.js";

const folder = fixturePath("sd", "tiny-sd-pipe");
let cached: StableDiffusionPipeline | null = null;
async function pipeline(): Promise<{ pipe: StableDiffusionPipeline; warnings: string[] }> {
  cached ??= await StableDiffusionPipeline.fromPretrained(folder);
  const warnings: string[] = [];
  cached.onWarning = (m) => warnings.push(m);
  cached.tokenizer.onWarning = (m) => warnings.push(m);
  return { pipe: cached, warnings };
}
const base = { height: 64, width: 64, numInferenceSteps: 1 } as const;

test("loading: PNDM from the repo, components, defaults (128x128 = sample_size x 8), no safety checker", async () => {
  const { pipe } = await pipeline();
  assert.equal(pipe.scheduler.config._class_name, "PNDMScheduler");
  assert.equal(pipe.vaeScaleFactor, 8);
  const { images, info } = await pipe.generate({
    prompt: "a cat",
    numInferenceSteps: 1,
    guidanceScale: 1,
    generator: new Generator().manualSeed(3),
    outputType: "latent",
  });
  assert.deepEqual(images.shape, [1, 4, 16, 16]);
  assert.equal(info.height, 128);
  assert.equal(info.safetyChecker, false);
  assert.deepEqual(info.prompt, ["a cat"]);
  assert.deepEqual(info.seeds, ["3"]);
});

test("validation: sizes, prompt/embeds exclusivity, generator list length, negative prompt shapes", async () => {
  const { pipe } = await pipeline();
  await assert.rejects(
    pipe.generate({ ...base, prompt: "a", height: 60 }),
    /height must be a positive multiple of 8, got 60/,
  );
  await assert.rejects(pipe.generate({ ...base, prompt: "a", width: 0 }), /width must be a positive multiple of 8/);
  await assert.rejects(pipe.generate({ ...base }), /pass prompt/);
  const embeds = Tensor.zeros([1, 77, 32]);
  await assert.rejects(pipe.generate({ ...base, prompt: "a", promptEmbeds: embeds }), /either prompt or promptEmbeds/);
  await assert.rejects(
    pipe.generate({ ...base, prompt: "a", generator: [new Generator(), new Generator()] }),
    /2 generators was passed, but the effective batch size is 1/,
  );
  await assert.rejects(pipe.generate({ ...base, prompt: ["a", "b"], negativePrompt: "c" }), /same type as prompt/);
  await assert.rejects(
    pipe.generate({ ...base, prompt: ["a", "b"], negativePrompt: ["c"] }),
    /batch size 1, but prompt has batch size 2/,
  );
  await assert.rejects(
    pipe.generate({ ...base, prompt: "a", latents: Tensor.zeros([1, 4, 4, 4]) }),
    /latents must be a float32 \[1, 4, 8, 8\]/,
  );
  await assert.rejects(pipe.generate({ ...base, prompt: "a", clipSkip: 9 }), /clipSkip must be an integer in \[0, 5\]/);
  await assert.rejects(pipe.generate({ ...base, prompt: "a", outputType: "tensor" as never }), /outputType must be/);
  await assert.rejects(
    StableDiffusionPipeline.fromPretrained(fixturePath("sd", "tiny-sd-pipe", "unet")),
    /model_index\.json/,
  );
});

test("guidance <= 1 ignores the negative prompt; > 1 uses it; embeddings in = prompt in", async () => {
  const { pipe } = await pipeline();
  const run = (o: object) =>
    pipe.generate({ ...base, generator: new Generator().manualSeed(0), outputType: "latent", ...o });
  const a = await run({ prompt: "a cat", guidanceScale: 1 });
  const b = await run({ prompt: "a cat", guidanceScale: 1, negativePrompt: "dog" });
  assert.equal(maxAbsDiff(a.images, b.images), 0);
  const c = await run({ prompt: "a cat", guidanceScale: 5 });
  const d = await run({ prompt: "a cat", guidanceScale: 5, negativePrompt: "dog" });
  assert.ok(maxAbsDiff(c.images, d.images) > 0);
  const { promptEmbeds, negativePromptEmbeds } = await pipe.encodePrompt({
    prompt: "a cat",
    negativePrompt: "dog",
    doClassifierFreeGuidance: true,
  });
  const e = await run({ promptEmbeds, negativePromptEmbeds: negativePromptEmbeds!, guidanceScale: 5 });
  assert.equal(maxAbsDiff(d.images, e.images), 0);
  // The same latents passed in give the same result as drawing them.
  const g = new Generator().manualSeed(0);
  const { randnTensor } = await import("../../src/rng/index.js");
  const latents = randnTensor([1, 4, 8, 8], { generator: g }) as Tensor<"float32">;
  const f = await run({ prompt: "a cat", guidanceScale: 5, latents, generator: undefined });
  assert.equal(maxAbsDiff(c.images, f.images), 0);
});

test("a prompt over 77 tokens is truncated with Diffusers' warning naming the cut text", async () => {
  const { pipe, warnings } = await pipeline();
  const prompt = `${"cat ".repeat(80)}zebra giraffe`;
  await pipe.encodePrompt({ prompt, doClassifierFreeGuidance: false });
  const w = warnings.find((m) => m.startsWith("The following part of your input was truncated"));
  assert.ok(w, warnings.join("\n"));
  assert.match(w, /up to 77 tokens: \['cat cat cat cat cat zebra giraffe'\]/);
});

test("schedulers swap via fromConfig; callbacks see each step and can interrupt; pil output", async () => {
  const { pipe } = await pipeline();
  const pndm = pipe.scheduler;
  try {
    pipe.scheduler = EulerDiscreteScheduler.fromConfig(pipe.scheduler.config) as never;
    const seen: number[] = [];
    const { images, info } = await pipe.generate({
      ...base,
      prompt: "a cat",
      numInferenceSteps: 3,
      generator: new Generator().manualSeed(1),
      outputType: "pil",
      callbackOnStepEnd: (p, i, t) => {
        seen.push(t);
        if (i === 1) p.interrupt = true;
      },
    });
    assert.deepEqual(seen, [999, 499.5]);
    assert.equal(info.scheduler, "EulerDiscreteScheduler");
    assert.equal(info.interrupted, true);
    assert.ok(images[0] instanceof PipelineImage);
    assert.equal(images[0].width, 64);
  } finally {
    pipe.scheduler = pndm;
  }
});

test("clipSkip 0 equals no clip skip; guidanceRescale changes guided noise only when > 0", async () => {
  const { pipe } = await pipeline();
  const a = await pipe.encodePrompt({ prompt: "a dog", doClassifierFreeGuidance: false });
  const b = await pipe.encodePrompt({ prompt: "a dog", doClassifierFreeGuidance: false, clipSkip: 0 });
  assert.equal(maxAbsDiff(a.promptEmbeds, b.promptEmbeds), 0);
  const run = (r: number) =>
    pipe.generate({
      ...base,
      prompt: "a dog",
      guidanceRescale: r,
      generator: new Generator().manualSeed(2),
      outputType: "latent",
    });
  const r0 = await run(0);
  const r7 = await run(0.7);
  assert.ok(maxAbsDiff(r0.images, r7.images) > 0);
  await assert.rejects(run(1.5), /guidanceRescale must be in \[0, 1\]/);
});
