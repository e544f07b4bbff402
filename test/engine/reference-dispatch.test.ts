import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Backend,
  getBackend,
  getNumThreads,
  listBackends,
  ops,
  ReferenceBackend,
  referenceBackend,
  registerBackend,
  setBackend,
  setNumThreads,
} from "../../src/engine/index.js";
import { Tensor } from "../../src/tensor/tensor.js";

test("ops forwards to the active backend; reference is the default", () => {
  // Where WebAssembly SIMD and SharedArrayBuffer exist (always on Node 20+) the wasm backend is the default.
  assert.equal(getBackend().name, "wasm");
  setBackend("reference");
  assert.equal(getBackend(), referenceBackend);
  assert.equal(ops.name, "reference");
  assert.ok(listBackends().includes("reference"));
  const x = Tensor.from(new Float32Array([1, -2]), [2]);
  assert.deepEqual(Array.from(ops.add(x, x).data), [2, -4]);

  // A backend that records calls and otherwise behaves like the reference.
  const calls: string[] = [];
  class Spy extends ReferenceBackend {
    override readonly name = "spy";
    override add = (a: Tensor<"float32">, b: Tensor<"float32">) => {
      calls.push("add");
      return referenceBackend.add(a, b);
    };
  }
  try {
    setBackend(new Spy());
    assert.equal(ops.name, "spy");
    ops.add(x, x);
    assert.deepEqual(calls, ["add"]);
    setBackend("reference");
    ops.add(x, x);
    assert.deepEqual(calls, ["add"]);
    setBackend("spy");
    assert.equal(getBackend().name, "spy");
  } finally {
    setBackend("reference");
  }
});

test("backend registry validates names and op sets", () => {
  assert.throws(() => setBackend("nope"), /unknown backend "nope"; registered: reference/);
  const partial = { name: "partial", add: () => null } as unknown as Backend;
  assert.throws(() => registerBackend(partial), /backend "partial" does not implement: conv2d, linear/);
  assert.throws(() => registerBackend({ name: "" } as unknown as Backend), /non-empty string name/);
});

test("setNumThreads validates its argument; the default is at least 1", () => {
  assert.ok(Number.isSafeInteger(getNumThreads()) && getNumThreads() >= 1);
  setNumThreads(3);
  assert.equal(getNumThreads(), 3);
  for (const bad of [0, -1, 1.5, Number.NaN, "2"]) {
    assert.throws(() => setNumThreads(bad as number), /setNumThreads: expected a positive integer/);
  }
  assert.equal(getNumThreads(), 3);
  setNumThreads(1);
});
