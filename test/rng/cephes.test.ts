// The hand-inlined AVX2 Box–Muller kernel against its reference form (separate log/sincos with an
// exactly rounded float32 FMA): the kernel's inputs are 24-bit uniforms, so the whole domain can be
// covered. By default every 61st value is checked; RNG_EXHAUSTIVE=1 checks all 2^24 (a few seconds).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cephesLogf,
  cephesSincosf,
  normalFill16F32Reference,
  normalFillBlocksF32,
} from "../../src/math/compat/cephes-f32.js";

const STRIDE = process.env.RNG_EXHAUSTIVE === "1" ? 1 : 61;

test(`normalFillBlocksF32 equals the reference kernel on every ${STRIDE === 1 ? "" : `${STRIDE}th `}24-bit uniform`, () => {
  const n = 1 << 24;
  const fast = new Float32Array(16 * 64);
  const ref = new Float32Array(16 * 64);
  let k = 0;
  let checked = 0;
  while (k < n) {
    for (let b = 0; b < 64; b++) {
      for (let j = 0; j < 8; j++) {
        // radius lanes walk the domain; angle lanes walk it in a scrambled order
        fast[16 * b + j] = (k % n) * 2 ** -24;
        fast[16 * b + j + 8] = (Math.imul(k, 0x9e3779b1) >>> 8) * 2 ** -24;
        k += STRIDE;
      }
    }
    ref.set(fast);
    normalFillBlocksF32(fast, 0, fast.length);
    for (let b = 0; b < 64; b++) normalFill16F32Reference(ref, 16 * b);
    for (let i = 0; i < fast.length; i++) {
      if (!Object.is(fast[i], ref[i])) assert.fail(`lane ${i} near k=${k}: fast ${fast[i]}, reference ${ref[i]}`);
    }
    checked += 512;
  }
  assert.ok(checked >= n / STRIDE);
});

test("cephesLogf / cephesSincosf: spot values agree with the true functions to float32 accuracy", () => {
  const out = new Float64Array(2);
  for (const x of [2 ** -24, 0.25, 0.5, 0.70710677, 0.75, 0.999, 1]) {
    assert.ok(
      Math.abs(cephesLogf(Math.fround(x)) - Math.log(Math.fround(x))) <= 2e-7 * Math.max(1, Math.abs(Math.log(x))),
    );
  }
  for (const x of [0, 0.1, 1, 2, 3, 4, 5, 6.2831855, -1.5]) {
    cephesSincosf(Math.fround(x), out);
    assert.ok(Math.abs(out[0] - Math.sin(Math.fround(x))) < 3e-7, `sin ${x}`);
    assert.ok(Math.abs(out[1] - Math.cos(Math.fround(x))) < 3e-7, `cos ${x}`);
  }
});
