import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref, setNumThreads } from "../../src/engine/index.js";
import { assertSameBits, randomTensor, wasmBackend } from "./wasm-helpers.js";

const wasm = wasmBackend();
const THREADS = [1, 2, 3];

type Pad = number | [number, number, number, number];
// [N, Cin, H, W, Cout, k, stride, padding]: odd sizes, 1x1, Cin = 1, remainders of 4 and 8, stride 2,
// asymmetric padding, 4-wide rows, K longer than one K block.
const convCases: [number, number, number, number, number, number, number, Pad][] = [
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
  [1, 70, 6, 9, 11, 3, 1, 1],
  [1, 9, 6, 7, 5, 1, 2, 0],
];

test("wasm conv2d equals the reference bit for bit (awkward shapes, 1/2/3 threads)", () => {
  let seed = 1;
  for (const [n, cin, h, w, cout, k, stride, padding] of convCases) {
    const x = randomTensor([n, cin, h, w], seed++);
    const weight = randomTensor([cout, cin, k, k], seed++);
    const bias = seed % 2 === 0 ? randomTensor([cout], seed++) : null;
    const expected = ref.conv2d(x, weight, bias, { stride, padding });
    for (const t of THREADS) {
      setNumThreads(t);
      const actual = wasm.conv2d(x, weight, bias, { stride, padding });
      const what = `conv2d x[${x.shape}] w[${weight.shape}] stride ${stride} pad ${JSON.stringify(padding)} threads ${t}`;
      assertSameBits(actual, expected, what);
    }
  }
});

test("wasm linear equals the reference bit for bit", () => {
  const cases: [number[], number, number][] = [
    [[1, 1], 1, 1],
    [[3, 5], 5, 7],
    [[2, 3, 17], 17, 9],
    [[13, 300], 300, 21],
    [[4, 8], 8, 8],
    [[9, 33], 33, 64],
    [[1, 77, 40], 40, 12],
  ];
  let seed = 200;
  for (const [xShape, inF, outF] of cases) {
    const x = randomTensor(xShape, seed++);
    const weight = randomTensor([outF, inF], seed++);
    const bias = seed % 3 === 0 ? null : randomTensor([outF], seed++);
    const expected = ref.linear(x, weight, bias);
    for (const t of THREADS) {
      setNumThreads(t);
      assertSameBits(wasm.linear(x, weight, bias), expected, `linear [${xShape}]·[${outF}, ${inF}]ᵀ threads ${t}`);
    }
  }
});

test("wasm matmul (batched) equals the reference bit for bit", () => {
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
    const expected = ref.matmul(a, b);
    for (const t of THREADS) {
      setNumThreads(t);
      assertSameBits(wasm.matmul(a, b), expected, `matmul [${as}]×[${bs}] threads ${t}`);
    }
  }
});

test("the requested threads really take part (workers join jobs they wake up for in time)", () => {
  const x = randomTensor([1, 32, 24, 24], 450);
  const weight = randomTensor([32, 32, 3, 3], 451);
  for (const t of THREADS) {
    setNumThreads(t);
    // A worker the OS has not scheduled yet skips a job rather than delaying it, so on a busy machine
    // some attempts may run with fewer threads; never with more.
    let most = 0;
    for (let attempt = 0; attempt < 50 && most < t; attempt++) {
      wasm.conv2d(x, weight, null, { padding: 1 });
      assert.ok(wasm.lastThreads <= t, `at most ${t} threads`);
      most = Math.max(most, wasm.lastThreads);
    }
    assert.equal(most, t, `threads used with setNumThreads(${t})`);
  }
});

test("packed weights are reused across calls and the results stay identical", () => {
  const x = randomTensor([1, 8, 10, 10], 400);
  const weight = randomTensor([16, 8, 3, 3], 401);
  setNumThreads(2);
  const first = wasm.conv2d(x, weight, null, { padding: 1 });
  assertSameBits(wasm.conv2d(x, weight, null, { padding: 1 }), first, "second call with cached packed weights");
});

test("degenerate shapes go to the reference and bad shapes are rejected with a clear message", () => {
  const empty = randomTensor([0, 3], 510);
  assertSameBits(
    wasm.linear(empty, randomTensor([4, 3], 511), null),
    ref.linear(empty, randomTensor([4, 3], 511), null),
    "0 rows",
  );
  const x = randomTensor([1, 3, 5, 5], 500);
  assert.throws(() => wasm.conv2d(x, randomTensor([4, 2, 3, 3], 501), null), /3 channels/);
  assert.throws(() => wasm.linear(randomTensor([2, 5], 502), randomTensor([3, 4], 503), null), /does not end in 4/);
  assert.throws(() => wasm.matmul(randomTensor([2, 5], 504), randomTensor([4, 3], 505)), /do not match/);
});

test("many back-to-back small jobs with changing thread counts neither race nor deadlock", () => {
  const a = randomTensor([3, 6, 5], 600);
  const b = randomTensor([3, 5, 9], 601);
  const expected = ref.matmul(a, b);
  for (let i = 0; i < 400; i++) {
    setNumThreads(1 + (i % 3));
    assertSameBits(wasm.matmul(a, b), expected, `iteration ${i}`);
  }
});
