import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type RawTensor, SafetensorsBuffer, serializeSafetensors } from "../../src/io/safetensors.js";
import { loadSafetensors, SafetensorsFile, saveSafetensors } from "../../src/io/safetensors-file.node.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixturePath, loadSafetensorsFixture } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "reprodiff-safetensors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// Files written by Python's safetensors (golden data) and by an independent numpy script (half.safetensors).
const UPSTREAM_FILES = [
  "ddim_default_eta0_n10.safetensors",
  "lms_cos_sample_leading_offset1_karras_n10.safetensors",
  "state.safetensors",
  "randint.safetensors",
  "half.safetensors",
];

function asRaw(st: SafetensorsBuffer): Record<string, RawTensor> {
  const out: Record<string, RawTensor> = {};
  for (const name of st.keys()) {
    const info = st.info(name);
    out[name] = { dtype: info.dtype, shape: info.shape, data: st.raw(name) };
  }
  return out;
}

test("golden files written by upstream's writer load, and re-serialise byte for byte", () => {
  for (const name of UPSTREAM_FILES) {
    const original = readFileSync(fixturePath("io", name));
    const st = SafetensorsBuffer.parse(original, name);
    const again = serializeSafetensors(asRaw(st), st.metadata);
    assert.equal(Buffer.compare(Buffer.from(again), original), 0, `${name} differs after a round trip`);
  }
});

test("golden scheduler file: values, dtypes and metadata", () => {
  const st = loadSafetensorsFixture("io", "ddim_default_eta0_n10.safetensors");
  assert.deepEqual(st.metadata, { case: "ddim_default_eta0_n10" });
  const timesteps = st.tensor("timesteps");
  assert.equal(timesteps.dtype, "int64");
  // DDIM, 10 steps, leading spacing over 1000 training steps.
  assert.deepEqual(
    [...(timesteps.data as BigInt64Array)].map(Number),
    [900, 800, 700, 600, 500, 400, 300, 200, 100, 0],
  );
  const betas = st.float32("betas");
  assert.deepEqual(betas.shape, [1000]);
  assert.equal(betas.data[0], Math.fround(0.0001));
  assert.equal(betas.data[999], Math.fround(0.02));
  // Integer tensors convert by value when read as float32.
  assert.deepEqual([...st.float32("timesteps").data].slice(0, 3), [900, 800, 700]);
  const state = loadSafetensorsFixture("io", "state.safetensors");
  assert.deepEqual(state.metadata, {});
  assert.throws(() => state.tensor("seed0_initial"), /dtype U8 has no reprodiff tensor type/);
  assert.equal(state.float32("seed0_initial").data.length, 5056);
});

test("F16 and BF16 widen to float32 exactly (checked against numpy's conversion)", async () => {
  const st = loadSafetensorsFixture("io", "half.safetensors");
  for (const [half, expected] of [
    ["f16", "f16_expected"],
    ["bf16", "bf16_expected"],
  ]) {
    const got = st.float32(half);
    const want = st.float32(expected);
    assert.deepEqual(got.shape, want.shape);
    for (let i = 0; i < want.data.length; i++) {
      const w = want.data[i];
      if (Number.isNaN(w)) assert.ok(Number.isNaN(got.data[i]), `${half}[${i}] should be NaN`);
      else assert.ok(Object.is(got.data[i], w), `${half}[${i}]: ${got.data[i]} != ${w}`);
    }
    const native = st.tensor(half);
    assert.equal(native.dtype, half === "f16" ? "float16" : "bfloat16");
    const file = await SafetensorsFile.open(fixturePath("io", "half.safetensors"));
    try {
      const lazy = await file.float32(half);
      assert.deepEqual([...lazy.data].map(String), [...got.data].map(String));
    } finally {
      await file.close();
    }
  }
  assert.deepEqual([...st.float32("u8").data], [0, 128, 255]);
  assert.deepEqual([...st.float32("i32").data], [-5, 70000]);
});

test("the lazy reader returns the same bytes and tensors as the in-memory parser", async () => {
  for (const name of UPSTREAM_FILES) {
    const path = fixturePath("io", name);
    const mem = SafetensorsBuffer.parse(readFileSync(path), path);
    const file = await SafetensorsFile.open(path);
    try {
      assert.deepEqual(file.keys(), mem.keys());
      assert.deepEqual(file.metadata, mem.metadata);
      for (const key of file.keys()) {
        assert.deepEqual(file.info(key), mem.info(key));
        assert.equal(Buffer.compare(Buffer.from(await file.raw(key)), Buffer.from(mem.raw(key))), 0);
        const a = await file.float32(key);
        const b = mem.float32(key);
        assert.deepEqual(a.shape, b.shape);
        assert.deepEqual([...a.data].map(String), [...b.data].map(String));
      }
    } finally {
      await file.close();
    }
  }
});

test("the lazy reader reads only the header when opened, and each tensor on demand", async () => {
  const big = new Float32Array(1 << 20).map((_, i) => i * 0.5);
  const path = join(dir, "lazy.safetensors");
  await saveSafetensors(path, { big: Tensor.from(big, [1024, 1024]), small: Tensor.from(new Float32Array([7]), [1]) });
  const file = await SafetensorsFile.open(path);
  try {
    assert.deepEqual(file.keys(), ["big", "small"]);
    assert.deepEqual([...(await file.float32("small")).data], [7]);
    const t = await file.tensor("big");
    assert.equal(t.dtype, "float32");
    assert.equal((t.data as Float32Array)[123456], 61728);
    await assert.rejects(file.tensor("missing"), /lazy\.safetensors: tensor "missing": no tensor of that name/);
  } finally {
    await file.close();
  }
  await assert.rejects(file.raw("small"), /file is closed/);
});

test("every Tensor dtype round-trips through the writer and both readers", async () => {
  const tensors = {
    f32: Tensor.from(new Float32Array([1.5, -2, Number.NaN, Number.POSITIVE_INFINITY, -0]), [5]),
    f64: Tensor.from(new Float64Array([Math.PI, 1e-300]), [2, 1]),
    i64: Tensor.from(new BigInt64Array([-(2n ** 62n), 42n]), [2]),
    f16: Tensor.from(new Uint16Array([0x3c00, 0xfbff]), [1, 2], "float16"),
    bf16: Tensor.from(new Uint16Array([0x3f80, 0x0001, 0x7fc0]), [3], "bfloat16"),
    empty: Tensor.from(new Float32Array(0), [0, 3]),
    scalar: Tensor.from(new Float32Array([3]), []),
    u8: { dtype: "U8", shape: [2], data: new Uint8Array([1, 255]) } satisfies RawTensor,
  };
  const bytes = serializeSafetensors(tensors, { format: "pt", note: "é" });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0, "header is padded to 8 bytes");
  const st = SafetensorsBuffer.parse(bytes, "roundtrip");
  assert.deepEqual(st.metadata, { format: "pt", note: "é" });
  // Upstream's order: descending dtype alignment (I64, F64, F32, BF16, F16, U8), then name.
  assert.deepEqual(st.keys(), ["i64", "f64", "empty", "f32", "scalar", "bf16", "f16", "u8"]);
  const path = join(dir, "roundtrip.safetensors");
  await saveSafetensors(path, tensors, { format: "pt", note: "é" });
  assert.equal(Buffer.compare(readFileSync(path), Buffer.from(bytes)), 0);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes(".tmp")),
    [],
    "no temporary file is left behind",
  );
  const { tensors: loaded } = await loadSafetensors(path, { dtype: "native" });
  for (const [name, t] of Object.entries(tensors)) {
    const got = loaded[name];
    if (name === "u8") {
      assert.deepEqual([...got.data], [1, 255]);
      continue;
    }
    assert.equal(got.dtype, (t as Tensor).dtype, name);
    assert.deepEqual(got.shape, (t as Tensor).shape, name);
    assert.deepEqual(
      Array.from(got.data as ArrayLike<unknown>, String),
      Array.from((t as Tensor).data as ArrayLike<unknown>, String),
      name,
    );
  }
});

test("the writer orders names by UTF-8 bytes, as upstream's Rust writer does", () => {
  const one = () => Tensor.from(new Float32Array([0]), [1]);
  const st = SafetensorsBuffer.parse(
    serializeSafetensors({ "😀": one(), "\uffff": one(), é: one(), a: one(), B: one() }),
  );
  assert.deepEqual(st.keys(), ["B", "a", "é", "\uffff", "😀"]);
});

test("the writer refuses what it cannot write correctly", () => {
  const one = Tensor.from(new Float32Array([0]), [1]);
  assert.throws(() => serializeSafetensors({ __metadata__: one }), /"__metadata__" is reserved/);
  assert.throws(() => serializeSafetensors({ "\ud800": one }), /lone surrogate/);
  assert.throws(
    () => serializeSafetensors({ x: { dtype: "U8", shape: [3], data: new Uint8Array(2) } }),
    /tensor "x": shape \[3\] of U8 needs 3 bytes, data has 2/,
  );
  assert.throws(() => serializeSafetensors({ x: one }, { k: 5 as unknown as string }), /metadata "k" is number 5/);
});

test("a model file without __metadata__ keeps metadata null; {} stays {}", () => {
  const one = Tensor.from(new Float32Array([0]), [1]);
  assert.equal(SafetensorsBuffer.parse(serializeSafetensors({ x: one })).metadata, null);
  assert.deepEqual(SafetensorsBuffer.parse(serializeSafetensors({ x: one }, {})).metadata, {});
  const text = new TextDecoder().decode(serializeSafetensors({ x: one }));
  assert.ok(text.includes('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), text);
});

test("pickle checkpoints are refused by name before the file is opened", async () => {
  for (const name of ["diffusion_pytorch_model.bin", "model.ckpt", "weights.pt", "w.PTH"]) {
    await assert.rejects(SafetensorsFile.open(join(dir, name)), (e: Error) => {
      assert.equal(e.name, "PickleCheckpointError");
      assert.match(e.message, /reprodiff only loads safetensors/);
      assert.match(e.message, /safetensors\.torch import save_file/);
      assert.match(e.message, /safe_serialization=True/);
      return true;
    });
  }
});

test("sharded checkpoints: the index maps each tensor to its shard, read lazily and validated", async () => {
  const { SafetensorsShards } = await import("../../src/io/safetensors-file.node.js");
  const shardDir = join(dir, "sharded");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(shardDir);
  const a = Tensor.from(new Float32Array([1, 2]), [2]);
  const b = Tensor.from(new Float64Array([3]), [1]);
  await saveSafetensors(join(shardDir, "m-00001-of-00002.safetensors"), { a });
  await saveSafetensors(join(shardDir, "m-00002-of-00002.safetensors"), { b });
  const index = (map: Record<string, string>) => {
    const p = join(shardDir, "m.safetensors.index.json");
    writeFileSync(p, JSON.stringify({ metadata: { total_size: 16 }, weight_map: map }));
    return p;
  };
  const shards = await SafetensorsShards.open(
    index({ a: "m-00001-of-00002.safetensors", b: "m-00002-of-00002.safetensors" }),
  );
  try {
    assert.deepEqual(shards.keys(), ["a", "b"]);
    assert.deepEqual([...(await shards.float32("b")).data], [3]);
    assert.equal((await shards.tensor("b")).dtype, "float64");
    await assert.rejects(shards.float32("c"), /tensor "c": no tensor of that name in the index/);
  } finally {
    await shards.close();
  }
  await assert.rejects(
    SafetensorsShards.open(index({ a: "../evil.safetensors" })),
    /is not a \.safetensors file name beside the index/,
  );
  await assert.rejects(
    SafetensorsShards.open(index({ a: "m-00002-of-00002.safetensors", b: "m-00002-of-00002.safetensors" })),
    /tensor "a" is mapped to m-00002-of-00002\.safetensors, which does not contain it/,
  );
  await assert.rejects(
    SafetensorsShards.open(index({ a: "m-00001-of-00002.safetensors", b: "missing.safetensors" })),
    /missing\.safetensors: file not found/,
  );
  await saveSafetensors(join(shardDir, "extra.safetensors"), { a, x: b });
  await assert.rejects(
    SafetensorsShards.open(index({ a: "extra.safetensors" })),
    /extra\.safetensors holds tensor "x", which the index does not map to it/,
  );
});
