import assert from "node:assert/strict";
import { test } from "node:test";
import { DeterminismError, disableFullDeterminism, enableFullDeterminism } from "../../src/engine/determinism.js";
import { getBackend, listBackends, referenceBackend, setBackend } from "../../src/engine/index.js";

test("setBackend refuses a backend with non-deterministic traits while full determinism is on", () => {
  const previous = getBackend();
  const relaxed = Object.assign(Object.create(referenceBackend), {
    name: "relaxed-switch",
    traits: { relaxedSimd: true },
  });
  enableFullDeterminism();
  try {
    assert.throws(() => setBackend(relaxed), DeterminismError);
    assert.equal(getBackend(), previous, "the active backend is unchanged after a refusal");
    assert.ok(!listBackends().includes("relaxed-switch"), "a refused backend is not registered");
    setBackend("reference");
    assert.equal(getBackend().name, "reference");
  } finally {
    disableFullDeterminism();
    setBackend(previous);
  }
  setBackend(relaxed);
  assert.equal(getBackend().name, "relaxed-switch");
  enableFullDeterminism();
  try {
    assert.throws(() => setBackend("relaxed-switch"), DeterminismError);
  } finally {
    disableFullDeterminism();
    setBackend(previous);
  }
});
