import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  assertBackendAllowed,
  assertDeterministic,
  assertDeviceAllowed,
  DeterminismError,
  describeEngine,
  disableFullDeterminism,
  enableFullDeterminism,
  isFullDeterminismEnabled,
} from "../../src/engine/determinism.js";

afterEach(() => {
  disableFullDeterminism();
});

test("the switch is off by default and toggles, returning the previous state", () => {
  assert.equal(isFullDeterminismEnabled(), false);
  assert.equal(enableFullDeterminism(), false);
  assert.equal(isFullDeterminismEnabled(), true);
  assert.equal(enableFullDeterminism(), true);
  assert.equal(disableFullDeterminism(), true);
  assert.equal(isFullDeterminismEnabled(), false);
});

test("non-deterministic paths are allowed when off and refused with a DeterminismError when on", () => {
  assertDeterministic("relaxed-simd", "relaxed SIMD kernels");
  assertDeviceAllowed("webgpu");
  assertBackendAllowed("fast", { relaxedSimd: true });
  enableFullDeterminism();
  assert.throws(
    () => assertDeterministic("approximate-kernel", "approximate exp"),
    (err: unknown) =>
      err instanceof DeterminismError && err.feature === "approximate-kernel" && /approximate exp/.test(err.message),
  );
  assert.throws(() => assertDeviceAllowed("webgpu"), /device "webgpu"/);
  assertDeviceAllowed("cpu");
  assert.throws(() => assertBackendAllowed("fast", { relaxedSimd: true }), /relaxed SIMD/);
  assert.throws(() => assertBackendAllowed("gpu", { device: "webgpu" }), DeterminismError);
  assert.throws(() => assertBackendAllowed("split-k", { threadCountInvariant: false }), /thread-count-dependent/);
  assert.throws(() => assertBackendAllowed("approx", { approximate: true }), /approximate/);
  assert.throws(() => assertBackendAllowed("other", { followsNumerics: false }), /NUMERICS/);
  // A backend that follows the numerics contract is always allowed.
  assertBackendAllowed("reference", {});
  assertBackendAllowed("wasm-simd", { followsNumerics: true, threadCountInvariant: true, relaxedSimd: false });
});

test("describeEngine records the switch and whether the backend is deterministic", () => {
  const plain = describeEngine("reference", 2);
  assert.deepEqual(plain, {
    backend: "reference",
    threads: 2,
    deterministic: true,
    fullDeterminism: false,
    numericsVersion: plain.numericsVersion,
  });
  enableFullDeterminism();
  assert.equal(describeEngine("reference", 1).fullDeterminism, true);
  assert.equal(describeEngine("relaxed", 1, { relaxedSimd: true }).deterministic, false);
});
