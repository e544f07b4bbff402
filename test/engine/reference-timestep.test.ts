import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { referenceBackend as ref, timestepFrequencies } from "../../src/engine/reference/index.js";
import { SafetensorsBuffer } from "../../src/io/safetensors.js";
import { fmaF32 } from "../../src/math/compat/fma.js";
import { sleefExpf } from "../../src/math/compat/sleef-f32.js";
import { loadJsonFixture, sharedPath } from "../helpers/fixtures.js";
import { mulberry32 } from "./reference-helpers.js";

interface Case {
  dim: number;
  flip: boolean;
  shift: number;
  scale?: number;
  max_period?: number;
  timesteps: number[];
  values: number[];
}

test("timestepEmbedding matches Diffusers' get_timestep_embedding on torch 1.13.1 (fixture)", () => {
  const { timestep } = loadJsonFixture<{ timestep: Case[] }>("engine", "torch-reference.json");
  for (const c of timestep) {
    const y = ref.timestepEmbedding(Float32Array.from(c.timesteps), c.dim, {
      flipSinToCos: c.flip,
      downscaleFreqShift: c.shift,
      scale: c.scale,
      maxPeriod: c.max_period,
    });
    assert.deepEqual(y.shape, [c.timesteps.length, c.dim]);
    let worst = 0;
    let exact = 0;
    for (let i = 0; i < c.values.length; i++) {
      worst = Math.max(worst, Math.abs(y.data[i] - c.values[i]));
      if (y.data[i] === c.values[i]) exact++;
    }
    // Same float32 rounding points and the same float32 exp as torch; only torch's float32 sin/cos (SLEEF,
    // ≤ 1 ulp) can differ from our correctly rounded ones.
    assert.ok(worst <= 2 ** -24, `dim ${c.dim}: max |Δ| ${worst}`);
    assert.ok(exact / c.values.length > 0.9, `dim ${c.dim}: only ${exact}/${c.values.length} identical`);
    if (c.dim % 2 === 1) {
      for (let r = 0; r < c.timesteps.length; r++) assert.equal(y.data[r * c.dim + c.dim - 1], 0, "odd dim pads 0");
    }
  }
});

test("sleefExpf reproduces torch.exp on float32 bit for bit (fixture)", () => {
  const { exp } = loadJsonFixture<{ exp: { x: number[]; y: number[] } }>("engine", "torch-reference.json");
  for (let i = 0; i < exp.x.length; i++) assert.equal(sleefExpf(exp.x[i]), exp.y[i], `exp(${exp.x[i]})`);
});

test("fmaF32 rounds a·b + c once (checked against exact BigInt arithmetic, ties included)", () => {
  const rand = mulberry32(77);
  const cases: [number, number, number][] = [];
  for (let i = 0; i < 3000; i++) {
    const a = Math.fround((rand() - 0.5) * 2 ** Math.floor(rand() * 20 - 10));
    const b = Math.fround((rand() - 0.5) * 2 ** Math.floor(rand() * 20 - 10));
    // c close to −a·b exercises cancellation; otherwise random.
    const c = i % 3 === 0 ? Math.fround(-a * b * (1 + (rand() - 0.5) * 2 ** -20)) : Math.fround(rand() - 0.5);
    cases.push([a, b, c]);
  }
  // Exact ties: (1 + 2^-23)·(1 + 2^-24·k) patterns and 1 + 2^-24 ± tiny.
  cases.push([1, 1, 2 ** -24], [1 + 2 ** -23, 1 + 2 ** -23, 2 ** -24], [1 + 2 ** -12, 1 + 2 ** -12, -(2 ** -24)]);
  cases.push([Math.fround(1 + 2 ** -12), Math.fround(1 - 2 ** -12), 2 ** -24], [3, 2 ** -25, 1]);
  for (const [a, b, c] of cases) assert.equal(fmaF32(a, b, c), exactFma32(a, b, c), `fma(${a}, ${b}, ${c})`);
});

/** Correctly rounded float32 of a·b + c via exact scaled BigInt arithmetic. */
function exactFma32(a: number, b: number, c: number): number {
  const SCALE = 200; // all operands here are multiples of 2^-200
  const big = (v: number) => BigInt(v * 2 ** 100) * 2n ** 100n; // v·2^200 (exact for these inputs)
  const exact = (big(a) * big(b)) / 2n ** BigInt(SCALE) + big(c); // a·b·2^200 is an integer here
  // Round: candidates around the float64 approximation, pick the nearest (ties to even mantissa).
  const approx = Math.fround(Number(exact) / 2 ** SCALE);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  let best = approx;
  let bestErr: bigint | null = null;
  for (const delta of [-1, 0, 1]) {
    f[0] = approx;
    u[0] += delta * (approx < 0 ? -1 : 1);
    const cand = f[0];
    const err = exact - big(cand);
    const absErr = err < 0n ? -err : err;
    if (bestErr === null || absErr < bestErr || (absErr === bestErr && (u[0] & 1) === 0)) {
      best = cand;
      bestErr = absErr;
    }
  }
  return best;
}

test("timestepEmbedding: frequency rounding points and input validation", () => {
  // exponent_i = f32(f32(−ln 10000)·i) / 3 in float32, then torch's float32 exp.
  const f = timestepFrequencies(4, 1, 10000);
  const exponents = [0, 1, 2, 3].map((i) => Math.fround(Math.fround(Math.fround(-9.210340371976184) * i) / 3));
  assert.deepEqual(Array.from(f), exponents.map(sleefExpf));
  assert.equal(f[1], 0.04641588777303696); // torch's value; the correctly rounded float32 is 0.046415891498327255
  assert.throws(
    () => ref.timestepEmbedding([1, 2] as never, 8, { flipSinToCos: true, downscaleFreqShift: 1 }),
    /timestepEmbedding: timesteps must be a Float32Array/,
  );
  assert.throws(
    () => ref.timestepEmbedding(new Float32Array(1), 0, { flipSinToCos: true, downscaleFreqShift: 1 }),
    /dim must be a positive integer/,
  );
  assert.throws(
    () => ref.timestepEmbedding(new Float32Array(1), 2, { flipSinToCos: true, downscaleFreqShift: 1 }),
    /divides by zero/,
  );
});

test("conformance: time_proj of the unet2d_tiny golden (skips without /work/shared)", (t) => {
  const path = sharedPath("golden", "models", "unet2d_tiny", "activations.safetensors");
  if (path === null) {
    t.skip("shared golden data not present");
    return;
  }
  const golden = SafetensorsBuffer.parse(readFileSync(path), path).float32("time_proj");
  const y = ref.timestepEmbedding(new Float32Array([10]), 32, { flipSinToCos: true, downscaleFreqShift: 0 });
  let worst = 0;
  for (let i = 0; i < 32; i++) worst = Math.max(worst, Math.abs(y.data[i] - golden.data[i]));
  // Measured: 30 of 32 values identical, the others 1 float32 ulp (torch's SLEEF sin/cos).
  assert.ok(worst <= 2 ** -24, `max |Δ| ${worst}`);
});
