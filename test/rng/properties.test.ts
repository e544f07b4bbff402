// How draws consume generator state (torch's rules), and state round trips.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Generator } from "../../src/rng/generator.js";
import { randnTensor } from "../../src/rng/randn-tensor.js";
import { defaultGenerator, manualSeed, rand, randint, randn } from "../../src/rng/random.js";
import { assertBitExact } from "./helpers.js";

const seeded = (seed: number | bigint) => new Generator().manualSeed(seed);

/** u32 draws torch's randn(n) consumes (float32: 1 per value; float64: 2), for n >= 16. */
function drawsOfRandn(n: number, dtype: "float32" | "float64"): number {
  const perValue = dtype === "float32" ? 1 : 2;
  return perValue * (n + (n % 16 === 0 ? 0 : 16));
}

test("randn(1) twice equals randn(2) (the cached second normal), and so does any split below 16", () => {
  for (const seed of [0, 5, 99]) {
    const whole = randn([15], { generator: seeded(seed) });
    for (const split of [
      [1, 14],
      [2, 13],
      [1, 1, 1, 12],
      [7, 8],
      [3, 5, 7],
    ]) {
      const g = seeded(seed);
      const parts = split.flatMap((k) => Array.from(randn([k], { generator: g }).data));
      assert.deepEqual(parts, Array.from(whole.data), `seed ${seed}, split ${split}`);
    }
  }
});

test("randn(n >= 16) draws n (+16 when n % 16 != 0) uniforms and leaves the cached normal untouched", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const n of [16, 17, 31, 32, 100, 640, 1000]) {
      const g = seeded(11);
      randn([n], { generator: g, dtype });
      const reference = seeded(11);
      for (let i = 0; i < drawsOfRandn(n, dtype); i++) reference.engine.nextU32();
      assert.deepEqual(g.getState(), reference.getState(), `${dtype} n=${n}`);
    }
  }
  // randn(1) leaves a cached value; randn(16) neither uses nor clears it; the next randn(1) returns it.
  const g = seeded(3);
  randn([1], { generator: g });
  const cached = g.cachedDoubleNormal;
  assert.notEqual(cached, null);
  randn([16], { generator: g });
  assert.equal(randn([1], { generator: g, dtype: "float64" }).data[0], cached);
});

test("blocks of 16 are independent: a prefix that is a multiple of 16 does not depend on n", () => {
  const a = randn([64], { generator: seeded(2) }).data;
  for (const n of [65, 79, 80, 1000]) {
    const b = randn([n], { generator: seeded(2) }).data;
    assert.deepEqual(Array.from(b.subarray(0, 48)), Array.from(a.subarray(0, 48)), `n=${n}`);
  }
  // randn(a) then randn(b), both multiples of 16, equals randn(a + b).
  const g = seeded(4);
  const joined = [...randn([32], { generator: g }).data, ...randn([48], { generator: g }).data];
  assert.deepEqual(joined, Array.from(randn([80], { generator: seeded(4) }).data));
});

test("the tail of randn(n), n % 16 != 0, is a fresh block drawn after the n uniforms", () => {
  const g = seeded(9);
  const t = randn([20], { generator: g }).data;
  const head = randn([16], { generator: seeded(9) }).data;
  // Values 0..3 come from the first block; 4..19 are the block of uniforms 20..35.
  assert.deepEqual(Array.from(t.subarray(0, 4)), Array.from(head.subarray(0, 4)));
  const skip = seeded(9);
  rand([20], { generator: skip });
  assert.deepEqual(Array.from(t.subarray(4)), Array.from(randn([16], { generator: skip }).data));
});

test("rand consumes 1 draw per float32 and 2 per float64; randint 1, or 2 when the range is >= 2^32", () => {
  const cases: Array<[string, (g: Generator) => unknown, number]> = [
    ["rand f32 x7", (g) => rand([7], { generator: g }), 7],
    ["rand f64 x7", (g) => rand([7], { generator: g, dtype: "float64" }), 14],
    ["randint small x5", (g) => randint(-3, 3, [5], { generator: g }), 5],
    ["randint 2^32 x5", (g) => randint(0, 2 ** 32, [5], { generator: g }), 10],
    ["randint 2^32-1 x5", (g) => randint(0, 2 ** 32 - 1, [5], { generator: g }), 5],
  ];
  for (const [label, draw, count] of cases) {
    const g = seeded(21);
    draw(g);
    const reference = seeded(21);
    for (let i = 0; i < count; i++) reference.engine.nextU32();
    assert.deepEqual(g.getState(), reference.getState(), label);
  }
});

test("randint values: u32 % range + low, and u64 % range + low (first draw = high word)", () => {
  const g = seeded(8);
  const values = randint(-10, 20, [50], { generator: g }).data;
  const r = seeded(8);
  for (const v of values) assert.equal(v, BigInt((r.engine.nextU32() % 30) - 10));
  const big = randint(-(2n ** 40n), 2n ** 41n, [20], { generator: g }).data;
  const range = 2n ** 41n + 2n ** 40n;
  for (const v of big) {
    const hi = BigInt(r.engine.nextU32());
    const lo = BigInt(r.engine.nextU32());
    assert.equal(v, (((hi << 32n) | lo) % range) - 2n ** 40n);
  }
  for (const v of values) assert.ok(v >= -10n && v < 20n);
});

test("setState(getState()) round-trips bytes and the continuation, also across twists and with a cached normal", () => {
  const g = seeded(12345678901234n);
  for (const draw of [
    () => randn([1], { generator: g }),
    () => randn([700], { generator: g }),
    () => rand([3], { generator: g }),
  ]) {
    draw();
    const bytes = g.getState();
    const copy = new Generator().setState(bytes);
    assert.deepEqual(copy.getState(), bytes);
    assert.equal(copy.initialSeed(), 12345678901234n);
    const x = g.clone();
    assertBitExact(randn([1], { generator: copy }), randn([1], { generator: x }), "cached / pair");
    assertBitExact(randn([33], { generator: copy }), randn([33], { generator: x }), "block path");
    assertBitExact(
      rand([5], { generator: copy, dtype: "float64" }),
      rand([5], { generator: x, dtype: "float64" }),
      "rand",
    );
  }
});

test("seeds: uint64, negatives wrap like torch, only the low 32 bits reach the state", () => {
  assert.equal(seeded(-1).initialSeed(), 2n ** 64n - 1n);
  assert.deepEqual(seeded(-1).getState(), seeded(2n ** 64n - 1n).getState());
  assert.equal(seeded(-(2n ** 63n)).initialSeed(), 2n ** 63n);
  const a = randn([40], { generator: seeded(5) });
  const b = randn([40], { generator: seeded(2 ** 32 + 5) });
  assertBitExact(a, b, "seed 5 vs 2^32 + 5");
  assert.equal(new Generator().initialSeed(), 67280421310721n);
  // manualSeed clears the cached normal.
  const g = seeded(0);
  randn([1], { generator: g });
  g.manualSeed(0);
  assert.equal(g.cachedDoubleNormal, null);
  assertBitExact(randn([2], { generator: g }), randn([2], { generator: seeded(0) }), "after reseed");
});

test("seed() draws a fresh seed, reports it, and seeds with it", () => {
  const g = new Generator();
  const s = g.seed();
  assert.equal(typeof s, "bigint");
  assert.ok(s >= 0n && s < 2n ** 64n);
  assert.equal(g.initialSeed(), s);
  assert.deepEqual(g.getState(), seeded(s).getState());
  assert.notEqual(new Generator().seed(), s); // 2^-64 chance of a false failure
});

test("manualSeed / defaultGenerator behave like torch.manual_seed / the default generator", () => {
  const returned = manualSeed(42);
  assert.equal(returned, defaultGenerator);
  const viaDefault = randn([1, 4, 8, 8]);
  assertBitExact(viaDefault, randn([1, 4, 8, 8], { generator: seeded(42) }), "default generator");
  manualSeed(42);
  assertBitExact(randnTensor([2, 3]), randn([2, 3], { generator: seeded(42) }), "randnTensor default");
});

test("randnTensor: a list of one acts as one generator; a list draws (1, ...rest) per item; extra generators are untouched", () => {
  const single = randnTensor([2, 4, 5], { generator: [seeded(3)] });
  assertBitExact(single, randn([2, 4, 5], { generator: seeded(3) }), "list of one");
  const gens = [seeded(3), seeded(4), seeded(5)];
  const untouched = gens[2].getState();
  const listed = randnTensor([2, 4, 5], { generator: gens, dtype: "float64" });
  assert.deepEqual(listed.shape, [2, 4, 5]);
  const first = randn([1, 4, 5], { generator: seeded(3), dtype: "float64" }).data;
  const second = randn([1, 4, 5], { generator: seeded(4), dtype: "float64" }).data;
  assert.deepEqual(Array.from(listed.data), [...first, ...second]);
  assert.deepEqual(gens[2].getState(), untouched);
  assert.equal(randnTensor([1, 2], { device: "cpu" }).device, "cpu");
});
