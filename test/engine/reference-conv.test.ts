import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref } from "../../src/engine/reference/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertClose, assertSameBits, mulberry32, randomTensor, U32 } from "./reference-helpers.js";

const fround = Math.fround;

interface Naive {
  f32: Float32Array; // the §R2 rule written per output: ascending (ci, ky, kx), padded taps as +0 inputs
  f64: Float64Array; // exact-ish float64 result
  mag: Float64Array; // Σ|terms| + |bias|, the scale of the rounding error
  shape: number[];
}

function naiveConv(
  x: Tensor<"float32">,
  w: Tensor<"float32">,
  bias: Tensor<"float32"> | null,
  stride: number,
  pad: [number, number, number, number],
): Naive {
  const [n, cin, h, wd] = x.shape;
  const [cout, , kh, kw] = w.shape;
  const ho = Math.floor((h + pad[0] + pad[1] - kh) / stride) + 1;
  const wo = Math.floor((wd + pad[2] + pad[3] - kw) / stride) + 1;
  const size = n * cout * ho * wo;
  const f32 = new Float32Array(size);
  const f64 = new Float64Array(size);
  const mag = new Float64Array(size);
  const at = (b: number, c: number, y: number, xx: number) =>
    y < 0 || y >= h || xx < 0 || xx >= wd ? 0 : x.data[((b * cin + c) * h + y) * wd + xx];
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cout; co++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++, o++) {
          let acc = 0;
          let exact = 0;
          let m = 0;
          for (let ci = 0; ci < cin; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const xv = at(b, ci, oy * stride - pad[0] + ky, ox * stride - pad[2] + kx);
                const wv = w.data[((co * cin + ci) * kh + ky) * kw + kx];
                acc = fround(acc + fround(xv * wv));
                exact += xv * wv;
                m += Math.abs(xv * wv);
              }
          const bv = bias === null ? 0 : bias.data[co];
          f32[o] = bias === null ? acc : fround(acc + bv);
          f64[o] = exact + bv;
          mag[o] = m + Math.abs(bv);
        }
  return { f32, f64, mag, shape: [n, cout, ho, wo] };
}

const CASES: {
  name: string;
  x: number[];
  w: number[];
  stride: number;
  pad: [number, number, number, number];
  bias: boolean;
}[] = [
  { name: "3x3 pad 1", x: [2, 3, 7, 5], w: [4, 3, 3, 3], stride: 1, pad: [1, 1, 1, 1], bias: true },
  { name: "1x1", x: [1, 5, 4, 3], w: [6, 5, 1, 1], stride: 1, pad: [0, 0, 0, 0], bias: true },
  { name: "1x1 input and kernel", x: [1, 1, 1, 1], w: [1, 1, 1, 1], stride: 1, pad: [0, 0, 0, 0], bias: false },
  { name: "3x3 stride 2 pad 1, odd size", x: [1, 3, 9, 7], w: [2, 3, 3, 3], stride: 2, pad: [1, 1, 1, 1], bias: true },
  { name: "Downsample2D asymmetric pad", x: [2, 4, 8, 8], w: [4, 4, 3, 3], stride: 2, pad: [0, 1, 0, 1], bias: true },
  {
    name: "no padding, no bias, wide kernel",
    x: [1, 2, 6, 9],
    w: [3, 2, 2, 4],
    stride: 1,
    pad: [0, 0, 0, 0],
    bias: false,
  },
  {
    name: "many input channels (long sums)",
    x: [1, 64, 5, 5],
    w: [3, 64, 3, 3],
    stride: 1,
    pad: [1, 1, 1, 1],
    bias: true,
  },
];

for (const c of CASES) {
  test(`conv2d ${c.name}: bits of the ascending-k float32 rule, and close to float64`, () => {
    const rand = mulberry32(c.x.reduce((p, d) => p * 31 + d, 7));
    const x = randomTensor(rand, c.x);
    const w = randomTensor(rand, c.w, -0.5, 0.5);
    const bias = c.bias ? randomTensor(rand, [c.w[0]]) : null;
    const padding = c.pad.every((p) => p === c.pad[0]) ? c.pad[0] : c.pad;
    const y = ref.conv2d(x, w, bias, { stride: c.stride, padding });
    const naive = naiveConv(x, w, bias, c.stride, c.pad);
    assert.deepEqual(y.shape, naive.shape);
    assertSameBits(y.data, naive.f32, c.name);
    // Recursive summation bound: |Δ| <= (K + 1)·u·Σ|terms| (K terms plus the bias).
    const k = c.w[1] * c.w[2] * c.w[3];
    assertClose(y.data, naive.f64, naive.mag, (k + 2) * U32, 0, c.name);
  });
}

test("conv2d: padded taps are real zero inputs (a NaN weight poisons border outputs too)", () => {
  const x = Tensor.from(new Float32Array(9).fill(1), [1, 1, 3, 3]);
  const w = Tensor.from(new Float32Array([0, 0, 0, 0, 1, 0, 0, 0, Number.POSITIVE_INFINITY]), [1, 1, 3, 3]);
  const y = ref.conv2d(x, w, null, { padding: 1 });
  // Output (2, 2) sees the Inf weight only over a padded tap: 0·Inf = NaN.
  assert.ok(Number.isNaN(y.data[8]));
  assert.equal(y.data[0], Number.POSITIVE_INFINITY);
});

test("conv2d: bad input gets errors naming both shapes", () => {
  const x = Tensor.zeros([1, 3, 4, 4]);
  assert.throws(
    () => ref.conv2d(x, Tensor.zeros([2, 4, 3, 3]), null),
    /conv2d: weight \[2, 4, 3, 3\].*x \[1, 3, 4, 4\]/,
  );
  assert.throws(() => ref.conv2d(x, Tensor.zeros([2, 3, 3, 3]), Tensor.zeros([3])), /conv2d: bias \[3\]/);
  assert.throws(() => ref.conv2d(Tensor.zeros([3, 4, 4]), Tensor.zeros([2, 3, 3, 3]), null), /conv2d: x must be 4-D/);
  assert.throws(() => ref.conv2d(x, Tensor.zeros([2, 3, 5, 5]), null), /larger than the padded input/);
  assert.throws(
    () => ref.conv2d(x, Tensor.zeros([2, 3, 3, 3]), null, { stride: 0 }),
    /stride must be a positive integer/,
  );
  assert.throws(() => ref.conv2d(x, Tensor.zeros([2, 3, 3, 3]), null, { padding: [1, 1] as never }), /padding must be/);
  assert.throws(
    () => ref.conv2d(Tensor.zeros([1, 3, 4, 4], "float64") as never, Tensor.zeros([2, 3, 3, 3]), null),
    /conv2d: x must be float32, got float64/,
  );
});
