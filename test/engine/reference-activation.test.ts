import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref } from "../../src/engine/reference/index.js";
import { erf, exp, tanh } from "../../src/math/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { loadJsonFixture } from "../helpers/fixtures.js";
import { assertClose, assertSameBits, mulberry32, randomTensor } from "./reference-helpers.js";

const fround = Math.fround;

// §R6 formulas, as written in docs/NUMERICS.md.
const FORMULAS: [string, (x: number) => number][] = [
  ["silu", (x) => x / (1 + exp(-x))],
  ["gelu", (x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2))],
  ["geluTanh", (x) => 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * (x * x * x))))],
  ["quickGelu", (x) => x / (1 + exp(-1.702 * x))],
];

function inputs(): Tensor<"float32"> {
  const rand = mulberry32(11);
  const x = randomTensor(rand, [3, 257], -8, 8);
  x.data.set([
    0,
    -0,
    1e-30,
    -1e-30,
    20,
    -20,
    100,
    -100,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
  ]);
  return x;
}

for (const [name, formula] of FORMULAS) {
  test(`${name}: float64 formula with src/math, rounded once`, () => {
    const x = inputs();
    const op = ref[name as "silu"].bind(ref);
    const y = op(x);
    const want = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) want[i] = formula(x.data[i]);
    assertSameBits(y.data, want, name);
    // Against libm-based float64 formulas (Math.* is fine in tests): within one float32 rounding.
    const viaMath = (v: number) =>
      name === "silu"
        ? v / (1 + Math.exp(-v))
        : name === "quickGelu"
          ? v / (1 + Math.exp(-1.702 * v))
          : name === "geluTanh"
            ? 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
            : formula(v);
    const finite = Array.from(x.data.subarray(11));
    assertClose(Array.from(y.data.subarray(11)), finite.map(viaMath), null, 2 ** -23, 1e-40, name);
  });
}

test("activations agree with torch 1.13.1 float32 (fixture) to within a few float32 ulps", () => {
  const fixture = loadJsonFixture<{ activations: Record<string, number[]> }>("engine", "torch-reference.json");
  const x = Tensor.from(Float32Array.from(fixture.activations.x), [fixture.activations.x.length]);
  for (const name of ["silu", "gelu", "geluTanh", "quickGelu"]) {
    const torch = fixture.activations[name];
    const y = ref[name as "silu"](x).data;
    let worst = 0;
    for (let i = 0; i < torch.length; i++) {
      // torch rounds intermediate results to float32 (e.g. 1 + erf), so it differs from our once-rounded
      // value by a few float32 ulps of the inputs' scale; measured worst cases are in docs/NUMERICS.md.
      const d = Math.abs(y[i] - torch[i]) / Math.max(Math.abs(x.data[i]), 2 ** -10);
      worst = Math.max(worst, d);
    }
    assert.ok(worst <= 4 * 2 ** -24, `${name}: worst |Δ|/|x| ${worst}`);
  }
});

test("geglu: first half times f32(gelu(second half))", () => {
  const rand = mulberry32(21);
  const x = randomTensor(rand, [2, 3, 10], -4, 4);
  const y = ref.geglu(x);
  assert.deepEqual(y.shape, [2, 3, 5]);
  const want = new Float32Array(30);
  for (let r = 0; r < 6; r++)
    for (let j = 0; j < 5; j++) {
      const g = fround(0.5 * x.data[r * 10 + 5 + j] * (1 + erf(x.data[r * 10 + 5 + j] * Math.SQRT1_2)));
      want[r * 5 + j] = x.data[r * 10 + j] * g;
    }
  assertSameBits(y.data, want, "geglu");
  assert.throws(() => ref.geglu(Tensor.zeros([2, 3])), /geglu: the last dimension of x \[2, 3\] must be even/);
});
