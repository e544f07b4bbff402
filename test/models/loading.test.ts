// fromPretrained: folder layouts (subfolder, fp16 variant, shards, legacy attention names) and the
// errors for a missing weight, a misshapen weight, a pickle-only folder and an unsupported dtype.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SafetensorsBuffer } from "../../src/io/safetensors.js";
import type { ModelFolder } from "../../src/models/folder.js";
import { loadModel } from "../../src/models/registry.js";
import { UNet2DModel } from "../../src/models/unet2d.js";
import { SafetensorsWeights } from "../../src/models/weights.js";
import { widenFloat16 } from "../../src/tensor/half.js";
import { fixturePath } from "../helpers/fixtures.js";
import { f32Bytes, type RawTensor, toFloat16Bits, writeSafetensors } from "./safetensors-writer.js";

const SOURCE = fixturePath("models", "unet2d_cifar_mini");
const CONFIG = readFileSync(join(SOURCE, "config.json"), "utf8");
const WEIGHTS = SafetensorsBuffer.parse(readFileSync(join(SOURCE, "diffusion_pytorch_model.safetensors")));
const tmpRoot = mkdtempSync(join(tmpdir(), "reprodiff-models-"));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));

let counter = 0;
function folder(files: Record<string, string | Uint8Array>): string {
  const dir = join(tmpRoot, `case${counter++}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function rawTensors(rename: (key: string) => string = (k) => k): Record<string, RawTensor> {
  const out: Record<string, RawTensor> = {};
  for (const key of WEIGHTS.keys()) {
    const t = WEIGHTS.float32(key);
    out[rename(key)] = { dtype: "F32", shape: t.shape, bytes: f32Bytes(t.data) };
  }
  return out;
}

async function assertSameWeights(model: UNet2DModel, widen = (x: Float32Array) => x): Promise<void> {
  for (const [name, param] of model.params.params) {
    assert.deepEqual(param.value.data, widen(WEIGHTS.float32(name).data), name);
  }
}

test("loads from a subfolder", async () => {
  const dir = folder({
    "unet/config.json": CONFIG,
    "unet/diffusion_pytorch_model.safetensors": writeSafetensors(rawTensors()),
  });
  const model = await UNet2DModel.fromPretrained(dir, { subfolder: "unet" });
  await assertSameWeights(model);
  await assert.rejects(UNet2DModel.fromPretrained(dir), /config\.json: not found/);
});

test("variant fp16 loads diffusion_pytorch_model.fp16.safetensors, widened to float32", async () => {
  const tensors: Record<string, RawTensor> = {};
  for (const key of WEIGHTS.keys()) {
    const t = WEIGHTS.float32(key);
    const bits = toFloat16Bits(t.data);
    tensors[key] = { dtype: "F16", shape: t.shape, bytes: new Uint8Array(bits.buffer) };
  }
  const dir = folder({ "config.json": CONFIG, "diffusion_pytorch_model.fp16.safetensors": writeSafetensors(tensors) });
  const model = await UNet2DModel.fromPretrained(dir, { variant: "fp16" });
  await assertSameWeights(model, (x) => widenFloat16(toFloat16Bits(x)));
  await assert.rejects(UNet2DModel.fromPretrained(dir), /no diffusion_pytorch_model safetensors weights found/);
  await assert.rejects(UNet2DModel.fromPretrained(dir, { variant: "ema" }), /for variant "ema"/);
});

test("a sharded checkpoint (safetensors index) loads", async () => {
  const all = rawTensors();
  const keys = Object.keys(all);
  const half = Math.ceil(keys.length / 2);
  const shard = (ks: string[]) => writeSafetensors(Object.fromEntries(ks.map((k) => [k, all[k]])));
  const weightMap = Object.fromEntries(
    keys.map((k, i) => [k, i < half ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors"]),
  );
  const dir = folder({
    "config.json": CONFIG,
    "model-00001-of-00002.safetensors": shard(keys.slice(0, half)),
    "model-00002-of-00002.safetensors": shard(keys.slice(half)),
    "diffusion_pytorch_model.safetensors.index.json": JSON.stringify({ metadata: {}, weight_map: weightMap }),
  });
  await assertSameWeights(await UNet2DModel.fromPretrained(dir));
});

test("legacy attention names (query/key/value/proj_attn) are converted at load", async () => {
  const legacy = (key: string) =>
    key
      .replace(/(attentions\.\d+)\.to_q\./, "$1.query.")
      .replace(/(attentions\.\d+)\.to_k\./, "$1.key.")
      .replace(/(attentions\.\d+)\.to_v\./, "$1.value.")
      .replace(/(attentions\.\d+)\.to_out\.0\./, "$1.proj_attn.");
  const renamed = rawTensors(legacy);
  assert.ok(Object.keys(renamed).includes("mid_block.attentions.0.proj_attn.weight"));
  const dir = folder({ "config.json": CONFIG, "diffusion_pytorch_model.safetensors": writeSafetensors(renamed) });
  const model = await UNet2DModel.fromPretrained(dir);
  await assertSameWeights(model);
  assert.deepEqual(model.unusedWeights, []);
});

test("a missing weight is an error naming the tensor", async () => {
  const tensors = rawTensors();
  delete tensors["mid_block.attentions.0.to_k.bias"];
  const dir = folder({ "config.json": CONFIG, "diffusion_pytorch_model.safetensors": writeSafetensors(tensors) });
  await assert.rejects(
    UNet2DModel.fromPretrained(dir),
    /missing 1 weight\(s\) the model needs: mid_block\.attentions\.0\.to_k\.bias \[32\]/,
  );
});

test("a weight of the wrong shape is an error naming the tensor and both shapes", async () => {
  const tensors = rawTensors();
  const t = tensors["conv_in.bias"];
  tensors["conv_in.bias"] = { ...t, shape: [16, 2] };
  const dir = folder({ "config.json": CONFIG, "diffusion_pytorch_model.safetensors": writeSafetensors(tensors) });
  await assert.rejects(
    UNet2DModel.fromPretrained(dir),
    /tensor "conv_in\.bias" has shape \[16, 2\], but the model expects \[32\]/,
  );
});

test("extra checkpoint tensors are ignored and listed, as Diffusers warns", async () => {
  const tensors = rawTensors();
  tensors["something.unused"] = { dtype: "F32", shape: [1], bytes: f32Bytes(new Float32Array([1])) };
  const dir = folder({ "config.json": CONFIG, "diffusion_pytorch_model.safetensors": writeSafetensors(tensors) });
  const model = await UNet2DModel.fromPretrained(dir);
  assert.deepEqual(model.unusedWeights, ["something.unused"]);
});

test("a pickle-only folder is refused with a conversion hint, never read", async () => {
  const dir = folder({ "config.json": CONFIG, "diffusion_pytorch_model.bin": "not really a pickle" });
  await assert.rejects(
    UNet2DModel.fromPretrained(dir),
    (e: Error) =>
      /diffusion_pytorch_model\.bin is a PyTorch pickle checkpoint/.test(e.message) &&
      /safe_serialization=True/.test(e.message),
  );
  await assert.rejects(loadModel(dir), /pickle checkpoint/);
});

test("bad folders and options fail clearly", async () => {
  await assert.rejects(UNet2DModel.fromPretrained(join(tmpRoot, "does-not-exist")), /not a local folder/);
  await assert.rejects(
    UNet2DModel.fromPretrained(SOURCE, { dtype: "float16" as "float32" }),
    /dtype "float16" is not supported/,
  );
  const bad = folder({ "config.json": "{ nope", "diffusion_pytorch_model.safetensors": writeSafetensors({}) });
  await assert.rejects(UNet2DModel.fromPretrained(bad), /config\.json: not valid JSON/);
});

test("a repository id goes to the Hub cache (offline here: a clear error, no network)", async () => {
  await assert.rejects(
    UNet2DModel.fromPretrained("google/ddpm-cifar10-32", {
      hub: { localFilesOnly: true, cacheDir: join(tmpRoot, "empty-cache") },
    }),
    /google\/ddpm-cifar10-32@main: not in the cache/,
  );
});

test("an in-memory ModelFolder (no file system, as in a browser) loads the same model", async () => {
  const files = new Map<string, string | Uint8Array>([
    ["config.json", CONFIG],
    ["diffusion_pytorch_model.safetensors", writeSafetensors(rawTensors())],
  ]);
  const memory: ModelFolder = {
    location: "memory://cifar-mini",
    exists: async (path) => files.has(path),
    readText: async (path) => String(files.get(path)),
    openWeights: async (paths) => SafetensorsWeights.fromBytes(files.get(paths[0]) as Uint8Array, paths[0]),
  };
  await assertSameWeights(await UNet2DModel.fromPretrained(memory));
});

test("loadModel dispatches on _class_name", async () => {
  const model = await loadModel(fixturePath("models", "autoencoder_kl_tiny"));
  assert.equal(model.constructor.name, "AutoencoderKL");
});
