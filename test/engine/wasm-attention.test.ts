import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref, setNumThreads } from "../../src/engine/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertSameBits, randomTensor, wasmBackend } from "./wasm-helpers.js";

const wasm = wasmBackend();
const THREADS = [1, 2, 3];

test("wasm softmax equals the reference bit for bit, including -inf entries and wide ranges", () => {
  const x = randomTensor([3, 5, 37], 1, 30);
  x.data[7] = Number.NEGATIVE_INFINITY;
  x.data[40] = Number.NEGATIVE_INFINITY;
  const one = randomTensor([1, 1], 2);
  const allMasked = Tensor.from(new Float32Array([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]), [1, 2]);
  for (const t of THREADS) {
    setNumThreads(t);
    assertSameBits(wasm.softmax(x), ref.softmax(x), `softmax threads ${t}`);
    assertSameBits(wasm.softmax(one), ref.softmax(one), `softmax 1x1 threads ${t}`);
    assert.ok(Number.isNaN(wasm.softmax(allMasked).data[0]), "a row of all -inf gives NaN");
  }
});

test("wasm attention equals the reference bit for bit (odd lengths, causal, custom scale, long K)", () => {
  // [q shape, Lk, Dv, scale, causal]
  const cases: [number[], number, number, number | undefined, boolean][] = [
    [[1, 1, 1, 1], 1, 1, undefined, false],
    [[2, 3, 7, 5], 9, 6, undefined, false],
    [[1, 2, 13, 8], 13, 8, undefined, true],
    [[1, 1, 5, 40], 77, 40, 0.125, false],
    [[2, 1, 16, 3], 16, 11, undefined, true],
    [[1, 1, 9, 4], 300, 9, undefined, false],
    [[1, 1, 3, 260], 5, 4, undefined, false],
    [[1, 2, 20, 8], 7, 8, undefined, true],
  ];
  let seed = 10;
  for (const [qs, lk, dv, scale, causal] of cases) {
    const [b, h, , d] = qs;
    const q = randomTensor(qs, seed++, 3);
    const k = randomTensor([b, h, lk, d], seed++, 3);
    const v = randomTensor([b, h, lk, dv], seed++);
    const expected = ref.attention(q, k, v, { scale, causal });
    for (const t of THREADS) {
      setNumThreads(t);
      const what = `attention q[${qs}] Lk ${lk} Dv ${dv} causal ${causal} threads ${t}`;
      assertSameBits(wasm.attention(q, k, v, { scale, causal }), expected, what);
    }
  }
});

test("wasm groupNorm and layerNorm equal the reference bit for bit", () => {
  const x = randomTensor([2, 12, 5, 3], 50, 4);
  const w = randomTensor([12], 51);
  const b = randomTensor([12], 52);
  const y = randomTensor([3, 7, 19], 53);
  const lw = randomTensor([19], 54);
  const lb = randomTensor([19], 55);
  for (const t of THREADS) {
    setNumThreads(t);
    assertSameBits(wasm.groupNorm(x, 4, w, b, 1e-6), ref.groupNorm(x, 4, w, b, 1e-6), `groupNorm affine threads ${t}`);
    assertSameBits(
      wasm.groupNorm(x, 3, null, null, 1e-5),
      ref.groupNorm(x, 3, null, null, 1e-5),
      `groupNorm threads ${t}`,
    );
    assertSameBits(wasm.layerNorm(y, lw, lb, 1e-5), ref.layerNorm(y, lw, lb, 1e-5), `layerNorm affine threads ${t}`);
    assertSameBits(wasm.layerNorm(y, null, null, 1e-12), ref.layerNorm(y, null, null, 1e-12), `layerNorm threads ${t}`);
  }
});
