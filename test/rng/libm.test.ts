// The libm emulations against the real thing: glibc 2.36 outputs (test/fixtures/rng/make_libm.py),
// chosen mostly where glibc is not correctly rounded, and the float32 FMA helper against BigInt.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fma, fmaF32 } from "../../src/math/compat/fma.js";
import { glibcLog } from "../../src/math/compat/glibc-log.js";
import { glibcCos, glibcSin } from "../../src/math/compat/glibc-sincos.js";
import { golden } from "./helpers.js";

for (const [name, fn] of [
  ["log", glibcLog],
  ["sin", glibcSin],
  ["cos", glibcCos],
] as const) {
  test(`glibc ${name}: identical to glibc 2.36 (FMA build), including its not-correctly-rounded results`, () => {
    const fx = golden("libm_glibc.safetensors");
    const xs = fx.tensor(`${name}_x`).data as Float64Array;
    const ys = fx.tensor(`${name}_y`).data as Float64Array;
    const hard = (fx.tensor(`${name}_hard_count`).data as Float64Array)[0];
    assert.ok(hard > 100 && xs.length > 2 * hard - 1, `${name}: fixture holds ${hard} hard cases of ${xs.length}`);
    let mismatches = 0;
    let example = "";
    let mathDiffers = 0;
    const ref = name === "log" ? Math.log : name === "sin" ? Math.sin : Math.cos;
    for (let i = 0; i < xs.length; i++) {
      const got = fn(xs[i]);
      if (!Object.is(got, ys[i])) {
        mismatches++;
        if (!example) example = `${name}(${xs[i]}) = ${got}, glibc ${ys[i]}`;
      }
      if (!Object.is(ref(xs[i]), ys[i])) mathDiffers++;
    }
    assert.equal(mismatches, 0, example);
    // The test has teeth: the engine's own Math function disagrees with glibc on many of these inputs.
    assert.ok(mathDiffers > hard / 4, `Math.${name} differs on only ${mathDiffers}`);
  });
}

function exactFma(a: number, b: number, c: number): number {
  // Exact rational a*b + c via BigInt scaled by 2^1100, then rounded to double by a careful path.
  const scale = 1100n;
  const toBig = (x: number): bigint => {
    const f = new Float64Array([x]);
    const u = new BigUint64Array(f.buffer)[0];
    const exp = Number((u >> 52n) & 0x7ffn);
    let mant = u & ((1n << 52n) - 1n);
    if (exp !== 0) mant |= 1n << 52n;
    const e = (exp === 0 ? 1 : exp) - 1075;
    const v = mant << BigInt(e + 550);
    return u >> 63n ? -v : v;
  };
  const sum = toBig(a) * toBig(b) + (toBig(c) << 550n);
  // sum is the exact value times 2^1100; round to 53 bits (ties to even).
  if (sum === 0n) return 0;
  const neg = sum < 0n;
  const mag = neg ? -sum : sum;
  const bits = mag.toString(2).length;
  const shift = bits - 53;
  let q = mag >> BigInt(shift);
  const rem = mag - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const v = Number(q) * 2 ** (shift - Number(scale));
  return neg ? -v : v;
}

test("fma (double) equals the exactly rounded a*b + c, including near-ties", () => {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < 3000; i++) {
    const a = (next() - 0.5) * 2 ** Math.floor(next() * 40 - 20);
    const b = (next() - 0.5) * 2 ** Math.floor(next() * 40 - 20);
    // c close to -a*b makes heavy cancellation; c tiny makes the product dominate.
    const c =
      i % 3 === 0 ? -(a * b) * (1 + (next() - 0.5) * 2 ** -30) : (next() - 0.5) * 2 ** Math.floor(next() * 60 - 40);
    assert.equal(fma(a, b, c), exactFma(a, b, c), `fma(${a}, ${b}, ${c})`);
  }
  // A case where a*b + c rounded twice is wrong: 1 + 2^-53 + 2^-106-ish.
  const a = 1 + 2 ** -52;
  const b = 1 - 2 ** -53;
  assert.equal(fma(a, b, -1), exactFma(a, b, -1));
  assert.notEqual(fma(a, b, -1), a * b - 1);
});

test("fmaF32 equals the exactly rounded float32 a*b + c, including double-rounding midpoints", () => {
  const f = Math.fround;
  // exact = 1 + 2^-24 + 2^-70: the double sum rounds to the float32 midpoint 1 + 2^-24, which then
  // ties to even (1), while the exact value lies above the midpoint (1 + 2^-23).
  const a = f(-(1 + 2 ** -23));
  const b = f(2 ** -24 - 2 ** -47);
  const c = f(1 + 2 ** -23);
  assert.equal(fmaF32(a, b, c), f(1 + 2 ** -23));
  assert.equal(f(a * b + c), 1, "the naive emulation double-rounds here");
  let state = 99;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < 3000; i++) {
    const x = f((next() - 0.5) * 8);
    const y = f((next() - 0.5) * 8);
    const z = f((next() - 0.5) * 2 ** Math.floor(next() * 30 - 15));
    assert.equal(fmaF32(x, y, z), f(exactFma(x, y, z)), `fmaF32(${x}, ${y}, ${z})`);
  }
});
