import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref } from "../../src/engine/reference/index.js";
import { exp } from "../../src/math/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertClose, assertSameBits, mulberry32, randomTensor } from "./reference-helpers.js";

/** §R5 written per element from explicit indices: f64 two-pass statistics, one rounding. */
function naiveGroupNorm(
  x: Tensor<"float32">,
  groups: number,
  w: Float32Array | null,
  b: Float32Array | null,
  eps: number,
) {
  const [n, c] = x.shape;
  const s = x.shape.slice(2).reduce((p, d) => p * d, 1);
  const cg = c / groups;
  const out = new Float32Array(x.size);
  const exact = new Float64Array(x.size);
  for (let bi = 0; bi < n; bi++)
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let ch = g * cg; ch < (g + 1) * cg; ch++) for (let p = 0; p < s; p++) idx.push((bi * c + ch) * s + p);
      let sum = 0;
      for (const i of idx) sum += x.data[i];
      const mean = sum / idx.length;
      let sq = 0;
      for (const i of idx) {
        const dv = x.data[i] - mean;
        sq += dv * dv;
      }
      const rstd = 1 / Math.sqrt(sq / idx.length + eps);
      for (const i of idx) {
        const ch = Math.floor(i / s) % c;
        const y = (x.data[i] - mean) * rstd * (w === null ? 1 : w[ch]) + (b === null ? 0 : b[ch]);
        out[i] = y;
        exact[i] = y;
      }
    }
  return { out, exact };
}

for (const [shape, groups] of [
  [[2, 8, 5, 3], 4],
  [[1, 6, 1, 1], 3],
  [[1, 4, 7], 1],
  [[3, 32, 4, 4], 32],
] as [number[], number][]) {
  test(`groupNorm ${shape} in ${groups} groups follows the float64 formula exactly`, () => {
    const rand = mulberry32(shape.reduce((p, d) => p * 13 + d, groups));
    const x = randomTensor(rand, shape, -3, 5);
    const w = randomTensor(rand, [shape[1]]);
    const b = randomTensor(rand, [shape[1]]);
    for (const [wt, bt] of [
      [w, b],
      [null, null],
    ] as const) {
      const y = ref.groupNorm(x, groups, wt, bt, 1e-6);
      const want = naiveGroupNorm(x, groups, wt?.data ?? null, bt?.data ?? null, 1e-6);
      assertSameBits(y.data, want.out, "groupNorm");
      // One float32 rounding of a float64 value: within half a float32 ulp of the float64 result.
      assertClose(y.data, want.exact, null, 2 ** -24, 1e-30, "groupNorm");
    }
  });
}

test("layerNorm normalises the last dimension per the float64 formula", () => {
  const rand = mulberry32(5);
  for (const shape of [
    [3, 7],
    [2, 3, 64],
    [1, 1],
  ]) {
    const d = shape[shape.length - 1];
    const x = randomTensor(rand, shape, -2, 2);
    const w = randomTensor(rand, [d]);
    const b = randomTensor(rand, [d]);
    const y = ref.layerNorm(x, w, b, 1e-5);
    // layerNorm over [..., d] is groupNorm of [rows, d] with one group and per-element affine.
    const rows = x.size / d;
    const asGroup = naiveGroupNorm(Tensor.from(x.data, [rows, 1, d]), 1, null, null, 1e-5);
    const want = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      // Recover the normalised f64 value exactly: redo the statistics per row.
      const r = Math.floor(i / d);
      let sum = 0;
      for (let j = 0; j < d; j++) sum += x.data[r * d + j];
      const mean = sum / d;
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const dv = x.data[r * d + j] - mean;
        sq += dv * dv;
      }
      want[i] = (x.data[i] - mean) * (1 / Math.sqrt(sq / d + 1e-5)) * w.data[i % d] + b.data[i % d];
    }
    assertSameBits(y.data, want, `layerNorm ${shape}`);
    assertSameBits(ref.layerNorm(x, null, null, 1e-5).data, asGroup.out, `layerNorm ${shape} without affine`);
  }
});

test("norms: errors name the op and shapes", () => {
  assert.throws(() => ref.groupNorm(Tensor.zeros([1, 6, 2]), 4, null, null, 1e-5), /groupNorm: 6 channels .* 4 groups/);
  assert.throws(
    () => ref.groupNorm(Tensor.zeros([1, 6, 2]), 3, Tensor.zeros([5]), null, 1e-5),
    /groupNorm: weight \[5\]/,
  );
  assert.throws(() => ref.layerNorm(Tensor.zeros([2, 4]), null, Tensor.zeros([2]), 1e-5), /layerNorm: bias \[2\]/);
  assert.throws(() => ref.groupNorm(Tensor.zeros([1, 6, 2]), 0, null, null, 1e-5), /numGroups must be a positive/);
});

test("softmax: float64 exp of x − max, float64 sum, one rounding; NaN and −inf rows as torch", () => {
  const rand = mulberry32(9);
  const x = randomTensor(rand, [4, 3, 11], -20, 20);
  const y = ref.softmax(x);
  const want = new Float32Array(x.size);
  const exact = new Float64Array(x.size);
  for (let r = 0; r < 12; r++) {
    const row = Array.from(x.data.subarray(r * 11, r * 11 + 11));
    const m = Math.max(...row);
    const e = row.map((v) => exp(v - m));
    const s = e.reduce((p, v) => p + v, 0);
    const eM = row.map((v) => Math.exp(v - m));
    const sM = eM.reduce((p, v) => p + v, 0);
    for (let j = 0; j < 11; j++) {
      want[r * 11 + j] = e[j] / s;
      exact[r * 11 + j] = eM[j] / sM;
    }
  }
  assertSameBits(y.data, want, "softmax");
  assertClose(y.data, exact, null, 2 ** -23, 1e-45, "softmax");

  const special = Tensor.from(
    new Float32Array([1, Number.NaN, 2, -Infinity, -Infinity, -Infinity, 1000, 1000, -Infinity]),
    [3, 3],
  );
  const s = ref.softmax(special).data;
  assert.ok(
    [0, 1, 2, 3, 4, 5].every((i) => Number.isNaN(s[i])),
    "NaN and all −inf rows give NaN",
  );
  assert.deepEqual(Array.from(s.subarray(6)), [0.5, 0.5, 0]);
});
