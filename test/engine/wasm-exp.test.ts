import assert from "node:assert/strict";
import { test } from "node:test";
import { WasmRuntime } from "../../src/engine/wasm/runtime.js";
import { exp } from "../../src/math/exp.js";

/** v and the `count` doubles on either side of it. */
function neighbours(v: number, count: number): number[] {
  const bits = new Float64Array(1);
  const words = new BigInt64Array(bits.buffer);
  bits[0] = v;
  const w = words[0];
  const out: number[] = [];
  for (let d = -BigInt(count); d <= BigInt(count); d++) {
    words[0] = w + d;
    out.push(bits[0]);
  }
  return out;
}

// The softmax kernels evaluate exp in wasm, two lanes at a time; it must return src/math's bits everywhere.
test("wasm exp (scalar and two-lane) equals src/math exp bit for bit on a dense sweep", () => {
  const rt = WasmRuntime.get();
  const xs: number[] = [];
  for (let x = -760; x <= 720; x += 0.0137) xs.push(x);
  for (let x = -2; x <= 2; x += 1 / 4096) xs.push(x);
  for (let e = -60; e <= 0; e++) xs.push(2 ** e, -(2 ** e), 3.7e-9 * 2 ** (e / 8), -3.7e-9 * 2 ** (e / 8));
  xs.push(0, -0, 0.34657359027997264, -0.34657359027997264, 1.0397207708399179, -1.0397207708399179);
  xs.push(-708, -708.1, -708.4, -745.1, -745.2, 709, 709.4, 709.78, 709.79, Number.NaN);
  xs.push(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -1e-300, 1e-300);
  // The doubles next to the branch points (|x| = ln2/2, 1.5·ln2, 2^−28) and the two-lane path's limits.
  for (const v of [0.34657359027997264, 1.0397207708399179, 3.725290298461914e-9, 708, 709]) {
    for (const x of neighbours(v, 40)) xs.push(x, -x);
  }
  const n = xs.length;
  const src = rt.heap.alloc(n * 8);
  const dst = rt.heap.alloc(n * 8);
  try {
    new Float64Array(rt.heap.memory.buffer, src, n).set(xs);
    rt.kernels.expArray(src, dst, n);
    const got = new Float64Array(rt.heap.memory.buffer, dst, n);
    for (let i = 0; i < n; i++) {
      const want = exp(xs[i]);
      if (!(Object.is(got[i], want) || (Number.isNaN(got[i]) && Number.isNaN(want)))) {
        assert.fail(`exp(${xs[i]}): wasm ${got[i]} vs src/math ${want}`);
      }
    }
  } finally {
    rt.heap.free(dst);
    rt.heap.free(src);
  }
});

// The softmax's exp assumes x in [−708, 0] (x_j − max) and collapses fdlibm's branches there; its checked
// form sends every other input to the scalar exp. Swept densely, with the branch boundaries and their
// neighbouring doubles.
test("wasm softmax-domain exp equals src/math exp bit for bit on [−760, 0] and outside it", () => {
  const rt = WasmRuntime.get();
  const xs: number[] = [];
  for (let x = -760; x <= 0; x += 0.00731) xs.push(x);
  for (let x = -2; x <= 0; x += 1 / 65536) xs.push(x);
  for (let e = -70; e <= 3; e++) xs.push(-(2 ** e), -3.7e-9 * 2 ** (e / 8), -(2 ** e) * 1.000001);
  for (const v of [-0.34657359027997264, -1.0397207708399179, -3.725290298461914e-9, -708, -745.1332191019411]) {
    xs.push(...neighbours(v, 40));
  }
  xs.push(0, -0, 1e-300, 0.5, 709, 710, -1e-300, -746, Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const n = xs.length;
  const src = rt.heap.alloc(n * 8);
  const dst = rt.heap.alloc(n * 8);
  try {
    new Float64Array(rt.heap.memory.buffer, src, n).set(xs);
    rt.kernels.expSoftmaxArray(src, dst, n);
    const got = new Float64Array(rt.heap.memory.buffer, dst, n);
    for (let i = 0; i < n; i++) {
      const want = exp(xs[i]);
      if (!(Object.is(got[i], want) || (Number.isNaN(got[i]) && Number.isNaN(want)))) {
        assert.fail(`exp(${xs[i]}): wasm ${got[i]} vs src/math ${want}`);
      }
    }
  } finally {
    rt.heap.free(dst);
    rt.heap.free(src);
  }
});
