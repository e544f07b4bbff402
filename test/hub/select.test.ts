import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  filterRepoFiles,
  hubCacheDir,
  hubEndpoint,
  isOfflineMode,
  repoFolderName,
  selectModelFiles,
  selectPipelineFiles,
} from "../../src/hub/index.js";
import { validateRepoId } from "../../src/hub/repo.js";

test("cache location follows huggingface_hub's precedence", () => {
  assert.equal(hubCacheDir({ HF_HUB_CACHE: "/a", HF_HOME: "/b", XDG_CACHE_HOME: "/c" }), "/a");
  assert.equal(hubCacheDir({ HUGGINGFACE_HUB_CACHE: "/legacy", HF_HOME: "/b" }), "/legacy");
  assert.equal(hubCacheDir({ HF_HOME: "/b", XDG_CACHE_HOME: "/c" }), "/b/hub");
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: "/c" }), "/c/huggingface/hub");
  assert.equal(hubCacheDir({ HOME: "/home/u" }), "/home/u/.cache/huggingface/hub");
  assert.equal(hubCacheDir({ HF_HOME: "~/hf", HOME: "/home/u" }), "/home/u/hf/hub");
  assert.equal(hubCacheDir({ HF_HUB_CACHE: "$BASE/cache", BASE: "/x" }), "/x/cache");
  assert.equal(hubCacheDir({}), join(homedir(), ".cache", "huggingface", "hub"));
  assert.equal(hubEndpoint({}), "https://huggingface.co");
  assert.equal(hubEndpoint({ HF_ENDPOINT: "https://mirror.example/" }), "https://mirror.example");
  for (const v of ["1", "true", "ON", "yes"]) assert.ok(isOfflineMode({ HF_HUB_OFFLINE: v }), v);
  for (const v of ["0", "false", ""]) assert.ok(!isOfflineMode({ HF_HUB_OFFLINE: v }), v);
  assert.ok(isOfflineMode({ TRANSFORMERS_OFFLINE: "1" }));
  assert.equal(repoFolderName("google/ddpm-cifar10-32"), "models--google--ddpm-cifar10-32");
  assert.equal(repoFolderName("gpt2"), "models--gpt2");
});

test("repository ids are validated before they become URLs or paths", () => {
  for (const ok of ["gpt2", "google/ddpm-cifar10-32", "a_b/c.d-e"]) validateRepoId(ok);
  for (const bad of ["a--b/c", "a/../b", "a/b/c", "", "-x", "a/b.git", "a b", "x".repeat(97)]) {
    assert.throws(() => validateRepoId(bad), /not a valid Hub repository id|neither an existing folder/, bad);
  }
});

const UNET = ["unet/config.json"];

test("model files: default, variant, sharded and sharded-variant weights", () => {
  const files = [
    ...UNET,
    "unet/diffusion_pytorch_model.safetensors",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "unet/diffusion_pytorch_model.bin",
    "unet/diffusion_pytorch_model.fp16.bin",
  ];
  assert.deepEqual(selectModelFiles(files, { subfolder: "unet" }), [
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
  ]);
  assert.deepEqual(selectModelFiles(files, { subfolder: "unet/", variant: "fp16" }), [
    "unet/config.json",
    "unet/diffusion_pytorch_model.fp16.safetensors",
  ]);
  const sharded = [
    ...UNET,
    "unet/diffusion_pytorch_model.safetensors.index.json",
    "unet/diffusion_pytorch_model-00001-of-00002.safetensors",
    "unet/diffusion_pytorch_model-00002-of-00002.safetensors",
    "unet/diffusion_pytorch_model.safetensors.index.fp16.json",
    "unet/diffusion_pytorch_model-00001-of-00002.fp16.safetensors",
    "unet/diffusion_pytorch_model-00002-of-00002.fp16.safetensors",
  ];
  assert.deepEqual(selectModelFiles(sharded, { subfolder: "unet" }), [
    "unet/config.json",
    "unet/diffusion_pytorch_model-00001-of-00002.safetensors",
    "unet/diffusion_pytorch_model-00002-of-00002.safetensors",
    "unet/diffusion_pytorch_model.safetensors.index.json",
  ]);
  assert.deepEqual(selectModelFiles(sharded, { subfolder: "unet", variant: "fp16" }).slice(1), [
    "unet/diffusion_pytorch_model-00001-of-00002.fp16.safetensors",
    "unet/diffusion_pytorch_model-00002-of-00002.fp16.safetensors",
    "unet/diffusion_pytorch_model.safetensors.index.fp16.json",
  ]);
  assert.throws(() => selectModelFiles(files, { subfolder: "vae" }), /has no vae\/config\.json/);
  assert.throws(
    () => selectModelFiles([...UNET, "unet/diffusion_pytorch_model.fp16.safetensors"], { subfolder: "unet" }),
    /no safetensors weights for the default weights; available: variant "fp16" \(pass variant: "fp16"\)/,
  );
  assert.throws(
    () => selectModelFiles([...UNET, "unet/diffusion_pytorch_model.bin"], { subfolder: "unet", where: "x/y" }),
    (e: Error) =>
      e.name === "PickleOnlyRepositoryError" &&
      /x\/y\/unet has no safetensors weights.*diffusion_pytorch_model\.bin is a PyTorch pickle checkpoint/s.test(
        e.message,
      ),
  );
  assert.throws(
    () => selectModelFiles([...UNET, "unet/flax_model.msgpack"], { subfolder: "unet" }),
    /has no safetensors weights \(found: flax_model\.msgpack\)/,
  );
});

test("pipeline files: each component of model_index.json, variant with per-component fallback", () => {
  const index = {
    _class_name: "StableDiffusionPipeline",
    unet: ["diffusers", "UNet2DConditionModel"],
    vae: ["diffusers", "AutoencoderKL"],
    tokenizer: ["transformers", "CLIPTokenizer"],
    safety_checker: [null, null],
    requires_safety_checker: false,
  };
  const files = [
    "model_index.json",
    "README.md",
    "v1-5-pruned.safetensors",
    "safety_checker/model.safetensors",
    "tokenizer/vocab.json",
    "tokenizer/merges.txt",
    ...UNET,
    "unet/diffusion_pytorch_model.safetensors",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
  ];
  assert.deepEqual(selectPipelineFiles(files, index, { variant: "fp16" }), [
    "model_index.json",
    "tokenizer/merges.txt",
    "tokenizer/vocab.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
  ]);
  assert.throws(
    () => selectPipelineFiles(files, { ...index, text_encoder: ["transformers", "CLIPTextModel"] }),
    /component "text_encoder" named in model_index\.json has no files/,
  );
});

test("allow/ignore patterns use fnmatch, where * crosses folders", () => {
  const files = ["a.json", "unet/config.json", "unet/w.safetensors", "x[1].txt"];
  assert.deepEqual(filterRepoFiles(files, "*.json"), ["a.json", "unet/config.json"]);
  assert.deepEqual(filterRepoFiles(files, ["unet/"], "*.safetensors"), ["unet/config.json"]);
  assert.deepEqual(filterRepoFiles(files, "x[[]1].txt"), ["x[1].txt"]);
  assert.deepEqual(filterRepoFiles(files, "?.json"), ["a.json"]);
  assert.deepEqual(filterRepoFiles(files, null, ["*"]), []);
});

test("pipeline selection can be narrowed to the components the pipeline class loads", () => {
  const files = [
    "model_index.json",
    "safety_checker/config.json",
    "safety_checker/model.safetensors",
    "feature_extractor/preprocessor_config.json",
    "scheduler/scheduler_config.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
  ];
  const index = {
    _class_name: "StableDiffusionPipeline",
    requires_safety_checker: true,
    safety_checker: ["stable_diffusion", "StableDiffusionSafetyChecker"],
    feature_extractor: ["transformers", "CLIPImageProcessor"],
    image_encoder: [null, null],
    scheduler: ["diffusers", "PNDMScheduler"],
    unet: ["diffusers", "UNet2DConditionModel"],
  };
  // Without a class to ask, every saved component is fetched, as Diffusers does.
  assert.ok(selectPipelineFiles(files, index).includes("safety_checker/model.safetensors"));
  assert.deepEqual(selectPipelineFiles(files, index, { components: ["unet", "scheduler", "vae"] }), [
    "model_index.json",
    "scheduler/scheduler_config.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
  ]);
});
