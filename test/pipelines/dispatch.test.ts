// DiffusionPipeline.fromPretrained dispatches on model_index.json's _class_name to every pipeline
// reprodiff provides (Stable Diffusion included), and model_index.json is read the way Diffusers reads it.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { bundledModelPath } from "../../src/pipelines/bundled.node.js";
import {
  DDIMPipeline,
  DDPMPipeline,
  DiffusionPipeline,
  parseModelIndex,
  registeredPipelines,
  StableDiffusionPipeline,
} from "../../src/pipelines/index.js";
import { Generator } from "../../src/rng/index.js";
import { fixturePath } from "../helpers/fixtures.js";

const tinySd = fixturePath("sd", "tiny-sd-pipe");
const dir = mkdtempSync(join(tmpdir(), "reprodiff-dispatch-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("DiffusionPipeline.fromPretrained on a Stable Diffusion folder builds a StableDiffusionPipeline", async () => {
  const pipe = await DiffusionPipeline.fromPretrained(tinySd);
  assert.ok(pipe instanceof StableDiffusionPipeline);
  assert.equal(pipe.modelIndex._class_name, "StableDiffusionPipeline");
  assert.equal(pipe.modelIndex.requires_safety_checker, false);
  assert.equal(pipe.scheduler.config._class_name, "PNDMScheduler");
  // The same pipeline as the class loaded directly: identical latents for the same seed.
  const direct = await StableDiffusionPipeline.fromPretrained(tinySd);
  const run = (p: StableDiffusionPipeline) =>
    p.generate({
      prompt: "a cat",
      height: 64,
      width: 64,
      numInferenceSteps: 2,
      generator: new Generator().manualSeed(0),
      outputType: "latent",
    });
  assert.deepEqual((await run(pipe)).images.data, (await run(direct)).images.data);
  assert.deepEqual(registeredPipelines(), ["DDIMPipeline", "DDPMPipeline", "StableDiffusionPipeline"]);
});

test("DiffusionPipeline.fromPretrained still builds DDPM folders with their own class", async () => {
  const pipe = await DiffusionPipeline.fromPretrained(bundledModelPath());
  assert.ok(pipe instanceof DDPMPipeline);
});

test("an unknown _class_name is an error listing the supported pipelines", async () => {
  const folder = join(dir, "unknown");
  cpSync(tinySd, folder, { recursive: true });
  const index = JSON.parse(readFileSync(join(folder, "model_index.json"), "utf8"));
  writeFileSync(
    join(folder, "model_index.json"),
    JSON.stringify({ ...index, _class_name: "StableDiffusionXLPipeline" }),
  );
  await assert.rejects(
    DiffusionPipeline.fromPretrained(folder),
    /names pipeline class "StableDiffusionXLPipeline", which reprodiff does not provide \(available: DDIMPipeline, DDPMPipeline, StableDiffusionPipeline\)/,
  );
  // Called on a concrete class, that class loads it whatever _class_name says (as in Diffusers).
  assert.ok((await StableDiffusionPipeline.fromPretrained(folder)) instanceof StableDiffusionPipeline);
});

test("a class given a folder of another kind of pipeline names what does not fit", async () => {
  await assert.rejects(
    DDIMPipeline.fromPretrained(tinySd),
    /model_index\.json: component "text_encoder" \(CLIPTextModel\) is not used by unconditional pipelines/,
  );
  await assert.rejects(
    StableDiffusionPipeline.fromPretrained(bundledModelPath()),
    /model_index\.json: no "tokenizer" component/,
  );
  const folder = join(dir, "no-unet");
  cpSync(tinySd, folder, { recursive: true });
  const index = JSON.parse(readFileSync(join(folder, "model_index.json"), "utf8"));
  writeFileSync(join(folder, "model_index.json"), JSON.stringify({ ...index, unet: [null, null] }));
  await assert.rejects(
    DiffusionPipeline.fromPretrained(folder),
    /component "unet" is \[null, null\] \(not saved\), but StableDiffusionPipeline needs it/,
  );
  writeFileSync(join(folder, "model_index.json"), JSON.stringify({ ...index, vae: ["diffusers", "AutoencoderTiny"] }));
  await assert.rejects(
    DiffusionPipeline.fromPretrained(folder),
    /vae class "AutoencoderTiny" is not supported \(expected "AutoencoderKL"\)/,
  );
  writeFileSync(
    join(folder, "model_index.json"),
    JSON.stringify({ ...index, controlnet: ["diffusers", "ControlNetModel"] }),
  );
  await assert.rejects(
    DiffusionPipeline.fromPretrained(folder),
    /component "controlnet" \(ControlNetModel\) is not used by StableDiffusionPipeline/,
  );
});

test("parseModelIndex accepts Diffusers' non-component entries and rejects malformed components", () => {
  const index = {
    _class_name: "StableDiffusionPipeline",
    _diffusers_version: "0.31.0",
    _name_or_path: "runwayml/stable-diffusion-v1-5",
    requires_safety_checker: false,
    safety_checker: [null, null],
    feature_extractor: ["transformers", "CLIPImageProcessor"],
    some_number: 3,
    some_null: null,
    scheduler: ["diffusers", "PNDMScheduler"],
  };
  assert.deepEqual(parseModelIndex(index, "m.json"), index);
  assert.throws(() => parseModelIndex([], "m.json"), /m\.json: expected a JSON object/);
  assert.throws(() => parseModelIndex({ unet: ["diffusers", "X"] }, "m.json"), /"_class_name" must be a string/);
  for (const bad of [["diffusers"], ["diffusers", "X", "Y"], ["diffusers", 3]]) {
    assert.throws(
      () => parseModelIndex({ _class_name: "DDPMPipeline", unet: bad }, "m.json"),
      /m\.json: component "unet" must be \[library, className\]/,
    );
  }
});
