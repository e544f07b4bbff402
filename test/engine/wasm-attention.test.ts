import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend, F32 } from "../../src/engine/backend.js";
import { WasmBackend } from "../../src/engine/wasm/backend.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { attentionR3, firstBitDifference, groupNormR5, layerNormR5, randomTensor, softmaxR4 } from "./wasm-r2.js";

const noFallback = new Proxy({} as Backend, {
  get(_target, op) {
    return () => {
      throw new Error(`unexpected fallback call: ${String(op)}`);
    };
  },
});
const wasm = new WasmBackend(noFallback);
const THREADS = [1, 2, 3];

function assertSameBits(actual: F32, expected: F32, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const i = firstBitDifference(actual.data, expected.data);
  assert.equal(i, -1, `${what}: first difference at ${i}: ${actual.data[i]} vs ${expected.data[i]}`);
}

function scaled(t: F32, s: number): F32 {
  return Tensor.from(
    t.data.map((v) => Math.fround(v * s)),
    t.shape,
  );
}

test("wasm softmax equals R4 bit for bit, including -inf entries and wide ranges", () => {
  const x = scaled(randomTensor([3, 5, 37], 1), 30);
  x.data[7] = Number.NEGATIVE_INFINITY;
  x.data[40] = Number.NEGATIVE_INFINITY;
  const allMasked = Tensor.from(new Float32Array([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]), [1, 2]);
  for (const t of THREADS) {
    wasm.setNumThreads(t);
    assertSameBits(wasm.softmax(x), softmaxR4(x), `softmax t${t}`);
    assertSameBits(wasm.softmax(randomTensor([1, 1], 2)), softmaxR4(randomTensor([1, 1], 2)), `softmax 1x1 t${t}`);
    assert.ok(Number.isNaN(wasm.softmax(allMasked).data[0]), "a row of all -inf gives NaN");
  }
});

test("wasm attention equals R3 bit for bit (odd lengths, causal, custom scale, Lq != Lk)", () => {
  const cases: [number[], number, number, number | undefined, boolean][] = [
    [[1, 1, 1, 1], 1, 1, undefined, false],
    [[2, 3, 7, 5], 9, 6, undefined, false],
    [[1, 2, 13, 8], 13, 8, undefined, true],
    [[1, 1, 5, 40], 77, 40, 0.125, false],
    [[2, 1, 16, 3], 16, 11, undefined, true],
  ];
  let seed = 10;
  for (const [qs, lk, dv, scale, causal] of cases) {
    const [b, h, , d] = qs;
    const q = scaled(randomTensor(qs, seed++), 3);
    const k = scaled(randomTensor([b, h, lk, d], seed++), 3);
    const v = randomTensor([b, h, lk, dv], seed++);
    const expected = attentionR3(q, k, v, scale, causal);
    for (const t of THREADS) {
      wasm.setNumThreads(t);
      const actual = wasm.attention(q, k, v, { scale, causal });
      assertSameBits(actual, expected, `attention q${JSON.stringify(qs)} lk${lk} dv${dv} causal=${causal} t${t}`);
    }
  }
});

test("wasm groupNorm and layerNorm equal R5 bit for bit", () => {
  const x = scaled(randomTensor([2, 12, 5, 3], 50), 4);
  const w = randomTensor([12], 51);
  const b = randomTensor([12], 52);
  const y = randomTensor([3, 7, 19], 53);
  const lw = randomTensor([19], 54);
  const lb = randomTensor([19], 55);
  for (const t of THREADS) {
    wasm.setNumThreads(t);
    assertSameBits(wasm.groupNorm(x, 4, w, b, 1e-6), groupNormR5(x, 4, w, b, 1e-6), `groupNorm affine t${t}`);
    assertSameBits(
      wasm.groupNorm(x, 3, null, null, 1e-5),
      groupNormR5(x, 3, null, null, 1e-5),
      `groupNorm plain t${t}`,
    );
    assertSameBits(wasm.layerNorm(y, lw, lb, 1e-5), layerNormR5(y, lw, lb, 1e-5), `layerNorm affine t${t}`);
    assertSameBits(wasm.layerNorm(y, null, null, 1e-12), layerNormR5(y, null, null, 1e-12), `layerNorm plain t${t}`);
  }
});
