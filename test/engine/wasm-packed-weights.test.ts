// The packed-weight cache: half weights widened exactly, eviction under a byte budget and under a capped
// wasm memory, and the accounting that proves evicted buffers are really freed. Every result must equal
// the reference backend bit for bit whatever was evicted in between.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Weight } from "../../src/engine/backend.js";
import {
  getPackedWeightStats,
  referenceBackend as ref,
  setNumThreads,
  setPackedWeightBudget,
} from "../../src/engine/index.js";
import { WasmRuntime } from "../../src/engine/wasm/runtime.js";
import { widenFloat16, widenToFloat32 } from "../../src/tensor/half.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertSameBits, randomTensor, wasmBackend } from "./wasm-helpers.js";

const wasm = wasmBackend();

/** Seeded half bit patterns: finite values of every exponent, subnormals and both zeros included. */
function randomHalf(shape: number[], seed: number, dtype: "float16" | "bfloat16"): Weight {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const bits = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = s >>> 16;
    // Finite, moderate weights: float16 with the top exponent bit clear (|x| < 2, subnormals included);
    // bfloat16 with exponents 120..127 (|x| in [2^-7, 2)).
    const b = dtype === "float16" ? r & 0xbfff : (r & 0x807f) | ((120 + ((r >> 7) & 7)) << 7);
    bits[i] = i % 17 === 0 ? (i % 34 === 0 ? 0x8000 : 0x0001) : b;
  }
  return Tensor.from(bits, shape, dtype);
}

test("half conv2d/linear weights give the bits of their exact float32 widening (1/2/3 threads)", () => {
  for (const dtype of ["float16", "bfloat16"] as const) {
    const x = randomTensor([2, 7, 9, 11], 1);
    const w = randomHalf([10, 7, 3, 3], 2, dtype);
    const bias = randomTensor([10], 3);
    const wide = widenToFloat32(w);
    const expected = ref.conv2d(x, wide, bias, { padding: 1 });
    assertSameBits(ref.conv2d(x, w, bias, { padding: 1 }), expected, `reference conv2d ${dtype}`);
    const xl = randomTensor([5, 33], 4);
    const wl = randomHalf([19, 33], 5, dtype);
    const expectedLinear = ref.linear(xl, widenToFloat32(wl), null);
    for (const t of [1, 2, 3]) {
      setNumThreads(t);
      assertSameBits(wasm.conv2d(x, w, bias, { padding: 1 }), expected, `wasm conv2d ${dtype} ${t} threads`);
      assertSameBits(wasm.linear(xl, wl, null), expectedLinear, `wasm linear ${dtype} ${t} threads`);
    }
  }
});

test("a weight of another dtype is refused by name", () => {
  const x = randomTensor([1, 4], 6);
  const w = Tensor.from(new Float64Array(8), [2, 4]) as unknown as Weight;
  assert.throws(() => wasm.linear(x, w, null), /linear weight must be float32, float16 or bfloat16, got float64/);
  assert.throws(() => ref.linear(x, w, null), /weight must be float32, float16 or bfloat16, got float64/);
});

const C = 192;
/** Packed bytes of one conv weight of the test network (1.3 MiB). */
const CONV_BYTES = C * C * 9 * 4;

/** Convs (float32 and float16 weights alternating) with group norms, then a float16 linear head, on [N, C, 4, 4]. */
function network(layers: number, seed: number) {
  const convs = Array.from({ length: layers }, (_, i) => ({
    w: i % 2 === 0 ? randomTensor([C, C, 3, 3], seed + i, 0.05) : randomHalf([C, C, 3, 3], seed + i, "float16"),
    b: randomTensor([C], seed + 100 + i),
  }));
  const head = randomHalf([48, C * 16], seed + 200, "float16");
  return (x: Tensor<"float32">, backend: typeof ref) => {
    let h = x;
    for (const { w, b } of convs) h = backend.groupNorm(backend.conv2d(h, w, b, { padding: 1 }), 8, b, b, 1e-5);
    return backend.linear(h.reshape([h.shape[0], C * 16]), head, null);
  };
}

test("the default budget packs per use: nothing stays packed between ops", () => {
  assert.equal(getPackedWeightStats()?.budget, 0);
  const run = network(3, 90);
  const x = randomTensor([1, C, 4, 4], 91);
  const expected = run(x, ref);
  assertSameBits(run(x, wasm), expected, "default budget");
  const { bytes } = getPackedWeightStats()!;
  assert.ok(bytes <= C * 16 * 48 * 4, `only the last op's weight is left (${bytes} bytes)`);
});

test("a byte budget evicts least recently used weights; re-packed weights give identical bits", () => {
  const run = network(6, 10);
  const x = randomTensor([2, C, 4, 4], 9);
  const expected = run(x, ref);
  setNumThreads(2);
  wasm.clearPackedWeights();
  wasm.setPackedWeightBudget(Number.POSITIVE_INFINITY);
  assertSameBits(run(x, wasm), expected, "unlimited budget");
  const full = wasm.packedWeightStats;
  assert.ok(full.bytes >= 6 * CONV_BYTES, `every conv stays packed (${full.bytes} bytes)`);
  const packsBefore = full.packs;
  assertSameBits(run(x, wasm), expected, "second pass (all hits)");
  assert.equal(wasm.packedWeightStats.packs, packsBefore, "nothing re-packed with room to spare");

  const budget = 3 * CONV_BYTES;
  wasm.setPackedWeightBudget(budget);
  assert.ok(wasm.packedWeightStats.bytes <= budget, "setting a budget evicts down to it at once");
  for (let pass = 0; pass < 3; pass++) {
    const before = wasm.packedWeightStats;
    assertSameBits(run(x, wasm), expected, `budget pass ${pass}`);
    const after = wasm.packedWeightStats;
    assert.ok(after.evictions > before.evictions, "the budget forces evictions");
    assert.ok(after.packs > before.packs, "evicted weights are packed again");
    // Between ops only the last op's own weights may exceed the budget.
    assert.ok(after.bytes <= budget + C * 16 * 48 * 4, `bytes ${after.bytes} within the budget`);
  }

  setPackedWeightBudget(0);
  assert.equal(getPackedWeightStats()?.budget, 0, "the engine-level setter reaches the wasm backend");
  assertSameBits(run(x, wasm), expected, "budget 0: every weight packed per use");
  setPackedWeightBudget(Number.POSITIVE_INFINITY);
  assert.throws(() => setPackedWeightBudget(-1), /non-negative number of bytes, got -1/);
  assert.throws(() => setPackedWeightBudget(Number.NaN), /non-negative number of bytes, got NaN/);
});

test("clearing frees every packed byte back to the heap", () => {
  const heap = WasmRuntime.get().heap;
  setPackedWeightBudget(Number.POSITIVE_INFINITY);
  const run = network(4, 40);
  const x = randomTensor([1, C, 4, 4], 41);
  run(x, wasm); // sizes the per-thread workspace, which is not a packed weight
  wasm.clearPackedWeights();
  const base = heap.allocatedBytes;
  run(x, wasm);
  const { bytes, entries } = wasm.packedWeightStats;
  assert.ok(entries >= 9 && bytes > 0);
  assert.equal(heap.allocatedBytes - base, bytes, "heap accounting equals the cache's bytes");
  wasm.clearPackedWeights();
  assert.deepEqual([wasm.packedWeightStats.entries, wasm.packedWeightStats.bytes], [0, 0]);
  assert.equal(heap.allocatedBytes, base);
  setPackedWeightBudget(0);
});

test("under a capped wasm memory the heap reclaims packed weights instead of failing", () => {
  const heap = WasmRuntime.get().heap;
  const memory = heap.memory;
  wasm.clearPackedWeights();
  const run = network(12, 70);
  const x = randomTensor([1, C, 4, 4], 71);
  const expected = run(x, ref);
  run(x, wasm);
  wasm.clearPackedWeights();
  // Fill the memory as it is now with ballast, then free the last 8 MiB of it: room for about six of the
  // 12 convs (1.3 MiB packed each, 16 MiB in all), so the rest must come from reclaiming.
  const cap = memory.buffer.byteLength;
  heap.setLimit(cap);
  setPackedWeightBudget(Number.POSITIVE_INFINITY); // only the heap's pressure evicts
  const ballast: number[] = [];
  for (;;) {
    try {
      ballast.push(heap.alloc(2 ** 20));
    } catch {
      break;
    }
  }
  for (const ptr of ballast.splice(-8)) heap.free(ptr);
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      const before = wasm.packedWeightStats.evictions;
      assertSameBits(run(x, wasm), expected, `capped memory, ${t} threads`);
      assert.ok(wasm.packedWeightStats.evictions > before, "the heap reclaimed packed weights");
      assert.ok(memory.buffer.byteLength <= cap, "the memory never grew past the cap");
    }
    // One op that cannot fit even with every weight evicted fails with the heap's message.
    const big = randomTensor([1, 64, 256, 256], 72);
    assert.throws(
      () => wasm.conv2d(big, randomTensor([64, 64, 3, 3], 73), null, { padding: 1 }),
      /wasm memory exhausted/,
    );
    // ... and leaves the cache usable.
    assertSameBits(run(x, wasm), expected, "after a failed op");
  } finally {
    for (const ptr of ballast) heap.free(ptr);
    heap.setLimit(null);
    setPackedWeightBudget(0);
  }
});

test("the wasm float16 widening equals the exact JS one on all 65536 patterns, also in place", () => {
  const rt = WasmRuntime.get();
  const all = new Uint16Array(65536 + 5).map((_, i) => i & 0xffff); // +5: a scalar tail after the SIMD body
  const expected = new Uint32Array(widenFloat16(all).buffer);
  rt.heap.scratch((alloc) => {
    const n = all.length;
    const dst = alloc(n * 4);
    const bitsAt = dst + n * 2; // the layout PackedWeights uses: bits in the upper half, widened forward
    new Uint16Array(rt.heap.memory.buffer, bitsAt, n).set(all);
    rt.kernels.widenF16(bitsAt, dst, n);
    const actual = new Uint32Array(rt.heap.memory.buffer, dst, n);
    for (let i = 0; i < n; i++) {
      if (actual[i] !== expected[i]) assert.fail(`0x${all[i].toString(16)}: ${actual[i]} vs ${expected[i]}`);
    }
  });
});
