import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  widenBfloat16,
  widenFloat16,
  widenHalfInto,
  widenToFloat32,
} from "../../src/tensor/half.js";
import { Tensor } from "../../src/tensor/tensor.js";

/** binary16 by its definition: (-1)^s · 2^(e-15) · 1.m, subnormals 2^-14 · 0.m. */
function float16ByDefinition(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

test("float16 widening is exact for all 65536 patterns, keeping NaN payloads and -0", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const wide = widenFloat16(all);
  const bits = new Uint32Array(wide.buffer);
  for (let h = 0; h < 65536; h++) {
    const expected = float16ByDefinition(h);
    assert.ok(
      Object.is(wide[h], Math.fround(expected)) || (Number.isNaN(expected) && Number.isNaN(wide[h])),
      `0x${h.toString(16)}`,
    );
    assert.ok(Object.is(float16BitsToNumber(h), wide[h]) || Number.isNaN(wide[h]));
    if (Number.isNaN(expected)) assert.equal(bits[h] & 0x7fffff, (h & 0x3ff) << 13, "NaN payload kept");
  }
  assert.ok(Object.is(wide[0x8000], -0));
});

test("bfloat16 widening is the top half of the float32 pattern", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const bits = new Uint32Array(widenBfloat16(all).buffer);
  for (let b = 0; b < 65536; b++) assert.equal(bits[b], (b << 16) >>> 0);
  assert.equal(bfloat16BitsToNumber(0x3f80), 1);
});

test("widenHalfInto writes at an offset and refuses what does not fit", () => {
  const dst = new Float32Array(5).fill(7);
  widenHalfInto("float16", Uint16Array.from([0x3c00, 0xc000]), dst, 2);
  assert.deepEqual([...dst], [7, 7, 1, -2, 7]);
  assert.throws(() => widenHalfInto("float16", new Uint16Array(4), dst, 2), /do not fit/);
});

test("widenToFloat32 keeps float32 tensors and widens half ones", () => {
  const f = Tensor.from(new Float32Array([1, 2]), [2]);
  assert.equal(widenToFloat32(f), f);
  const h = Tensor.from(Uint16Array.from([0x3c00, 0x3800]), [1, 2], "float16");
  const w = widenToFloat32(h);
  assert.equal(w.dtype, "float32");
  assert.deepEqual([...w.data, ...w.shape], [1, 0.5, 1, 2]);
});
