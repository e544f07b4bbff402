// The record a generation writes: generator states at the start, every argument, the output hash, and
// validation of records read from untrusted files.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { NUMERICS_VERSION } from "../../src/engine/determinism.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import {
  captureCall,
  captureGenerators,
  generateWithProvenance,
  pngWithProvenance,
  readProvenance,
  renderImage,
  restoreGenerators,
} from "../../src/provenance/capture.js";
import { resolvePipelineSource } from "../../src/provenance/model.node.js";
import { ProvenanceError } from "../../src/provenance/png.js";
import { type ProvenanceRecord, parseRecord } from "../../src/provenance/record.js";
import { tensorSha256 } from "../../src/provenance/sha256.js";
import { LIBRARY_VERSION } from "../../src/provenance/version.js";
import { Generator, manualSeed, randn } from "../../src/rng/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";

test("LIBRARY_VERSION is package.json's version", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
  assert.equal(LIBRARY_VERSION, pkg.version);
});

test("generators: a fresh one is its seed, a used one carries its torch state, the default one always", () => {
  const fresh = new Generator().manualSeed(7);
  assert.deepEqual(captureGenerators(fresh), { kind: "single", generators: [{ seed: "7" }] });
  const used = new Generator().manualSeed(7);
  randn([3], { generator: used });
  const usedState = used.getState();
  const rec = captureGenerators([fresh, used]);
  assert.equal(rec.kind, "list");
  assert.equal(rec.generators[1].seed, "7");
  assert.equal(typeof rec.generators[1].state, "string");
  const [a, b] = restoreGenerators(rec) as Generator[];
  assert.deepEqual(a.getState(), fresh.getState());
  assert.deepEqual(b.getState(), usedState);
  const def = captureGenerators(undefined);
  assert.equal(def.kind, "default");
  assert.ok(def.generators[0].state);
});

test("call arguments: JSON values recorded, functions and signals listed as not recorded", () => {
  const { call, notRecorded } = captureCall({
    numInferenceSteps: 3,
    eta: 0.5,
    batchSize: undefined,
    generator: new Generator(),
    progress: () => {},
    signal: new AbortController().signal,
    callbackOnStepEnd: () => {},
    prompt: "a cat",
  });
  assert.deepEqual(call, { numInferenceSteps: 3, eta: 0.5, prompt: "a cat" });
  assert.deepEqual(notRecorded, ["callbackOnStepEnd"]);
});

async function digits(): Promise<{ pipe: DDIMPipeline; model: ProvenanceRecord["model"] }> {
  const source = await resolvePipelineSource(undefined);
  return { pipe: await DDIMPipeline.fromPretrained(source.folder), model: source.model };
}

test("a reused generator replays from its recorded state: the second call's image comes back exactly", async () => {
  const { pipe, model } = await digits();
  const g = new Generator().manualSeed(11);
  const opts = { numInferenceSteps: 2, outputType: "np", eta: 1 };
  await generateWithProvenance(pipe, { ...opts, generator: g }, model);
  const second = await generateWithProvenance(pipe, { ...opts, generator: g }, model);
  assert.ok(second.record.generator.generators[0].state, "the used generator's state is recorded");
  // The seed alone would give the first image; the state gives the second.
  const again = await pipe.generate({
    ...opts,
    outputType: "np",
    generator: restoreGenerators(second.record.generator),
  });
  assert.equal(tensorSha256(again.images), second.record.output.sha256);
  const fromSeed = await pipe.generate({ ...opts, outputType: "np", generator: new Generator().manualSeed(11) });
  assert.notEqual(tensorSha256(fromSeed.images), second.record.output.sha256);
});

test("the default generator's state is recorded, so a call without a generator replays too", async () => {
  const { pipe, model } = await digits();
  manualSeed(3);
  const r = await generateWithProvenance(pipe, { numInferenceSteps: 1, outputType: "np" }, model);
  const again = await pipe.generate({
    numInferenceSteps: 1,
    outputType: "np",
    generator: restoreGenerators(r.record.generator),
  });
  assert.equal(tensorSha256(again.images), r.record.output.sha256);
});

test("the record names pipeline, scheduler config, model files, call, engine and output hash; a PNG carries it", async () => {
  const { pipe, model } = await digits();
  const r = await generateWithProvenance(
    pipe,
    { numInferenceSteps: 2, batchSize: 2, generator: new Generator().manualSeed(5), outputType: "pil" },
    model,
  );
  const rec = r.record;
  assert.equal(rec.library.version, LIBRARY_VERSION);
  assert.equal(rec.numericsVersion, NUMERICS_VERSION);
  assert.equal(rec.pipeline.class, "DDIMPipeline");
  assert.equal(rec.scheduler.class, "DDIMScheduler");
  assert.equal(rec.scheduler.config.num_train_timesteps, 1000);
  assert.equal(rec.model.id, "bundled:ddpm-digits-16");
  const weights = rec.model.files.find((f) => f.path === "unet/diffusion_pytorch_model.safetensors");
  assert.ok(weights && /^[0-9a-f]{64}$/.test(weights.sha256) && weights.size > 1e6);
  assert.deepEqual(rec.call, { numInferenceSteps: 2, batchSize: 2, outputType: "pil" });
  assert.deepEqual(rec.output.shape, [2, 16, 16, 1]);
  assert.equal(rec.output.sha256, tensorSha256(r.floats));
  assert.equal((r.images as unknown[]).length, 2, "pil output is still returned as images");
  const png = pngWithProvenance(
    renderImage(r.floats as Tensor<"float32">, { kind: "image", index: 1, scale: 1 }),
    rec,
    {
      kind: "image",
      index: 1,
      scale: 1,
    },
  );
  const back = await readProvenance(png, "x.png");
  assert.deepEqual(back, { ...rec, image: { kind: "image", index: 1, scale: 1 } });
});

test("parseRecord names the bad field of a damaged or forged record", async () => {
  const { pipe, model } = await digits();
  const { record } = await generateWithProvenance(
    pipe,
    { numInferenceSteps: 1, generator: new Generator(), outputType: "np" },
    model,
  );
  const damaged: [string, (r: Record<string, unknown>) => void, RegExp][] = [
    [
      "newer format",
      (r) => {
        r.formatVersion = 99;
      },
      /format version 99, newer/,
    ],
    [
      "library",
      (r) => {
        r.library = "reprodiff";
      },
      /"library" must be an object/,
    ],
    [
      "numerics",
      (r) => {
        r.numericsVersion = 1;
      },
      /"numericsVersion" must be a non-empty string/,
    ],
    [
      "weights hash",
      (r) => {
        (r.model as { files: { sha256: string }[] }).files[0].sha256 = "abc";
      },
      /"model\.files\[0\]\.sha256" must be a 64-digit/,
    ],
    [
      "path escape",
      (r) => {
        (r.model as { files: { path: string }[] }).files[0].path = "../../etc/passwd";
      },
      /"model\.files\[0\]\.path" must be a relative path/,
    ],
    [
      "seed",
      (r) => {
        (r.generator as { generators: { seed: unknown }[] }).generators[0].seed = -1;
      },
      /seed" must be a uint64/,
    ],
    [
      "seed too big",
      (r) => {
        (r.generator as { generators: { seed: unknown }[] }).generators[0].seed = "18446744073709551616";
      },
      /seed" must be a uint64/,
    ],
    [
      "state",
      (r) => {
        (r.generator as { generators: { state?: string }[] }).generators[0].state = "AAAA";
      },
      /base64 of the 5056-byte/,
    ],
    [
      "output hash",
      (r) => {
        (r.output as { sha256: string }).sha256 = "X".repeat(64);
      },
      /"output\.sha256"/,
    ],
    [
      "shape",
      (r) => {
        (r.output as { shape: unknown }).shape = [1, 16, 16];
      },
      /"output\.shape" must be 4 dimensions/,
    ],
    [
      "threads",
      (r) => {
        (r.engine as { threads: unknown }).threads = 0;
      },
      /"engine\.threads" must be an integer >= 1/,
    ],
    [
      "call",
      (r) => {
        r.call = null;
      },
      /"call" must be an object/,
    ],
    [
      "image index",
      (r) => {
        r.image = { kind: "image", index: 5, scale: 1 };
      },
      /"image\.index"/,
    ],
  ];
  for (const [name, damage, message] of damaged) {
    const copy = JSON.parse(JSON.stringify(record));
    damage(copy);
    assert.throws(
      () => parseRecord(copy, "f.png"),
      (e: unknown) => e instanceof ProvenanceError && message.test(e.message),
      name,
    );
  }
  assert.deepEqual(parseRecord(JSON.parse(JSON.stringify(record)), "f.png"), record);
});
