// reprodiff/testing/node: expected arrays from .npy and safetensors files, and the output hash.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { serializeSafetensors } from "../../src/io/safetensors.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { loadNpyExpectation, loadSafetensorsExpectation } from "../../src/testing/expectations.node.js";
import { maxAbsDiff, tensorSha256 } from "../../src/testing/index.js";
import { fixturePath } from "../helpers/fixtures.js";

const work = mkdtempSync(join(tmpdir(), "reprodiff-expect-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("loadNpyExpectation: float32 as is (NumPy's values), float16 and uint8 widened to float32 by value", () => {
  const f32 = loadNpyExpectation(fixturePath("io", "f32_2x3.npy"));
  assert.equal(f32.dtype, "float32");
  assert.deepEqual(f32.shape, [2, 3]);
  assert.equal(f32.data[1], Math.fround(1 / 7));
  const f16 = loadNpyExpectation(fixturePath("io", "f16_3.npy"));
  assert.equal(f16.dtype, "float32");
  assert.deepEqual(Array.from(f16.data), [1.5, -0, 65504]);
  const u8 = loadNpyExpectation(fixturePath("io", "u8_1x4x4x1.npy"));
  assert.deepEqual(u8.shape, [1, 4, 4, 1]);
  assert.deepEqual(Array.from(u8.data).slice(0, 3), [0, 17, 34]);
  assert.throws(() => loadNpyExpectation(join(work, "missing.npy")), /expectation file .*missing\.npy does not exist/);
});

test("loadSafetensorsExpectation reads one tensor as float32 and names the file and the missing key", () => {
  const path = join(work, "expected.safetensors");
  const images = Tensor.from(new Float32Array([0.25, 0.5, 0.75, 1]), [1, 2, 2, 1]);
  writeFileSync(path, serializeSafetensors({ images }));
  const loaded = loadSafetensorsExpectation(path, "images");
  assert.equal(maxAbsDiff(loaded, images), 0);
  assert.equal(tensorSha256(loaded), tensorSha256(images));
  assert.throws(
    () => loadSafetensorsExpectation(path, "latents"),
    /expected\.safetensors has no tensor "latents" \(it has: images\)/,
  );
});

test("the package subpath reprodiff/testing/node resolves to these loaders", async () => {
  const mod = (await import("reprodiff/testing/node" as string)) as Record<string, unknown>;
  for (const name of [
    "loadNpyExpectation",
    "loadSafetensorsExpectation",
    "assertClose",
    "tensorSha256",
    "sliceTensor",
  ]) {
    assert.equal(typeof mod[name], "function", name);
  }
});
