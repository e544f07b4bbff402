import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref } from "../../src/engine/reference/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertSameBits, mulberry32, randomTensor } from "./reference-helpers.js";

const fround = Math.fround;

/** Broadcast by explicit multi-index arithmetic (independent of the backend's stride walk). */
function naive(a: Tensor<"float32">, b: Tensor<"float32">, shape: number[], f: (x: number, y: number) => number) {
  const size = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(size);
  const offset = (t: Tensor<"float32">, idx: number[]) => {
    let o = 0;
    const lead = shape.length - t.shape.length;
    for (let i = 0; i < t.shape.length; i++) o = o * t.shape[i] + (t.shape[i] === 1 ? 0 : idx[lead + i]);
    return o;
  };
  for (let flat = 0; flat < size; flat++) {
    const idx = new Array<number>(shape.length);
    let r = flat;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = r % shape[i];
      r = Math.floor(r / shape[i]);
    }
    out[flat] = f(a.data[offset(a, idx)], b.data[offset(b, idx)]);
  }
  return out;
}

const OPS: ["add" | "sub" | "mul" | "div", (x: number, y: number) => number][] = [
  ["add", (x, y) => fround(x + y)],
  ["sub", (x, y) => fround(x - y)],
  ["mul", (x, y) => fround(x * y)],
  ["div", (x, y) => fround(x / y)],
];

const SHAPES: [number[], number[], number[]][] = [
  [
    [2, 3],
    [2, 3],
    [2, 3],
  ],
  [
    [2, 1, 4],
    [3, 1],
    [2, 3, 4],
  ],
  [[1], [5, 2], [5, 2]],
  [
    [4, 1, 1, 3],
    [2, 1],
    [4, 1, 2, 3],
  ],
  [
    [2, 320, 1, 1],
    [2, 320, 8, 8],
    [2, 320, 8, 8],
  ],
  [[], [3], [3]],
  [
    [0, 3],
    [1, 3],
    [0, 3],
  ],
];

for (const [name, f] of OPS) {
  test(`${name}: float32 ${name} with NumPy broadcasting`, () => {
    const rand = mulberry32(name.length);
    for (const [sa, sb, so] of SHAPES) {
      const a = randomTensor(rand, sa, -3, 3);
      const b = randomTensor(rand, sb, 0.5, 3);
      const y = ref[name](a, b);
      assert.deepEqual(y.shape, so);
      assertSameBits(y.data, naive(a, b, so, f), `${name} ${sa} ${sb}`);
    }
  });
}

test("elementwise: incompatible shapes name the op and both shapes; Inf/NaN follow IEEE", () => {
  assert.throws(
    () => ref.mul(Tensor.zeros([2, 3]), Tensor.zeros([2])),
    /mul: shapes \[2, 3\] and \[2\] cannot be broadcast/,
  );
  const a = Tensor.from(new Float32Array([1, 0, Number.POSITIVE_INFINITY, 3e38]), [4]);
  const b = Tensor.from(new Float32Array([0, 0, Number.POSITIVE_INFINITY, 3e38]), [4]);
  assert.deepEqual(Array.from(ref.div(a, b).data), [Number.POSITIVE_INFINITY, Number.NaN, Number.NaN, 1]);
  assert.deepEqual(Array.from(ref.add(a, b).data).slice(2), [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
});

test("affine: f32(f32(x·f32(scale)) + f32(offset))", () => {
  const rand = mulberry32(4);
  const x = randomTensor(rand, [3, 7], -100, 100);
  const scale = 0.18215; // not a float32: rounded first, like torch scaling a float32 tensor by a Python float
  const offset = -0.1;
  const y = ref.affine(x, scale, offset);
  const want = x.data.map((v) => fround(fround(v * fround(scale)) + fround(offset)));
  assertSameBits(y.data, want, "affine");
  // Differs from unrounded float64 scalars on some inputs (the rule is observable).
  const unrounded = x.data.map((v) => fround(v * scale + offset));
  assert.ok(unrounded.some((v, i) => v !== y.data[i]));
  assert.throws(() => ref.affine(x, Number.NaN, 0), /affine: scale must be a finite number/);
});
