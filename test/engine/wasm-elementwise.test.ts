import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref, setNumThreads } from "../../src/engine/index.js";
import { planBinary } from "../../src/engine/wasm/broadcast.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertSameValues, randomTensor, wasmBackend } from "./wasm-helpers.js";

const wasm = wasmBackend();
const THREADS = [1, 2, 3];
const OPS = ["add", "sub", "mul", "div"] as const;

test("planBinary merges broadcast dimensions into rows x inner, or gives up", () => {
  // Per-channel bias: rows are channels, the broadcast operand steps once per row.
  assert.deepEqual(planBinary([2, 128, 32, 32], [2, 128, 1, 1]), {
    shape: [2, 128, 32, 32],
    total: 2 * 128 * 1024,
    inner: 1024,
    aRow: 1024,
    aInner: 1,
    bRow: 1,
    bInner: 0,
  });
  // Same shapes collapse to one row.
  assert.deepEqual(planBinary([3, 5, 7], [3, 5, 7])?.inner, 105);
  // A row vector against a matrix: b repeats every row.
  assert.deepEqual(planBinary([64, 320], [320]), {
    shape: [64, 320],
    total: 64 * 320,
    inner: 320,
    aRow: 320,
    aInner: 1,
    bRow: 0,
    bInner: 1,
  });
  assert.equal(planBinary([2, 3, 4], [3, 1]), null, "three levels");
  assert.equal(planBinary([2, 3], [4, 3]), null, "shapes that do not broadcast");
});

// Each case: shapes of a and b; odd inner lengths exercise the scalar tails, and some take the fallback
// (small, three levels) to check that the dispatch is transparent.
test("wasm add/sub/mul/div equal the reference bit for bit under broadcasting (all threads)", () => {
  const cases: [number[], number[]][] = [
    [
      [1, 128, 32, 32],
      [1, 128, 1, 1],
    ],
    [
      [2, 37, 11, 13],
      [2, 37, 11, 13],
    ],
    [
      [3, 1, 1],
      [3, 77, 41],
    ],
    [[5000], [1]],
    [
      [1, 4999],
      [7, 1],
    ],
    [[67, 129], [129]],
    [
      [4, 9, 150],
      [9, 1],
    ],
    [
      [2, 6, 10, 40],
      [6, 1, 40],
    ],
    [[10], [10]],
  ];
  let seed = 500;
  for (const [sa, sb] of cases) {
    const a = randomTensor(sa, seed++, 3);
    const b = randomTensor(sb, seed++, 2);
    for (const t of THREADS) {
      setNumThreads(t);
      for (const op of OPS) {
        assertSameValues(wasm[op](a, b), ref[op](a, b), `${op} [${sa}] [${sb}] threads ${t}`);
        assertSameValues(wasm[op](b, a), ref[op](b, a), `${op} [${sb}] [${sa}] threads ${t}`);
      }
    }
  }
  // Specials: division by ±0, infinities, NaN and overflow.
  const specials = [
    0,
    -0,
    1,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    3.4e38,
    -3.4e38,
    1e-45,
  ];
  const n = 4100;
  const x = Tensor.from(
    Float32Array.from({ length: n }, (_, i) => specials[i % specials.length]),
    [n],
  );
  const y = Tensor.from(
    Float32Array.from({ length: n }, (_, i) => specials[(i * 7 + 3) % specials.length]),
    [n],
  );
  for (const t of THREADS) {
    setNumThreads(t);
    for (const op of OPS) assertSameValues(wasm[op](x, y), ref[op](x, y), `${op} specials threads ${t}`);
  }
});
