import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor } from "../../src/tensor/index.js";

test("Tensor.from keeps data and infers dtype", () => {
  const t = Tensor.from(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  assert.equal(t.dtype, "float32");
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.size, 6);
  assert.equal(t.device, "cpu");
  assert.equal(Tensor.from(new BigInt64Array(2), [2]).dtype, "int64");
  assert.equal(Tensor.from(new Float64Array(1), []).dtype, "float64");
});

test("Tensor rejects a shape that does not match the data", () => {
  assert.throws(() => Tensor.from(new Float32Array(5), [2, 3]), /needs 6 elements but data has 5/);
  assert.throws(() => Tensor.from(new Float32Array(0), [-1]), /not a non-negative integer/);
  assert.throws(() => Tensor.from(new Float32Array(2), [1.5]), /not a non-negative integer/);
});

test("Uint16Array needs an explicit half dtype", () => {
  assert.throws(() => new Tensor(new Uint16Array(2) as never, [2]), /explicit dtype/);
  assert.equal(Tensor.from(new Uint16Array(2), [2], "bfloat16").dtype, "bfloat16");
});

test("reshape shares data and clone copies it", () => {
  const t = Tensor.from(new Float32Array([1, 2, 3, 4]), [4]);
  const r = t.reshape([2, 2]);
  r.data[0] = 9;
  assert.equal(t.data[0], 9);
  const c = t.clone();
  c.data[1] = 7;
  assert.equal(t.data[1], 2);
  assert.throws(() => t.reshape([3]), /needs 3 elements/);
  assert.throws(() => t.to("gpu" as never), /unknown device/);
});
