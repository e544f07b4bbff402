import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref } from "../../src/engine/reference/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertClose, assertSameBits, mulberry32, randomTensor, U32 } from "./reference-helpers.js";

const fround = Math.fround;

/** The §R2 dot product written plainly, plus its float64 value and Σ|terms|. */
function dot(a: Float32Array, ia: number, sa: number, b: Float32Array, ib: number, sb: number, k: number) {
  let acc = 0;
  let exact = 0;
  let mag = 0;
  for (let t = 0; t < k; t++) {
    const p = a[ia + t * sa] * b[ib + t * sb];
    acc = fround(acc + fround(p));
    exact += p;
    mag += Math.abs(p);
  }
  return { acc, exact, mag };
}

for (const [rows, inF, outF, lead] of [
  [1, 1, 1, []],
  [5, 7, 3, [5]],
  [6, 33, 17, [2, 3]],
  [4, 320, 9, [4]],
] as [number, number, number, number[]][]) {
  test(`linear ${[...lead, inF]} → ${outF}: bits of the ascending-k rule, bias last, close to float64`, () => {
    const rand = mulberry32(rows * 1000 + inF * 10 + outF);
    const x = randomTensor(rand, [...lead, inF].length > 1 ? [...lead, inF] : [rows, inF]);
    const w = randomTensor(rand, [outF, inF]);
    const bias = randomTensor(rand, [outF]);
    for (const b of [bias, null]) {
      const y = ref.linear(x, w, b);
      assert.deepEqual(y.shape, [...x.shape.slice(0, -1), outF]);
      const want = new Float32Array(rows * outF);
      const exact = new Float64Array(rows * outF);
      const mag = new Float64Array(rows * outF);
      for (let r = 0; r < rows; r++)
        for (let o = 0; o < outF; o++) {
          const d = dot(x.data, r * inF, 1, w.data, o * inF, 1, inF);
          const bv = b === null ? 0 : b.data[o];
          want[r * outF + o] = b === null ? d.acc : fround(d.acc + bv);
          exact[r * outF + o] = d.exact + bv;
          mag[r * outF + o] = d.mag + Math.abs(bv);
        }
      assertSameBits(y.data, want, "linear");
      assertClose(y.data, exact, mag, (inF + 2) * U32, 0, "linear");
    }
  });
}

for (const [batch, m, k, n] of [
  [[], 1, 1, 1],
  [[3], 5, 7, 4],
  [[2, 2], 3, 65, 9],
] as [number[], number, number, number][]) {
  test(`matmul ${[...batch, m, k]} × ${[...batch, k, n]}: bits of the ascending-k rule`, () => {
    const rand = mulberry32(m * 100 + k * 10 + n);
    const a = randomTensor(rand, [...batch, m, k]);
    const b = randomTensor(rand, [...batch, k, n]);
    const y = ref.matmul(a, b);
    assert.deepEqual(y.shape, [...batch, m, n]);
    const count = batch.reduce((p, d) => p * d, 1);
    const want = new Float32Array(count * m * n);
    const exact = new Float64Array(want.length);
    const mag = new Float64Array(want.length);
    for (let p = 0; p < count; p++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          const d = dot(a.data, p * m * k + i * k, 1, b.data, p * k * n + j, n, k);
          const o = (p * m + i) * n + j;
          want[o] = d.acc;
          exact[o] = d.exact;
          mag[o] = d.mag;
        }
    assertSameBits(y.data, want, "matmul");
    assertClose(y.data, exact, mag, (k + 1) * U32, 0, "matmul");
  });
}

test("linear/matmul: shape errors name the op and both shapes", () => {
  assert.throws(
    () => ref.linear(Tensor.zeros([2, 4]), Tensor.zeros([3, 5]), null),
    /linear: x \[2, 4\].*weight \[3, 5\]/,
  );
  assert.throws(() => ref.linear(Tensor.zeros([2, 4]), Tensor.zeros([3, 4]), Tensor.zeros([4])), /linear: bias \[4\]/);
  assert.throws(() => ref.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])), /matmul: .*\[2, 3\].*\[4, 5\]/);
  assert.throws(() => ref.matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 5])), /equal batch dimensions/);
  assert.throws(() => ref.matmul(Tensor.zeros([3]), Tensor.zeros([3])), /matmul/);
});
