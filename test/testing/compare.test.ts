import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor } from "../../src/tensor/index.js";
import {
  AssertionCloseError,
  assertClose,
  cosineSimilarityDistance,
  maxAbsDiff,
  meanAbsDiff,
  sliceTensor,
} from "../../src/testing/index.js";

test("maxAbsDiff and meanAbsDiff", () => {
  const a = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
  const b = Tensor.from(new Float32Array([1, 2.5, 2, 4]), [2, 2]);
  assert.equal(maxAbsDiff(a, b), 1);
  assert.equal(meanAbsDiff(a, b), 0.375);
  assert.ok(Number.isNaN(maxAbsDiff([0, Number.NaN], [0, 1])));
  assert.throws(() => maxAbsDiff(a, Tensor.from(new Float32Array(4), [4])), /shapes differ, \[2, 2\] vs \[4\]/);
});

test("cosineSimilarityDistance follows Diffusers' definition", () => {
  assert.ok(Math.abs(cosineSimilarityDistance([1, 2, 3], [2, 4, 6])) < 1e-15);
  assert.ok(Math.abs(cosineSimilarityDistance([1, 0], [0, 1]) - 1) < 1e-15);
  assert.ok(Math.abs(cosineSimilarityDistance([1, 0], [-1, 0]) - 2) < 1e-15);
  // 1 - cos(angle) for a small rotation
  const angle = 0.01;
  const d = cosineSimilarityDistance([1, 0], [Math.cos(angle), Math.sin(angle)]);
  assert.ok(Math.abs(d - (1 - Math.cos(angle))) < 1e-12);
});

test("assertClose passes within tolerance and reports the worst element otherwise", () => {
  assertClose([1, 2, 3], [1, 2, 3.000001], { atol: 1e-5 });
  assertClose([100], [100.5], { atol: 0, rtol: 0.01 });
  assertClose([Number.NaN], [Number.NaN], { equalNan: true });
  assert.throws(() => assertClose([Number.NaN], [Number.NaN]), AssertionCloseError);
  try {
    assertClose([1, 2, 3, 4], [1, 2.1, 3, 5], { atol: 0.05, rtol: 0, message: "slice" });
    assert.fail("should have thrown");
  } catch (e) {
    assert.ok(e instanceof AssertionCloseError);
    assert.match(e.message, /^slice: 2 of 4 elements differ/);
    assert.match(e.message, /worst at flat index 3: actual 4, expected 5/);
    assert.equal(e.report.mismatches, 2);
    assert.equal(e.report.maxAbsDiff, 1);
  }
});

test("sliceTensor reproduces image[0, -3:, -3:, -1]", () => {
  const [B, H, W, C] = [2, 4, 5, 3];
  const data = new Float32Array(B * H * W * C).map((_, i) => i);
  const image = Tensor.from(data, [B, H, W, C]);
  const s = sliceTensor(image, 0, [-3], [-3], -1);
  assert.deepEqual(s.shape, [3, 3]);
  const expected: number[] = [];
  for (let h = H - 3; h < H; h++) for (let w = W - 3; w < W; w++) expected.push(((0 * H + h) * W + w) * C + (C - 1));
  assert.deepEqual([...s.data], expected);
  assert.deepEqual(sliceTensor(image, 1).shape, [4, 5, 3]);
  assert.deepEqual(sliceTensor(image, null, [1, 3], null, [0, 1]).shape, [2, 2, 5, 1]);
  assert.deepEqual(sliceTensor(image, null, [3, 1]).shape, [2, 0, 5, 3]);
  assert.throws(() => sliceTensor(image, 2), /index 2 is out of bounds for dimension 0 of size 2/);
  assert.throws(() => sliceTensor(image, 0, 0, 0, 0, 0), /too many indices/);
});
