// Bad input gets a clear error naming the value; a rejected state leaves the generator unchanged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Generator, STATE_BYTES } from "../../src/rng/generator.js";
import { randnTensor } from "../../src/rng/randn-tensor.js";
import { rand, randint, randn } from "../../src/rng/random.js";

test("bad seeds are rejected with the value in the message", () => {
  const g = new Generator();
  const cases: Array<[unknown, RegExp, ErrorConstructor]> = [
    [1.5, /integer, got 1\.5/, TypeError],
    [Number.NaN, /got NaN/, TypeError],
    [Number.POSITIVE_INFINITY, /got Infinity/, TypeError],
    [2 ** 53, /9007199254740992 is not a safe integer.*bigint/, TypeError],
    ["3", /got string "3"/, TypeError],
    [2n ** 64n, /18446744073709551616n is outside \[-2\^63, 2\^64 - 1\]/, RangeError],
    [-(2n ** 63n) - 1n, /-9223372036854775809n is outside/, RangeError],
  ];
  for (const [seed, message, type] of cases) {
    assert.throws(
      () => g.manualSeed(seed as number),
      (e: Error) => e instanceof type && message.test(e.message),
    );
  }
  assert.equal(g.initialSeed(), 67280421310721n, "a rejected seed changes nothing");
});

function editedState(edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const g = new Generator().manualSeed(1);
  randn([3], { generator: g });
  const bytes = g.getState();
  edit(new DataView(bytes.buffer), bytes);
  return bytes;
}

test("bad state bytes: wrong length, out-of-range or inconsistent header fields, non-0/1 flags", () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["too short", new Uint8Array(STATE_BYTES - 8), /must be 5056 bytes.*got 5048/],
    ["too long", new Uint8Array(STATE_BYTES + 1), /got 5057/],
    ["left = 0", editedState((v) => v.setInt32(8, 0, true)), /'left' at byte 8 is 0, expected 1\.\.624/],
    ["left = 625", editedState((v) => v.setInt32(8, 625, true)), /'left' .* is 625/],
    ["next = 625", editedState((v) => v.setBigUint64(16, 625n, true)), /'next' at byte 16 is 625/],
    [
      "left + next too large",
      editedState((v) => {
        v.setInt32(8, 600, true);
        v.setBigUint64(16, 100n, true);
      }),
      /'left' \(600\) \+ 'next' \(100\) exceeds 625/,
    ],
    ["seeded = 0", editedState((v) => v.setInt32(12, 0, true)), /'seeded' at byte 12 is 0, expected 1/],
    ["normal_is_valid = 2", editedState((v) => v.setInt32(5040, 2, true)), /'normal_is_valid' .* is 2/],
    ["float flag = 7", editedState((_, b) => (b[5052] = 7)), /is_next_float_normal_sample_valid' .* is 7/],
    ["state word > 32 bits", editedState((v) => v.setUint32(24 + 8 * 5 + 4, 1, true)), /state word 5 .* 32 bits/],
    [
      "cached normal NaN",
      editedState((v) => {
        v.setInt32(5040, 1, true);
        v.setFloat64(5024, Number.NaN, true);
      }),
      /'normal_y' is NaN/,
    ],
  ];
  for (const [label, bytes, message] of cases) {
    const g = new Generator().manualSeed(77);
    const before = g.getState();
    assert.throws(() => g.setState(bytes), message, label);
    assert.deepEqual(g.getState(), before, `${label}: state unchanged`);
  }
  assert.throws(() => new Generator().setState([1, 2] as unknown as Uint8Array), /must be a Uint8Array/);
});

test("bad shapes are rejected before any state is consumed", () => {
  const g = new Generator().manualSeed(0);
  const before = g.getState();
  for (const shape of [[-1], [2, 1.5], [Number.NaN], [3, Number.POSITIVE_INFINITY]]) {
    assert.throws(() => randn(shape, { generator: g }), /invalid shape/);
    assert.throws(() => rand(shape, { generator: g }), /invalid shape/);
    assert.throws(() => randint(0, 5, shape, { generator: g }), /invalid shape/);
    assert.throws(() => randnTensor(shape, { generator: g }), /invalid shape/);
  }
  assert.throws(() => randn(7 as unknown as number[], { generator: g }), /shape must be an array/);
  assert.deepEqual(g.getState(), before);
  assert.deepEqual(randn([0, 3], { generator: g }).shape, [0, 3]);
  assert.deepEqual(g.getState(), before, "an empty tensor draws nothing");
});

test("generator lists: too short, empty, or holding a non-generator; scalar shape with a list", () => {
  const gens = [new Generator(), new Generator()];
  assert.throws(() => randnTensor([3, 4], { generator: gens }), /got 2 generators for a batch of 3/);
  assert.throws(() => randnTensor([1, 4], { generator: [] }), /got 0 generators for a batch of 1/);
  assert.throws(
    () => randnTensor([2, 4], { generator: [gens[0], {} as Generator] }),
    /generator\[1\] is not a Generator/,
  );
  assert.throws(() => randnTensor([], { generator: gens }), /needs a shape with a batch dimension/);
});

test("bad dtypes, bounds and generators", () => {
  const g = new Generator();
  assert.throws(() => randn([2], { generator: g, dtype: "float16" as "float32" }), /dtype "float16" is not supported/);
  assert.throws(() => rand([2], { generator: g, dtype: "int64" as "float32" }), /dtype "int64" is not supported/);
  assert.throws(() => randint(0, 5, [2], { generator: g, dtype: "bfloat16" as "int64" }), /dtype "bfloat16"/);
  assert.throws(() => randint(5, 5, [2], { generator: g }), /low must be less than high, got low=5 and high=5/);
  assert.throws(() => randint(0.5, 5, [2], { generator: g }), /low must be a safe integer or a bigint, got 0\.5/);
  assert.throws(() => randint(0, 2n ** 63n, [2], { generator: g }), /high=9223372036854775808n does not fit in int64/);
  assert.throws(() => randn([2], { generator: {} as Generator }), /options.generator must be a Generator/);
});
