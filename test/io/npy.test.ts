import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type NpyArray, npyToTensor, parseNpy, serializeNpy } from "../../src/io/npy.js";
import { loadNpy, saveNpy } from "../../src/io/npy.node.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixturePath } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "reprodiff-npy-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const read = (name: string) => readFileSync(fixturePath("io", name));

test("arrays saved by numpy read back with their dtype, shape and values", () => {
  const f32 = parseNpy(read("f32_2x3.npy"));
  assert.equal(f32.dtype, "float32");
  assert.deepEqual(f32.shape, [2, 3]);
  assert.deepEqual(
    [...f32.data],
    [0, 1, 2, 3, 4, 5].map((v) => Math.fround(Math.fround(v) / 7)),
  );
  const f64 = parseNpy(read("f64_scalar.npy"));
  assert.deepEqual(f64.shape, []);
  assert.equal(f64.data[0], Math.PI);
  const i64 = parseNpy(read("i64_5.npy"));
  assert.deepEqual([...(i64.data as BigInt64Array)], [-3n, 0n, 2n ** 40n, 7n, -(2n ** 62n)]);
  const u8 = parseNpy(read("u8_1x4x4x1.npy"));
  assert.deepEqual(u8.shape, [1, 4, 4, 1]);
  assert.equal(u8.data[15], 255);
  assert.equal(npyToTensor(u8).dtype, "float32");
  const f16 = npyToTensor(parseNpy(read("f16_3.npy")));
  assert.equal(f16.dtype, "float16");
  assert.deepEqual([...f16.data], [0x3e00, 0x8000, 0x7bff]);
  assert.deepEqual(parseNpy(read("f32_empty_0x4.npy")).shape, [0, 4]);
});

test("our writer produces the same bytes as np.save", () => {
  const same = (name: string, array: Tensor | NpyArray) =>
    assert.equal(Buffer.compare(Buffer.from(serializeNpy(array)), read(name)), 0, name);
  same("f32_2x3.npy", parseNpy(read("f32_2x3.npy")));
  same("f64_scalar.npy", Tensor.from(new Float64Array([Math.PI]), []));
  same("i64_5.npy", Tensor.from(new BigInt64Array([-3n, 0n, 2n ** 40n, 7n, -(2n ** 62n)]), [5]));
  same("u8_1x4x4x1.npy", {
    dtype: "uint8",
    shape: [1, 4, 4, 1],
    data: Uint8Array.from({ length: 16 }, (_, i) => i * 17),
  });
  same("f16_3.npy", Tensor.from(new Uint16Array([0x3e00, 0x8000, 0x7bff]), [3], "float16"));
  same("f32_empty_0x4.npy", Tensor.from(new Float32Array(0), [0, 4]));
  same("f32_big_first_axis.npy", Tensor.from(new Float32Array(0), [1234567, 0]));
});

test("saveNpy / loadNpy round-trip through a file", async () => {
  const t = Tensor.from(new Float32Array([0.25, -1, 3e-8, Number.NaN]), [1, 2, 2, 1]);
  const path = join(dir, "x.npy");
  await saveNpy(path, t);
  const back = await loadNpy(path);
  assert.deepEqual(back.shape, [1, 2, 2, 1]);
  assert.deepEqual([...back.data].map(String), [...t.data].map(String));
});

test("malformed or unsupported .npy files are refused with a clear message", () => {
  const good = read("f32_2x3.npy");
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /bad magic/],
    ["not npy", new TextEncoder().encode("hello world, not numpy"), /bad magic/],
    ["truncated data", good.subarray(0, good.length - 4), /needs 24 data bytes, file has 20/],
    ["extra data", Buffer.concat([good, Buffer.alloc(4)]), /needs 24 data bytes, file has 28/],
    ["truncated header", good.subarray(0, 40), /header length 118 runs past the end of the 40-byte file/],
    ["fortran order", read("f32_fortran.npy"), /Fortran order/],
    ["big-endian", read("f32_bigendian.npy"), /dtype '>f4' is not supported/],
    [
      "version 9",
      Buffer.concat([good.subarray(0, 6), Buffer.from([9, 0]), good.subarray(8)]),
      /unsupported \.npy version 9\.0/,
    ],
  ];
  // Edits the header text in place, eating into its space padding so that its length stays the same.
  const patch = (from: string, to: string) => {
    const text = good.toString("latin1");
    const pad = " ".repeat(Math.max(0, to.length - from.length));
    const edited = text.replace(`${from}}${pad}`, `${to}}${" ".repeat(Math.max(0, from.length - to.length))}`);
    assert.equal(edited.length, text.length);
    assert.notEqual(edited, text);
    return Buffer.from(edited, "latin1");
  };
  cases.push([
    "object dtype",
    patch("'<f4', 'fortran_order': False, 'shape': (2, 3), ", "'|O8', 'fortran_order': False, 'shape': (2, 3), "),
    /dtype '\|O8' is not supported/,
  ]);
  cases.push(["huge shape", patch("(2, 3), ", "(99999999999, 3),"), /needs 1199999999988 data bytes, file has 24/]);
  cases.push(["overflowing shape", patch("(2, 3), ", "(9999999999, 9999999999),"), /needs more than 2\^53 bytes/]);
  cases.push([
    "negative shape",
    patch("(2, 3), ", "(-2, 3), "),
    /shape entry at offset \d+ is not a non-negative integer/,
  ]);
  cases.push(["unknown key", patch("'shape': (2, 3), ", "'shape': (2, 3), 'x': 1, "), /unexpected key 'x'/]);
  for (const [name, bytes, message] of cases) {
    assert.throws(
      () => parseNpy(bytes, `${name}.npy`),
      (e: Error) => {
        assert.match(e.message, message, name);
        assert.ok(e.message.startsWith(`${name}.npy: `), e.message);
        return true;
      },
    );
  }
  assert.throws(() => serializeNpy(Tensor.from(new Uint16Array(1), [1], "bfloat16")), /numpy has no bfloat16/);
});
