import { test } from "node:test";
import type { F32 } from "../../src/engine/backend.js";
import { referenceBackend as ref, setNumThreads } from "../../src/engine/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertSameBits, assertSameValues, randomTensor, wasmBackend } from "./wasm-helpers.js";

const wasm = wasmBackend();
const THREADS = [1, 2, 3];

// Arguments around exp's branch points (|x| = ln2/2, 1.5·ln2, 2^−28, the ±708/709 limits of the two-lane
// path, overflow and underflow), specials, and the largest floats, padded to an odd length.
function specials(): F32 {
  const values: number[] = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const v of [0.34657359, 1.03972077, 3.7252903e-9, 1e-30, 1e-45, 708, 709, 709.8, 745.2, 800, 3.4e38]) {
    values.push(v, -v, Math.fround(v * 1.0000001), -Math.fround(v * 0.9999999));
  }
  for (let i = 0; values.length < 301; i++) values.push(Math.fround((i - 150) * 0.37));
  return Tensor.from(new Float32Array(values), [values.length]);
}

test("wasm silu and quickGelu equal the reference bit for bit (odd sizes, special values, all threads)", () => {
  const inputs: [string, F32][] = [
    ["[3,5,67] x4", randomTensor([3, 5, 67], 400, 4)],
    ["[2,64,9,9] x30", randomTensor([2, 64, 9, 9], 401, 30)],
    ["[257]", randomTensor([257], 402)],
    ["[100] (fallback size)", randomTensor([100], 403, 8)],
  ];
  const special = specials();
  for (const t of THREADS) {
    setNumThreads(t);
    for (const [what, x] of inputs) {
      assertSameBits(wasm.silu(x), ref.silu(x), `silu ${what} threads ${t}`);
      assertSameBits(wasm.quickGelu(x), ref.quickGelu(x), `quickGelu ${what} threads ${t}`);
    }
    assertSameValues(wasm.silu(special), ref.silu(special), `silu specials threads ${t}`);
    assertSameValues(wasm.quickGelu(special), ref.quickGelu(special), `quickGelu specials threads ${t}`);
  }
});

// erf's branch points (|x·√½| = 2^−28, 0.75, 1.25, 1.5, 2.25, 3.5, 6) as gelu arguments, and specials.
function erfPoints(): F32 {
  const values: number[] = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38, -3.4e38];
  for (const b of [3.725290298461914e-9, 0.75, 1.25, 1.5, 2.25, 3.5, 6]) {
    const x = b / Math.SQRT1_2;
    for (const f of [0.999999, 1, 1.000001]) values.push(Math.fround(x * f), -Math.fround(x * f));
  }
  for (let i = 0; values.length < 333; i++) values.push(Math.fround((i - 160) * 0.061));
  return Tensor.from(new Float32Array(values), [values.length]);
}

test("wasm gelu and geglu equal the reference bit for bit (odd sizes, erf branch points, all threads)", () => {
  const x = randomTensor([3, 7, 41], 410, 5);
  const g = randomTensor([2, 5, 2 * 67], 411, 4);
  const wide = randomTensor([3, 2 * 1030], 412, 7);
  // |x| < 1.06 throughout: every pair takes the two-lane Taylor series.
  const small = randomTensor([5, 2 * 151], 413, 1.06);
  const points = erfPoints();
  const pointsGeglu = Tensor.from(
    new Float32Array([...points.data].flatMap((v, i) => [(i % 7) - 3.5, v])).slice(0, 2 * 332),
    [2, 332],
  );
  for (const t of THREADS) {
    setNumThreads(t);
    assertSameBits(wasm.gelu(x), ref.gelu(x), `gelu [3,7,41] threads ${t}`);
    assertSameBits(wasm.geglu(g), ref.geglu(g), `geglu [2,5,134] threads ${t}`);
    assertSameBits(wasm.geglu(wide), ref.geglu(wide), `geglu [3,2060] threads ${t}`);
    assertSameBits(wasm.gelu(small), ref.gelu(small), `gelu [5,302] Taylor range threads ${t}`);
    assertSameBits(wasm.geglu(small), ref.geglu(small), `geglu [5,302] Taylor range threads ${t}`);
    assertSameValues(wasm.gelu(points), ref.gelu(points), `gelu erf points threads ${t}`);
    assertSameValues(wasm.geglu(pointsGeglu), ref.geglu(pointsGeglu), `geglu erf points threads ${t}`);
  }
});
