// The portable SHA-256 against FIPS 180-4 vectors and node:crypto, and the tensor hash's byte order.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Sha256, sha256Hex, tensorSha256 } from "../../src/provenance/sha256.js";
import { Tensor } from "../../src/tensor/tensor.js";

const enc = (s: string) => new TextEncoder().encode(s);
const nodeHash = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("FIPS 180-4 example vectors", () => {
  assert.equal(sha256Hex(enc("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(sha256Hex(enc("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(
    sha256Hex(enc("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(
    sha256Hex(new Uint8Array(1_000_000).fill(0x61)),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

test("every length around the block and padding boundaries, in one piece and in uneven pieces", () => {
  const data = new Uint8Array(300);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  for (let n = 0; n <= 200; n++) {
    const msg = data.subarray(0, n);
    assert.equal(sha256Hex(msg), nodeHash(msg), `length ${n}`);
    const h = new Sha256();
    for (let i = 0; i < n; i += 1 + (i % 70)) h.update(msg.subarray(i, Math.min(n, i + 1 + (i % 70))));
    assert.equal(h.hex(), nodeHash(msg), `length ${n} in pieces`);
  }
  const h = new Sha256().update(enc("x"));
  h.digest();
  assert.throws(() => h.update(enc("y")), /after the digest/);
});

test("tensorSha256 hashes the little-endian float bytes NumPy's tobytes() gives; non-floats are refused", () => {
  const t = Tensor.from(new Float32Array([0, -0, 1.5, Number.NaN, 3.4e38]), [5]);
  const le = new Uint8Array(20);
  const view = new DataView(le.buffer);
  [0, -0, 1.5, Number.NaN, 3.4e38].forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  assert.equal(tensorSha256(t), nodeHash(le));
  // -0 and 0 are different bits, so different hashes.
  assert.notEqual(
    tensorSha256(Tensor.from(new Float32Array([0]), [1])),
    tensorSha256(Tensor.from(new Float32Array([-0]), [1])),
  );
  assert.throws(() => tensorSha256(Tensor.from(new BigInt64Array([1n]), [1])), /float32\/float64/);
});
