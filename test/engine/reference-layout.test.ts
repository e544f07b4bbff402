import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref } from "../../src/engine/reference/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertSameBits, mulberry32, randomTensor } from "./reference-helpers.js";

const fround = Math.fround;

/** Element at a multi-index of a row-major tensor. */
function at(t: Tensor<"float32">, idx: number[]): number {
  let o = 0;
  for (let i = 0; i < idx.length; i++) o = o * t.shape[i] + idx[i];
  return t.data[o];
}

function* indices(shape: number[]): Generator<number[]> {
  const size = shape.reduce((p, d) => p * d, 1);
  for (let flat = 0; flat < size; flat++) {
    const idx = new Array<number>(shape.length);
    let r = flat;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = r % shape[i];
      r = Math.floor(r / shape[i]);
    }
    yield idx;
  }
}

test("concat along every axis (including negative) copies values exactly", () => {
  const rand = mulberry32(1);
  for (const axis of [0, 1, 2, -1]) {
    const ax = axis < 0 ? axis + 3 : axis;
    const shapes = [2, 3, 1].map((len) => {
      const s = [2, 3, 4];
      s[ax] = len;
      return s;
    });
    const ts = shapes.map((s) => randomTensor(rand, s));
    const y = ref.concat(ts, axis);
    const want: number[] = [];
    for (const idx of indices(y.shape)) {
      let k = idx[ax];
      let t = 0;
      while (k >= ts[t].shape[ax]) k -= ts[t++].shape[ax];
      const local = [...idx];
      local[ax] = k;
      want.push(at(ts[t], local));
    }
    assertSameBits(y.data, Float32Array.from(want), `concat axis ${axis}`);
  }
  assert.throws(
    () => ref.concat([Tensor.zeros([1, 2, 3]), Tensor.zeros([1, 2, 4])], 1),
    /concat: tensors\[1\] \[1, 2, 4\] does not match tensors\[0\] \[1, 2, 3\] outside axis 1/,
  );
  assert.throws(() => ref.concat([], 0), /concat: needs a non-empty array/);
  assert.throws(() => ref.concat([Tensor.zeros([2])], 1), /concat: axis 1 is out of range/);
});

test("permute matches index arithmetic for every permutation of a 4-D tensor", () => {
  const rand = mulberry32(2);
  const x = randomTensor(rand, [2, 3, 4, 5]);
  const perms: number[][] = [];
  const build = (p: number[]) => {
    if (p.length === 4) perms.push(p);
    for (let d = 0; d < 4; d++) if (!p.includes(d)) build([...p, d]);
  };
  build([]);
  for (const dims of perms) {
    const y = ref.permute(x, dims);
    assert.deepEqual(
      y.shape,
      dims.map((d) => x.shape[d]),
    );
    const want: number[] = [];
    for (const idx of indices(y.shape)) {
      const src = new Array<number>(4);
      dims.forEach((d, i) => {
        src[d] = idx[i];
      });
      want.push(at(x, src));
    }
    assertSameBits(y.data, Float32Array.from(want), `permute ${dims}`);
  }
  assert.throws(() => ref.permute(x, [0, 1, 1, 2]), /permute: dims \[0, 1, 1, 2\] is not a permutation/);
});

test("narrow takes a slice of any axis; errors for out-of-range slices", () => {
  const rand = mulberry32(3);
  const x = randomTensor(rand, [3, 6, 2]);
  const y = ref.narrow(x, 1, 2, 3);
  assert.deepEqual(y.shape, [3, 3, 2]);
  const want: number[] = [];
  for (const [a, b, c] of indices(y.shape)) want.push(at(x, [a, b + 2, c]));
  assertSameBits(y.data, Float32Array.from(want), "narrow");
  assertSameBits(ref.narrow(x, -1, -1, 1).data, ref.narrow(x, 2, 1, 1).data, "negative axis/start");
  assert.equal(ref.narrow(x, 0, 3, 0).size, 0);
  assert.throws(() => ref.narrow(x, 1, 4, 3), /narrow: start 4 \+ length 3 exceeds size 6 of axis 1 of x \[3, 6, 2\]/);
});

test("upsampleNearest2x repeats each pixel into a 2x2 block", () => {
  const rand = mulberry32(4);
  const x = randomTensor(rand, [2, 3, 3, 5]);
  const y = ref.upsampleNearest2x(x);
  assert.deepEqual(y.shape, [2, 3, 6, 10]);
  const want: number[] = [];
  for (const [n, c, i, j] of indices(y.shape)) want.push(at(x, [n, c, i >> 1, j >> 1]));
  assertSameBits(y.data, Float32Array.from(want), "upsample");
  assert.throws(() => ref.upsampleNearest2x(Tensor.zeros([3, 4])), /upsampleNearest2x: x must be 4-D/);
});

test("avgPool2x2 sums each window in float64 row-major order, divides by 4, rounds once (odd edges dropped)", () => {
  const rand = mulberry32(5);
  const x = randomTensor(rand, [1, 2, 5, 7], -10, 10);
  const y = ref.avgPool2x2(x);
  assert.deepEqual(y.shape, [1, 2, 2, 3]);
  const want: number[] = [];
  for (const [n, c, i, j] of indices(y.shape)) {
    const s = at(x, [n, c, 2 * i, 2 * j]) + at(x, [n, c, 2 * i, 2 * j + 1]) + at(x, [n, c, 2 * i + 1, 2 * j]);
    want.push(fround((s + at(x, [n, c, 2 * i + 1, 2 * j + 1])) / 4));
  }
  assertSameBits(y.data, Float32Array.from(want), "avgPool");
});
