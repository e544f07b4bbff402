import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref, setNumThreads } from "../../src/engine/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertSameBits, randomTensor, wasmBackend } from "./wasm-helpers.js";

const wasm = wasmBackend();
const THREADS = [1, 2, 3];

// The softmax kernel runs four rows at a time (rows in the SIMD lanes) with a per-row check that picks
// the unchecked exp; rows past a multiple of four, special values and wide rows take the other paths.
test("wasm softmax equals the reference bit for bit on awkward shapes and special rows", () => {
  const cases: [number[], number][] = [
    [[7, 37], 30],
    [[13, 5], 3],
    [[9, 1], 1],
    [[2, 3, 4], 2],
    [[6, 8], 1e-10],
    [[5, 130], 400],
    [[11, 67], 2000],
  ];
  let seed = 100;
  for (const [shape, scale] of cases) {
    const x = randomTensor(shape, seed++, scale);
    for (const t of THREADS) {
      setNumThreads(t);
      assertSameBits(wasm.softmax(x), ref.softmax(x), `softmax [${shape}] scale ${scale} threads ${t}`);
    }
  }
  // Rows (of 9): a NaN, a +inf, all −inf, one −inf among finite values, all equal, ±0 only, one value
  // 800 below the rest (outside the unchecked domain), and the largest finite floats.
  const n = 9;
  const rows: number[][] = [
    [1, 2, Number.NaN, 4, 5, 6, 7, 8, 9],
    [1, Number.POSITIVE_INFINITY, 3, 4, 5, 6, 7, 8, 9],
    new Array(n).fill(Number.NEGATIVE_INFINITY),
    [0.5, Number.NEGATIVE_INFINITY, 0.25, 1, 2, 3, 4, 5, 6],
    new Array(n).fill(3.25),
    [0, -0, 0, -0, -0, 0, 0, -0, 0],
    [-800, 0, 1, 2, 3, 4, 5, 6, 7],
    [3.4028234663852886e38, -3.4028234663852886e38, 1, 0, -1, 2, 3, 4, 5],
    [1e-8, 2e-8, 0, -1e-8, 3e-9, 1e-9, 0, 0, 1e-8],
  ];
  const special = Tensor.from(new Float32Array(rows.flat()), [rows.length, n]);
  const want = ref.softmax(special);
  for (const t of THREADS) {
    setNumThreads(t);
    const got = wasm.softmax(special);
    for (let i = 0; i < got.size; i++) {
      const a = got.data[i];
      const b = want.data[i];
      assert.ok(
        Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)),
        `special rows threads ${t} at ${i}: ${a} vs ${b}`,
      );
    }
  }
});

// The fused attention job splits each head into blocks of query rows whose size depends on Lk and the
// thread count; every block size must give the reference's bits.
test("wasm fused attention equals the reference bit for bit across row blocks and special values", () => {
  // [q shape, Lk, Dv, q scale]
  const cases: [number[], number, number, number][] = [
    [[1, 2, 150, 8], 100, 12, 3],
    [[2, 1, 67, 40], 77, 40, 2],
    [[1, 1, 33, 16], 1030, 8, 1],
    [[1, 3, 21, 5], 19, 3, 40],
  ];
  let seed = 200;
  for (const [qs, lk, dv, scale] of cases) {
    const [b, h, , d] = qs;
    const q = randomTensor(qs, seed++, scale);
    const k = randomTensor([b, h, lk, d], seed++, scale);
    const v = randomTensor([b, h, lk, dv], seed++);
    const expected = ref.attention(q, k, v);
    for (const t of THREADS) {
      setNumThreads(t);
      assertSameBits(wasm.attention(q, k, v), expected, `attention q[${qs}] Lk ${lk} Dv ${dv} threads ${t}`);
    }
  }
  // A NaN query row and an infinite key: their rows are NaN in both.
  const q = randomTensor([1, 1, 9, 4], 300);
  const k = randomTensor([1, 1, 10, 4], 301);
  const v = randomTensor([1, 1, 10, 4], 302);
  q.data[5] = Number.NaN;
  k.data[13] = Number.POSITIVE_INFINITY;
  const expected = ref.attention(q, k, v);
  for (const t of THREADS) {
    setNumThreads(t);
    const got = wasm.attention(q, k, v);
    for (let i = 0; i < got.size; i++) {
      const a = got.data[i];
      const e = expected.data[i];
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `special attention threads ${t} at ${i}`);
    }
  }
});
