// Call semantics on the bundled digits model (16x16, fast): callbacks, interruption, abort, generator
// lists and reuse, scheduler swapping, output types, progress, loading errors, thread-count invariance.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeterminismError, disableFullDeterminism, enableFullDeterminism } from "../../src/engine/determinism.js";
import { getBackend, getNumThreads, referenceBackend, setBackend, setNumThreads } from "../../src/engine/index.js";
import { bundledModelPath } from "../../src/pipelines/bundled.node.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import { DDPMPipeline } from "../../src/pipelines/ddpm.js";
import { PipelineImage } from "../../src/pipelines/image.js";
import { DiffusionPipeline } from "../../src/pipelines/index.js";
import { toNumpyImages } from "../../src/pipelines/postprocess.js";
import type { ProgressInfo } from "../../src/pipelines/types.js";
import { Generator } from "../../src/rng/index.js";
import { DDIMScheduler, EulerDiscreteScheduler } from "../../src/schedulers/index.js";
import { Tensor } from "../../src/tensor/tensor.js";

const model = bundledModelPath();
const ddimPromise = DDIMPipeline.fromPretrained(model);
const ddpmPromise = DDPMPipeline.fromPretrained(model);
const seeded = (seed: number) => new Generator().manualSeed(seed);
const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const sha256 = (t: Tensor) => createHash("sha256").update(bytesOf(t)).digest("hex");

test("DiffusionPipeline.fromPretrained() with no argument loads the bundled model as its model_index class", async () => {
  const pipe = await DiffusionPipeline.fromPretrained();
  assert.ok(pipe instanceof DDPMPipeline);
  assert.equal(pipe.modelIndex._class_name, "DDPMPipeline");
  // DDIMPipeline converts the DDPM scheduler, as Diffusers does.
  const ddim = await ddimPromise;
  assert.equal(ddim.scheduler.config._class_name, "DDIMScheduler");
  assert.equal(ddim.scheduler.config.set_alpha_to_one, true);
  assert.equal(ddim.scheduler.config.variance_type, "fixed_small");
});

test("output types: np (NHWC in [0,1]), pil (8-bit grayscale), latent and tensor (raw NCHW)", async () => {
  const pipe = await ddimPromise;
  const np = (await pipe.generate({ batchSize: 2, numInferenceSteps: 2, generator: seeded(3), outputType: "np" }))
    .images;
  assert.deepEqual(np.shape, [2, 16, 16, 1]);
  assert.ok([...np.data].every((v) => v >= 0 && v <= 1));
  const pil = (await pipe.generate({ batchSize: 2, numInferenceSteps: 2, generator: seeded(3), outputType: "pil" }))
    .images;
  assert.equal(pil.length, 2);
  assert.ok(pil[0] instanceof PipelineImage);
  assert.equal(pil[0].mode, "L");
  assert.equal(pil[0].width, 16);
  assert.equal(pil[1].data[5], Math.round(np.data[256 + 5] * 255));
  const latent = (
    await pipe.generate({ batchSize: 2, numInferenceSteps: 2, generator: seeded(3), outputType: "latent" })
  ).images;
  assert.deepEqual(latent.shape, [2, 1, 16, 16]);
  assert.deepEqual(toNumpyImages(latent).data, np.data);
  const tensor = (
    await pipe.generate({ batchSize: 2, numInferenceSteps: 2, generator: seeded(3), outputType: "tensor" })
  ).images;
  assert.deepEqual(tensor.data, latent.data);
  await assert.rejects(pipe.generate({ outputType: "jpeg" as "np" }), /outputType/);
});

test("the same seed gives the same bytes; a reused generator continues its stream", async () => {
  const pipe = await ddimPromise;
  const g = seeded(0);
  const a = (await pipe.generate({ numInferenceSteps: 3, generator: g, outputType: "np" })).images;
  const b = (await pipe.generate({ numInferenceSteps: 3, generator: g, outputType: "np" })).images;
  assert.notEqual(sha256(a), sha256(b));
  g.manualSeed(0);
  const c = (await pipe.generate({ numInferenceSteps: 3, generator: g, outputType: "np" })).images;
  assert.equal(sha256(a), sha256(c));
});

test("a generator list makes image i the image that seed i gives alone, bit for bit", async () => {
  for (const pipe of [await ddimPromise, await ddpmPromise]) {
    const opts = { numInferenceSteps: 2, outputType: "latent" as const };
    const batch = (await pipe.generate({ ...opts, batchSize: 2, generator: [seeded(5), seeded(6)] })).images;
    for (const [i, seed] of [5, 6].entries()) {
      const single = (await pipe.generate({ ...opts, generator: seeded(seed) })).images;
      assert.deepEqual(batch.data.subarray(i * 256, (i + 1) * 256), single.data, `${pipe.constructor.name} item ${i}`);
    }
  }
});

test("a generator list of the wrong length is refused before anything is drawn", async () => {
  const pipe = await ddimPromise;
  const g = seeded(1);
  const state = g.getState();
  await assert.rejects(pipe.generate({ batchSize: 3, generator: [g, seeded(2)] }), /2 generators .* batch of 3/);
  assert.deepEqual(g.getState(), state);
  await assert.rejects(pipe.generate({ batchSize: 0 }), /batchSize/);
  await assert.rejects(pipe.generate({ numInferenceSteps: 1.5 }), /numInferenceSteps/);
  await assert.rejects(pipe.generate({ eta: -1 }), /eta/);
  await assert.rejects((await ddpmPromise).generate({ eta: 1 }), /DDIM setting/);
});

test("callbackOnStepEnd sees every step and can replace the latents", async () => {
  const pipe = await ddimPromise;
  const seen: [number, number][] = [];
  const { images } = await pipe.generate({
    numInferenceSteps: 3,
    generator: seeded(0),
    outputType: "np",
    callbackOnStepEnd: (p, step, t, { latents }) => {
      assert.equal(p, pipe);
      assert.deepEqual(latents.shape, [1, 1, 16, 16]);
      seen.push([step, t]);
      if (step === 2) return { latents: Tensor.zeros([1, 1, 16, 16]) };
    },
  });
  assert.deepEqual(
    seen.map(([s]) => s),
    [0, 1, 2],
  );
  assert.deepEqual(
    seen.map(([, t]) => t),
    [666, 333, 0],
  );
  assert.ok([...images.data].every((v) => v === 0.5));
});

test("setting pipe.interrupt stops after that step and keeps the latents reached", async () => {
  const pipe = await ddimPromise;
  let afterTwo: Tensor<"float32"> | undefined;
  const result = await pipe.generate({
    numInferenceSteps: 5,
    generator: seeded(0),
    outputType: "np",
    callbackOnStepEnd: (p, step, _t, { latents }) => {
      if (step === 1) {
        afterTwo = latents;
        p.interrupt = true;
      }
    },
  });
  assert.equal(result.info.stepsRun, 2);
  assert.equal(result.info.interrupted, true);
  assert.deepEqual(result.images.data, toNumpyImages(afterTwo!).data);
  // The flag is reset by the next call.
  const next = await pipe.generate({ numInferenceSteps: 2, generator: seeded(0) });
  assert.equal(next.info.stepsRun, 2);
});

test("an AbortSignal rejects with an AbortError at the next step boundary", async () => {
  const pipe = await ddimPromise;
  const controller = new AbortController();
  let steps = 0;
  await assert.rejects(
    pipe.generate({
      numInferenceSteps: 5,
      generator: seeded(0),
      signal: controller.signal,
      progress: (info) => {
        steps = info.step;
        if (info.step === 2) controller.abort();
      },
    }),
    (err: unknown) => (err as Error).name === "AbortError",
  );
  assert.equal(steps, 2);
  // Already aborted: nothing is drawn.
  const g = seeded(9);
  const state = g.getState();
  await assert.rejects(pipe.generate({ generator: g, signal: AbortSignal.abort() }), { name: "AbortError" });
  assert.deepEqual(g.getState(), state);
  // A reason that is an Error is passed through.
  const reason = new Error("user cancelled");
  await assert.rejects(pipe.generate({ generator: seeded(0), signal: AbortSignal.abort(reason) }), reason);
});

test("progress reports each step with rate and ETA", async () => {
  const pipe = await ddimPromise;
  const infos: ProgressInfo[] = [];
  await pipe.generate({ numInferenceSteps: 3, generator: seeded(0), progress: (i) => infos.push(i) });
  assert.deepEqual(
    infos.map((i) => [i.step, i.totalSteps]),
    [
      [1, 3],
      [2, 3],
      [3, 3],
    ],
  );
  assert.equal(infos[2].etaMs, 0);
  assert.ok(infos.every((i) => i.stepsPerSecond >= 0 && i.elapsedMs >= 0));
});

test("pipe.scheduler = DDIMScheduler.fromConfig(pipe.scheduler.config) on a DDPM pipeline equals DDIMPipeline", async () => {
  const ddpm = await DDPMPipeline.fromPretrained(model);
  ddpm.scheduler = DDIMScheduler.fromConfig(ddpm.scheduler.config);
  const swapped = (await ddpm.generate({ numInferenceSteps: 4, generator: seeded(2), outputType: "latent" })).images;
  const ddim = (
    await (await ddimPromise).generate({ numInferenceSteps: 4, generator: seeded(2), outputType: "latent" })
  ).images;
  assert.deepEqual(swapped.data, ddim.data);
});

test("the same generation gives the same bytes with 1, 2 and 3 threads", async () => {
  const pipe = await ddimPromise;
  const before = getNumThreads();
  const hashes: string[] = [];
  try {
    for (const threads of [1, 2, 3]) {
      setNumThreads(threads);
      const { images, info } = await pipe.generate({
        batchSize: 2,
        numInferenceSteps: 2,
        generator: seeded(0),
        outputType: "np",
      });
      assert.equal(info.engine.threads, threads);
      hashes.push(sha256(images));
    }
  } finally {
    setNumThreads(before);
  }
  assert.equal(new Set(hashes).size, 1, hashes.join(" "));
});

test("the output records how it was made", async () => {
  const pipe = await ddimPromise;
  enableFullDeterminism();
  try {
    const { info } = await pipe.generate({
      batchSize: 2,
      numInferenceSteps: 2,
      generator: [seeded(4), seeded(5)],
      eta: 0.5,
    });
    assert.equal(info.pipeline, "DDIMPipeline");
    assert.equal(info.scheduler, "DDIMScheduler");
    assert.deepEqual(info.seeds, ["4", "5"]);
    assert.equal(info.eta, 0.5);
    assert.equal(info.engine.deterministic, true);
    assert.equal(info.engine.fullDeterminism, true);
    assert.equal(typeof info.engine.numericsVersion, "string");
  } finally {
    disableFullDeterminism();
  }
});

test("loading errors name the file and the problem; non-CPU devices are refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "reprodiff-pipe-"));
  try {
    writeFileSync(join(dir, "model_index.json"), JSON.stringify({ _class_name: "KandinskyPipeline" }));
    await assert.rejects(
      DiffusionPipeline.fromPretrained(dir),
      /model_index\.json names pipeline class "KandinskyPipeline", which reprodiff does not provide \(available: DDIMPipeline, DDPMPipeline, StableDiffusionPipeline\)/,
    );
    writeFileSync(join(dir, "model_index.json"), "{ not json");
    await assert.rejects(DiffusionPipeline.fromPretrained(dir), /model_index\.json is not valid JSON/);
    writeFileSync(join(dir, "model_index.json"), JSON.stringify({ _class_name: "DDPMPipeline", unet: "UNet2DModel" }));
    await assert.rejects(DiffusionPipeline.fromPretrained(dir), /component "unet" must be \[library, className\]/);
    await assert.rejects(
      DiffusionPipeline.fromPretrained(join(dir, "missing")),
      /neither an existing folder nor a Hub repo id/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(DDIMPipeline.fromPretrained(model, { device: "webgpu" }), /unsupported device "webgpu"/);
  enableFullDeterminism();
  try {
    await assert.rejects(DDIMPipeline.fromPretrained(model, { device: "webgpu" }), DeterminismError);
  } finally {
    disableFullDeterminism();
  }
});

test("under full determinism a backend that declares a non-deterministic trait is refused at generate()", async () => {
  const pipe = await ddimPromise;
  const previous = getBackend();
  // A stand-in for a future relaxed-SIMD backend: the reference ops, declared as relaxed.
  const relaxed = Object.assign(Object.create(referenceBackend), {
    name: "relaxed-test",
    traits: { relaxedSimd: true },
  });
  setBackend(relaxed);
  try {
    const { info } = await pipe.generate({ numInferenceSteps: 1, generator: seeded(0) });
    assert.equal(info.engine.backend, "relaxed-test");
    assert.equal(info.engine.deterministic, false);
    enableFullDeterminism();
    await assert.rejects(pipe.generate({ numInferenceSteps: 1, generator: seeded(0) }), (err: unknown) => {
      return err instanceof DeterminismError && err.feature === "relaxed-simd" && /relaxed-test/.test(err.message);
    });
  } finally {
    disableFullDeterminism();
    setBackend(previous);
  }
});

test("a sigma-space scheduler swapped in gets scaled noise, scaled inputs and float timesteps", async () => {
  const pipe = await DDPMPipeline.fromPretrained(model);
  const real = pipe.unet;
  const seen: unknown[] = [];
  pipe.unet = {
    config: real.config,
    forward: (x, t) => {
      seen.push(t);
      return real.forward(x, t);
    },
  };
  pipe.scheduler = EulerDiscreteScheduler.fromConfig(pipe.scheduler.config);
  const { images, info } = await pipe.generate({ numInferenceSteps: 3, generator: seeded(0), outputType: "np" });
  assert.equal(info.scheduler, "EulerDiscreteScheduler");
  assert.equal(seen.length, 3);
  for (const t of seen) assert.ok(t instanceof Tensor && t.dtype === "float32" && t.size === 1);
  assert.ok([...images.data].every((v) => v >= 0 && v <= 1));
});
