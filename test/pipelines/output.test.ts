import assert from "node:assert/strict";
import { test } from "node:test";
import { decode } from "fast-png";
import { absSum, markChannelsFirstView, numpySum } from "../../src/pipelines/abs-sum.js";
import { imageGrid, PipelineImage } from "../../src/pipelines/image.js";
import { numpyToImages, toNumpyImages } from "../../src/pipelines/postprocess.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { loadJsonFixture, loadSafetensorsFixture } from "../helpers/fixtures.js";

interface RawCase {
  key?: string;
  keys?: string[];
  abs_sum: number | number[];
  abs_sum_float64?: number;
}

// Single-call cases have one key; the generator-reuse cases have two (call1, call2).
const cases = loadJsonFixture<{ cases: RawCase[] }>("pipelines", "cases.json").cases.flatMap((c) =>
  c.key !== undefined
    ? [{ key: c.key, abs_sum: c.abs_sum as number, abs_sum_float64: c.abs_sum_float64 }]
    : (c.keys ?? []).map((key, i) => ({ key, abs_sum: (c.abs_sum as number[])[i], abs_sum_float64: undefined })),
);
const images = loadSafetensorsFixture("pipelines", "images.safetensors");

test("absSum reproduces numpy's float32 np.abs(image).sum() bit for bit on every golden image", () => {
  for (const c of cases) {
    // The fixture is contiguous NHWC; the pipeline's numpy array is a permuted view of NCHW memory.
    const tensor = images.float32(c.key);
    assert.equal(absSum(tensor, { order: "nchw" }), c.abs_sum, c.key);
    assert.equal(absSum(markChannelsFirstView(tensor.clone())), c.abs_sum, c.key);
  }
});

test("absSum with dtype float64 matches np.abs(image).astype(np.float64).sum() exactly", () => {
  for (const c of cases) {
    if (c.abs_sum_float64 === undefined) continue;
    assert.equal(absSum(images.float32(c.key), { dtype: "float64", order: "nchw" }), c.abs_sum_float64, c.key);
  }
});

test("digits golden abs sum (4096 values) is reproduced", () => {
  const digits = loadSafetensorsFixture("pipelines", "samples_seed0_ddim50.safetensors");
  const meta = loadJsonFixture<{ ddim: { abs_sum: number } }>("pipelines", "samples.json");
  assert.equal(absSum(digits.float32("images")), meta.ddim.abs_sum);
});

test("numpySum follows the pairwise order, not a sequential sum", () => {
  // 1 + 2^-24 * k: sequential float32 summation drops every small term, pairwise keeps pairs of them.
  const n = 1024;
  const a = new Float32Array(n).fill(2 ** -24);
  a[0] = 1;
  let sequential = 0;
  for (const v of a) sequential = Math.fround(sequential + v);
  assert.equal(sequential, 1);
  assert.ok(numpySum(a) > 1);
  // Small sizes: a plain loop from 0.
  assert.equal(
    numpySum(new Float32Array([0.1, 0.2, 0.3])),
    Math.fround(Math.fround(Math.fround(0.1) + Math.fround(0.2)) + Math.fround(0.3)),
  );
  assert.equal(numpySum(new Float32Array(0)), 0);
});

test("the summation order matters: contiguous NHWC order differs from numpy's for some golden images", () => {
  const differing = cases.filter((c) => absSum(images.float32(c.key)) !== c.abs_sum).map((c) => c.key);
  assert.ok(differing.length > 0);
});

test("absSum rejects integer tensors, unknown dtypes and orders", () => {
  assert.throws(() => absSum(new Float32Array(4), { order: "nchw" }), /\[B, H, W, C\]/);
  assert.throws(() => absSum(new Float32Array(4), { order: "nhwc" as "nchw" }), /order/);
  assert.throws(() => absSum(Tensor.from(new BigInt64Array(2), [2])), /float32 or float64/);
  assert.throws(() => absSum(new Float32Array(2), { dtype: "float16" as "float32" }), /dtype/);
});

test("toNumpyImages: (x/2 + 0.5).clamp(0, 1) then NCHW → NHWC", () => {
  const x = Tensor.from(new Float32Array([-3, -1, 0, 0.5, 1, 3, 0.1, Number.NaN]), [1, 2, 2, 2]);
  const y = toNumpyImages(x);
  assert.deepEqual(y.shape, [1, 2, 2, 2]);
  const f = Math.fround;
  // channel 0 = [-3, -1, 0, 0.5], channel 1 = [1, 3, 0.1, NaN], interleaved per pixel.
  const expected = [0, 1, 0, 1, 0.5, f(f(f(0.1) / 2) + 0.5), 0.75, Number.NaN];
  assert.deepEqual([...y.data], expected);
});

test("numpyToImages rounds (x*255) half to even like numpy and keeps 1 or 3 channels", () => {
  // 0.5/255 * 255 = 0.5 → 0; 1.5/255*255 → 2 (if exact); use values whose float32 product is an exact half.
  const halfUp = Math.fround(2.5 / 255);
  const product = Math.fround(halfUp * 255);
  const values = new Float32Array([0, 1, 0.5, halfUp]);
  const [img] = numpyToImages(Tensor.from(values, [1, 2, 2, 1]));
  assert.equal(img.mode, "L");
  const roundedHalf = product === 2.5 ? 2 : Math.round(product);
  assert.deepEqual([...img.data], [0, 255, 128, roundedHalf]);
  const rgb = numpyToImages(Tensor.from(new Float32Array(2 * 3 * 3), [2, 1, 3, 3]));
  assert.equal(rgb.length, 2);
  assert.equal(rgb[0].mode, "RGB");
  assert.throws(() => numpyToImages(Tensor.from(new Float32Array(2), [1, 1, 1, 2])), /2 channels/);
});

test("golden images convert to 8-bit exactly like numpy's (x*255).round()", () => {
  const golden = images.float32(cases[0].key);
  const data = golden.data;
  const [img] = numpyToImages(golden);
  for (let i = 0; i < data.length; i += 97) {
    const p = Math.fround(data[i] * 255);
    const r = Math.round(p);
    const even = r - p === 0.5 && r % 2 === 1 ? r - 1 : r;
    assert.equal(img.data[i], even);
  }
});

test("PNG encoding round-trips pixels and text for grayscale and RGB", () => {
  for (const channels of [1, 3] as const) {
    const data = new Uint8Array(5 * 4 * channels).map((_, i) => (i * 37) % 256);
    const img = new PipelineImage(5, 4, channels, data);
    const png = img.toPNG({ Software: "reprodiff" });
    const back = decode(png);
    assert.equal(back.width, 5);
    assert.equal(back.height, 4);
    assert.equal(back.channels, channels);
    assert.deepEqual([...back.data], [...data]);
    assert.equal(back.text.Software, "reprodiff");
  }
});

test("imageGrid tiles row-major with nearest-neighbour scaling", () => {
  const a = new PipelineImage(1, 1, 1, new Uint8Array([10]));
  const b = new PipelineImage(1, 1, 1, new Uint8Array([20]));
  const c = new PipelineImage(1, 1, 1, new Uint8Array([30]));
  const g = imageGrid([a, b, c], { scale: 2 });
  assert.equal(g.width, 4);
  assert.equal(g.height, 4);
  assert.deepEqual([...g.data], [10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 0, 0, 30, 30, 0, 0]);
  const framed = imageGrid([a, b], { gap: 1, gapValue: 7 });
  assert.equal(framed.width, 5);
  assert.deepEqual([...framed.data], [7, 7, 7, 7, 7, 7, 10, 7, 20, 7, 7, 7, 7, 7, 7]);
  assert.throws(() => imageGrid([]), /at least one/);
  assert.throws(() => imageGrid([a, new PipelineImage(2, 1, 1, new Uint8Array(2))]), /one size/);
});
