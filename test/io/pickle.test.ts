import assert from "node:assert/strict";
import { test } from "node:test";
import { assertNotPickle, isPickleFileName, looksLikePickle, PickleCheckpointError } from "../../src/io/pickle.js";

test("pickle checkpoints are recognised by name and by content, never parsed", () => {
  assert.ok(isPickleFileName("unet/diffusion_pytorch_model.bin"));
  assert.ok(isPickleFileName("v1-5-pruned.CKPT"));
  assert.ok(!isPickleFileName("unet/diffusion_pytorch_model.safetensors"));
  assert.ok(looksLikePickle(new Uint8Array([0x50, 0x4b, 0x03, 0x04])));
  assert.ok(looksLikePickle(new Uint8Array([0x80, 0x04, 0x95])));
  assert.ok(!looksLikePickle(new Uint8Array([0x80, 0x00, 0, 0, 0, 0, 0, 0])), "a safetensors header length of 128");
  assert.throws(() => assertNotPickle("model.pth"), PickleCheckpointError);
  assert.throws(() => assertNotPickle("model.safetensors", new Uint8Array([0x80, 0x02])), /recognised by its contents/);
  assert.throws(() => assertNotPickle("dir/model.ckpt"), /save_file\(.*'dir\/model\.safetensors'\)/);
  assertNotPickle("model.safetensors", new Uint8Array([0x10, 0, 0, 0, 0, 0, 0, 0]));
});
