import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend, F32 } from "../../src/engine/backend.js";
import { WasmBackend } from "../../src/engine/wasm/backend.js";
import { conv2dR2, firstBitDifference, linearR2, matmulR2, randomTensor } from "./wasm-r2.js";

const noFallback = new Proxy({} as Backend, {
  get(_target, op) {
    return () => {
      throw new Error(`unexpected fallback call: ${String(op)}`);
    };
  },
});
const wasm = new WasmBackend(noFallback);

function assertSameBits(actual: F32, expected: F32, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const i = firstBitDifference(actual.data, expected.data);
  assert.equal(i, -1, `${what}: first difference at ${i}: ${actual.data[i]} vs ${expected.data[i]}`);
}

const THREADS = [1, 2, 3];

type ConvCase = [number, number, number, number, number, number, number, number | [number, number, number, number]];
// [N, Cin, H, W, Cout, k, stride, padding]
const convCases: ConvCase[] = [
  [1, 3, 9, 11, 5, 3, 1, 1],
  [2, 1, 7, 7, 9, 3, 1, 1],
  [1, 4, 8, 8, 8, 1, 1, 0],
  [1, 5, 13, 10, 7, 1, 1, 0],
  [1, 6, 9, 9, 4, 3, 2, 1],
  [2, 3, 8, 12, 6, 3, 2, [0, 1, 0, 1]],
  [1, 2, 17, 19, 3, 3, 2, [0, 1, 0, 1]],
  [1, 7, 1, 1, 3, 1, 1, 0],
  [1, 2, 1, 1, 3, 3, 1, 1],
  [1, 33, 6, 20, 13, 3, 1, 1],
  [1, 40, 5, 5, 10, 3, 1, [1, 0, 2, 1]],
  [1, 3, 33, 40, 4, 3, 2, [1, 1, 1, 1]],
  [1, 5, 4, 4, 6, 3, 1, 1],
  [2, 3, 6, 4, 5, 3, 1, 1],
  [1, 3, 5, 4, 5, 3, 1, 1],
];

test("wasm conv2d equals the R2 scalar loop bit for bit (awkward shapes, 1/2/3 threads)", () => {
  let seed = 1;
  for (const [n, cin, h, w, cout, k, stride, padding] of convCases) {
    const x = randomTensor([n, cin, h, w], seed++);
    const weight = randomTensor([cout, cin, k, k], seed++);
    const bias = seed % 2 === 0 ? randomTensor([cout], seed++) : null;
    const pad: [number, number, number, number] =
      typeof padding === "number" ? [padding, padding, padding, padding] : padding;
    const expected = conv2dR2(x, weight, bias, stride, pad);
    for (const t of THREADS) {
      wasm.setNumThreads(t);
      const actual = wasm.conv2d(x, weight, bias, { stride, padding });
      assertSameBits(
        actual,
        expected,
        `conv2d x${JSON.stringify(x.shape)} w${JSON.stringify(weight.shape)} s${stride} p${JSON.stringify(padding)} t${t}`,
      );
    }
  }
});

test("wasm conv2d handles K > one K block (Cin*9 > 256) with bias added once", () => {
  const x = randomTensor([1, 70, 6, 9], 101);
  const weight = randomTensor([11, 70, 3, 3], 102);
  const bias = randomTensor([11], 103);
  const expected = conv2dR2(x, weight, bias, 1, [1, 1, 1, 1]);
  for (const t of THREADS) {
    wasm.setNumThreads(t);
    assertSameBits(wasm.conv2d(x, weight, bias, { padding: 1 }), expected, `conv2d long K t${t}`);
  }
});

test("wasm linear equals the R2 scalar loop bit for bit", () => {
  const cases: [number[], number, number][] = [
    [[1, 1], 1, 1],
    [[3, 5], 5, 7],
    [[2, 3, 17], 17, 9],
    [[13, 300], 300, 21],
    [[4, 8], 8, 8],
    [[9, 33], 33, 64],
  ];
  let seed = 200;
  for (const [xShape, inF, outF] of cases) {
    const x = randomTensor(xShape, seed++);
    const weight = randomTensor([outF, inF], seed++);
    const bias = seed % 3 === 0 ? null : randomTensor([outF], seed++);
    const expected = linearR2(x, weight, bias);
    for (const t of THREADS) {
      wasm.setNumThreads(t);
      assertSameBits(wasm.linear(x, weight, bias), expected, `linear ${JSON.stringify(xShape)}x[${outF},${inF}] t${t}`);
    }
  }
});

test("wasm matmul (batched) equals the R2 scalar loop bit for bit", () => {
  const cases: [number[], number[]][] = [
    [
      [1, 1],
      [1, 1],
    ],
    [
      [5, 3],
      [3, 7],
    ],
    [
      [2, 9, 13],
      [2, 13, 11],
    ],
    [
      [2, 3, 4, 260],
      [2, 3, 260, 6],
    ],
    [
      [16, 8],
      [8, 16],
    ],
  ];
  let seed = 300;
  for (const [as, bs] of cases) {
    const a = randomTensor(as, seed++);
    const b = randomTensor(bs, seed++);
    const expected = matmulR2(a, b);
    for (const t of THREADS) {
      wasm.setNumThreads(t);
      assertSameBits(wasm.matmul(a, b), expected, `matmul ${JSON.stringify(as)}x${JSON.stringify(bs)} t${t}`);
    }
  }
});

test("the requested threads really take part (Node waits for its workers to start)", () => {
  const x = randomTensor([1, 8, 16, 16], 450);
  const weight = randomTensor([16, 8, 3, 3], 451);
  for (const t of THREADS) {
    wasm.setNumThreads(t);
    wasm.conv2d(x, weight, null, { padding: 1 });
    assert.equal(wasm.lastThreads, t, `threads used with setNumThreads(${t})`);
  }
});

test("packed weights are reused across calls and the results stay identical", () => {
  const x = randomTensor([1, 8, 10, 10], 400);
  const weight = randomTensor([16, 8, 3, 3], 401);
  wasm.setNumThreads(2);
  const first = wasm.conv2d(x, weight, null, { padding: 1 });
  const second = wasm.conv2d(x, weight, null, { padding: 1 });
  assertSameBits(second, first, "second call with cached packed weights");
});

test("bad shapes are rejected with a clear message", () => {
  const x = randomTensor([1, 3, 5, 5], 500);
  assert.throws(() => wasm.conv2d(x, randomTensor([4, 2, 3, 3], 501), null), /3 channels/);
  assert.throws(() => wasm.linear(randomTensor([2, 5], 502), randomTensor([3, 4], 503), null), /does not end in 4/);
  assert.throws(() => wasm.matmul(randomTensor([2, 5], 504), randomTensor([4, 3], 505)), /do not match/);
});
