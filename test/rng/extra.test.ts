// Extra torch 1.13.1 references made by test/fixtures/rng/make_extra.py (see the README there).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Generator } from "../../src/rng/generator.js";
import { rand, randint, randn } from "../../src/rng/random.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { loadJsonFixture } from "../helpers/fixtures.js";
import { assertBitExact, golden, stateBytes } from "./helpers.js";

function sha256(t: Tensor): string {
  const d = t.data as Float32Array | Float64Array;
  return createHash("sha256")
    .update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
    .digest("hex");
}

function dtypeOf(tag: string): "float32" | "float64" | "int64" {
  return tag === "f32" ? "float32" : tag === "f64" ? "float64" : "int64";
}

test("a long mixed sequence on one generator (cache, tails, twists, randint ranges ≥ 2^32) matches torch step by step", () => {
  const fx = golden("extra_sequence.safetensors");
  const keys = fx.keys().sort();
  assert.equal(keys.length, 24);
  const g = new Generator().manualSeed(7);
  for (const key of keys) {
    const parts = key.split("_");
    const op = parts[1];
    if (op === "state") {
      assert.deepEqual(g.getState(), stateBytes(fx, key), `${key}: state bytes`);
      continue;
    }
    let actual: Tensor;
    if (op === "randint") {
      const [lo, hi, dims, tag] = parts.slice(2);
      const shape = dims.split("x").map(Number);
      actual = randint(BigInt(lo), BigInt(hi), shape, { generator: g, dtype: dtypeOf(tag) });
    } else {
      const [dims, tag] = parts.slice(2);
      const shape = dims.split("x").map(Number);
      const dtype = dtypeOf(tag) as "float32" | "float64";
      actual = (op === "randn" ? randn : rand)(shape, { generator: g, dtype });
    }
    assertBitExact(actual, fx.tensor(key), key);
  }
});

test("a state torch captured mid-sequence (holding a cached normal) resumes identically", () => {
  const fx = golden("extra_sequence.safetensors");
  const resumed = new Generator().setState(stateBytes(fx, "01_state"));
  assertBitExact(randn([1], { generator: resumed }), fx.tensor("02_randn_1_f32"), "cached value");
  assertBitExact(randn([2], { generator: resumed }), fx.tensor("03_randn_2_f32"), "next pair");
  const later = new Generator().setState(stateBytes(fx, "11_state"));
  const key = fx.keys().find((k) => k.startsWith("12_randint"))!;
  assertBitExact(randint(0n, 2n ** 40n, [6], { generator: later }), fx.tensor(key), key);
});

interface Hashes {
  randn_f32: Record<string, string>;
  randn_f64: Record<string, string>;
  randn_small_repeated: Record<string, string>;
}

function parseKey(key: string): { seed: bigint; n: number } {
  const m = /^seed(\d+)_n(\d+)$/.exec(key)!;
  return { seed: BigInt(m[1]), n: Number(m[2]) };
}

test("randn float32, n up to 65536 over 5 seeds: sha256 of the bytes equals torch's", () => {
  const hashes = loadJsonFixture<Hashes>("rng", "extra_hashes.json");
  const keys = Object.keys(hashes.randn_f32);
  assert.equal(keys.length, 15);
  for (const key of keys) {
    const { seed, n } = parseKey(key);
    assert.equal(sha256(randn([n], { generator: new Generator().manualSeed(seed) })), hashes.randn_f32[key], key);
  }
});

test("randn float64 (glibc log/sin/cos path), 4096 values over 5 seeds: sha256 equals torch's", () => {
  const hashes = loadJsonFixture<Hashes>("rng", "extra_hashes.json");
  for (const [key, expected] of Object.entries(hashes.randn_f64)) {
    const { seed, n } = parseKey(key);
    const t = randn([n], { generator: new Generator().manualSeed(seed), dtype: "float64" });
    assert.equal(sha256(t), expected, key);
  }
});

test("400 calls of randn(15) float64 (double Box–Muller with the cache across calls): sha256 equals torch's", () => {
  const hashes = loadJsonFixture<Hashes>("rng", "extra_hashes.json");
  for (const [key, expected] of Object.entries(hashes.randn_small_repeated)) {
    const seed = BigInt(/^seed(\d+)_/.exec(key)![1]);
    const g = new Generator().manualSeed(seed);
    const h = createHash("sha256");
    for (let i = 0; i < 400; i++) {
      const d = randn([15], { generator: g, dtype: "float64" }).data;
      h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
    assert.equal(h.digest("hex"), expected, key);
  }
});
