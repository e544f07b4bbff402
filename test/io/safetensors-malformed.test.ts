// A corpus of malformed safetensors files: each must be refused with a message that names the file,
// the tensor (where one is involved) and the problem — by the in-memory parser and the lazy file reader alike.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SafetensorsBuffer, SafetensorsError } from "../../src/io/safetensors.js";
import { SafetensorsFile } from "../../src/io/safetensors-file.node.js";

const enc = new TextEncoder();

function withLength(length: bigint, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(rest, 8);
  return out;
}

/** A file whose header is `header` (raw text or bytes) followed by `dataBytes` zero bytes. */
function file(header: string | Uint8Array, dataBytes = 0): Uint8Array {
  const h = typeof header === "string" ? enc.encode(header) : header;
  const body = new Uint8Array(h.length + dataBytes);
  body.set(h);
  return withLength(BigInt(h.length), body);
}

const t = (name: string, dtype: string, shape: unknown, offsets: unknown) =>
  `${JSON.stringify(name)}:{"dtype":${JSON.stringify(dtype)},"shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;

interface Case {
  name: string;
  bytes: Uint8Array;
  message: RegExp;
  /** The tensor the message must name, if any. */
  tensor?: string;
}

const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
const valid = file(`{${t("w", "F32", [2], [0, 8])}}`, 8);

const cases: Case[] = [
  { name: "empty file", bytes: new Uint8Array(0), message: /file is empty/ },
  {
    name: "shorter than the length prefix",
    bytes: new Uint8Array(5),
    message: /5 bytes, too short for the 8-byte header length/,
  },
  {
    name: "truncated file (data cut short)",
    bytes: valid.subarray(0, valid.length - 3),
    message: /data_offsets \[0, 8\] run past the 5-byte data section/,
    tensor: "w",
  },
  {
    name: "truncated inside the header",
    bytes: valid.subarray(0, 20),
    message: /header length \d+ runs past the end of the 20-byte file/,
  },
  {
    name: "header length 2^63",
    bytes: withLength(2n ** 63n, new Uint8Array(16)),
    message: /header length 9223372036854775808 exceeds the 100000000-byte limit/,
  },
  {
    name: "header length 2^64-1",
    bytes: withLength(2n ** 64n - 1n, new Uint8Array(16)),
    message: /exceeds the 100000000-byte limit/,
  },
  {
    name: "header length past the end of the file",
    bytes: withLength(4096n, enc.encode("{}")),
    message: /header length 4096 runs past the end of the 10-byte file/,
  },
  {
    name: "overlapping offsets",
    bytes: file(`{${t("a", "F32", [2], [0, 8])},${t("b", "F32", [2], [4, 12])}}`, 12),
    message: /data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/,
    tensor: "b",
  },
  {
    name: "identical offsets",
    bytes: file(`{${t("a", "F32", [1], [0, 4])},${t("b", "F32", [1], [0, 4])}}`, 4),
    message: /overlap tensor/,
  },
  {
    name: "gap between tensors",
    bytes: file(`{${t("a", "F32", [1], [0, 4])},${t("b", "F32", [1], [8, 12])}}`, 12),
    message: /gap of 4 unused bytes before its data/,
    tensor: "b",
  },
  {
    name: "stray bytes after the last tensor",
    bytes: file(`{${t("a", "F32", [1], [0, 4])}}`, 10),
    message: /data section is 10 bytes but the tensors cover 4 \(6 stray bytes\)/,
  },
  {
    name: "wrong dtype size",
    bytes: file(`{${t("w", "F32", [2, 2], [0, 8])}}`, 8),
    message: /shape \[2,2\] x 4 bytes \(F32\) = 16 bytes, but data_offsets \[0, 8\] span 8/,
    tensor: "w",
  },
  {
    name: "F16 sized as F32",
    bytes: file(`{${t("w", "F16", [4], [0, 16])}}`, 16),
    message: /= 8 bytes, but data_offsets \[0, 16\] span 16/,
    tensor: "w",
  },
  {
    name: "non-JSON header",
    bytes: file("this is not json", 0),
    message: /header is not valid JSON \(unexpected character "t" at line 1 column 1\)/,
  },
  {
    name: "JSON with trailing garbage",
    bytes: file('{"a":1}}', 0),
    message: /header is not valid JSON \(unexpected character "}" after the JSON value/,
  },
  {
    name: "non-UTF-8 header",
    bytes: file(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    message: /header is not valid UTF-8/,
  },
  { name: "header JSON is an array", bytes: file("[1,2,3]"), message: /header JSON is not an object/ },
  {
    name: "duplicate tensor names",
    bytes: file(`{${t("a", "F32", [1], [0, 4])},${t("a", "F32", [1], [4, 8])}}`, 8),
    message: /duplicate key "a"/,
  },
  {
    name: "duplicate field inside an entry",
    bytes: file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"data_offsets":[4,8]}}', 8),
    message: /duplicate key "data_offsets"/,
  },
  {
    name: "duplicate __metadata__",
    bytes: file('{"__metadata__":{},"__metadata__":{"x":"y"}}'),
    message: /duplicate key "__metadata__"/,
  },
  {
    name: "NaN in shape",
    bytes: file('{"w":{"dtype":"F32","shape":[NaN],"data_offsets":[0,4]}}', 4),
    message: /header is not valid JSON \(unexpected character "N"/,
  },
  {
    name: "Infinity in shape",
    bytes: file('{"w":{"dtype":"F32","shape":[Infinity],"data_offsets":[0,4]}}', 4),
    message: /header is not valid JSON/,
  },
  {
    name: "negative shape",
    bytes: file(`{${t("w", "F32", [-1], [0, 4])}}`, 4),
    message: /shape \[-1\]: dimension 0 is not a non-negative integer/,
    tensor: "w",
  },
  {
    name: "fractional shape",
    bytes: file(`{${t("w", "F32", [2.5], [0, 10])}}`, 10),
    message: /dimension 0 is not a non-negative integer/,
    tensor: "w",
  },
  {
    name: "float-written integral shape 2.0",
    bytes: file('{"w":{"dtype":"F32","shape":[1,2.0],"data_offsets":[0,8]}}', 8),
    message: /dimension 1 is not a non-negative integer/,
    tensor: "w",
  },
  {
    name: "shape given as a string",
    bytes: file(`{${t("w", "F32", "2", [0, 8])}}`, 8),
    message: /shape is string "2", not a list/,
    tensor: "w",
  },
  {
    name: "shape of 2^53+",
    bytes: file(`{${t("w", "F32", [2 ** 53], [0, 4])}}`, 4),
    message: /not a non-negative integer/,
    tensor: "w",
  },
  {
    name: "shape product overflowing",
    bytes: file(`{${t("w", "U8", [4503599627370496, 4503599627370496, 4503599627370496], [0, 4])}}`, 4),
    message: /needs more than 2\^53 bytes/,
    tensor: "w",
  },
  {
    name: "unknown dtype",
    bytes: file(`{${t("w", "F128", [1], [0, 16])}}`, 16),
    message: /unknown dtype "F128" \(supported: F64, F32, F16, BF16/,
    tensor: "w",
  },
  {
    name: "FP8 dtype",
    bytes: file(`{${t("w", "F8_E4M3", [4], [0, 4])}}`, 4),
    message: /dtype F8_E4M3 is an 8-bit float \(FP8\), which reprodiff does not support/,
    tensor: "w",
  },
  {
    name: "lower-case dtype",
    bytes: file(`{${t("w", "f32", [1], [0, 4])}}`, 4),
    message: /unknown dtype "f32"/,
    tensor: "w",
  },
  {
    name: "metadata value not a string",
    bytes: file('{"__metadata__":{"a":1}}'),
    message: /__metadata__\["a"\] is number 1, not a string/,
  },
  {
    name: "metadata not an object",
    bytes: file('{"__metadata__":["a"]}'),
    message: /__metadata__ is an array, not an object of strings/,
  },
  {
    name: "offsets beyond the data",
    bytes: file(`{${t("w", "F32", [1], [8, 12])}}`, 4),
    message: /data_offsets \[8, 12\] run past the 4-byte data section/,
    tensor: "w",
  },
  {
    name: "offsets backwards",
    bytes: file(`{${t("w", "F32", [0], [4, 0])}}`, 4),
    message: /data_offsets \[4, 0\] run backwards/,
    tensor: "w",
  },
  {
    name: "offsets not a pair",
    bytes: file(`{${t("w", "F32", [1], [0, 4, 8])}}`, 8),
    message: /data_offsets \[0,4,8\] is not a pair of non-negative integers/,
    tensor: "w",
  },
  {
    name: "negative offset",
    bytes: file(`{${t("w", "F32", [1], [-4, 0])}}`, 4),
    message: /is not a pair of non-negative integers/,
    tensor: "w",
  },
  {
    name: "float offsets",
    bytes: file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', 4),
    message: /is not a pair of non-negative integers/,
    tensor: "w",
  },
  { name: "entry not an object", bytes: file('{"w":[1,2]}'), message: /entry is an array, not an object/, tensor: "w" },
  {
    name: "unknown entry field",
    bytes: file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"strides":[1]}}', 4),
    message: /unknown field "strides"/,
    tensor: "w",
  },
  {
    name: "missing dtype",
    bytes: file('{"w":{"shape":[1],"data_offsets":[0,4]}}', 4),
    message: /dtype is null, not a string|dtype is undefined/,
    tensor: "w",
  },
  { name: "deeply nested JSON", bytes: file(deep), message: /nesting deeper than 256 levels/ },
  {
    name: "a PyTorch zip checkpoint renamed .safetensors",
    bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 1, 2, 3]),
    message: /PyTorch pickle checkpoint \(recognised by its contents\)/,
  },
  {
    name: "a raw pickle renamed .safetensors",
    bytes: new Uint8Array([0x80, 0x02, 0x63, 0x74, 0x6f, 0x72, 0x63, 0x68, 0x2e, 0x2e]),
    message: /PyTorch pickle checkpoint/,
  },
];

const dir = mkdtempSync(join(tmpdir(), "reprodiff-malformed-"));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const [index, c] of cases.entries()) {
  test(`malformed safetensors: ${c.name}`, async () => {
    const label = `case${index}.safetensors`;
    const check = (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `expected a SafetensorsError, got ${e}`);
      assert.match(e.message, c.message);
      assert.ok(e.message.includes(label), `message should name the file: ${e.message}`);
      if (c.tensor !== undefined) assert.ok(e.message.includes(`tensor ${JSON.stringify(c.tensor)}`), e.message);
      return true;
    };
    assert.throws(() => SafetensorsBuffer.parse(c.bytes, label), check);
    const path = join(dir, label);
    writeFileSync(path, c.bytes);
    await assert.rejects(SafetensorsFile.open(path), (e: unknown) => {
      assert.ok(e instanceof SafetensorsError);
      assert.ok(e.message.startsWith(path), e.message);
      assert.match(e.message, c.message);
      return true;
    });
  });
}

test("the valid file the corpus is derived from parses", () => {
  const st = SafetensorsBuffer.parse(valid, "valid");
  assert.deepEqual(st.keys(), ["w"]);
  assert.deepEqual([...st.float32("w").data], [0, 0]);
});

test("the corpus covers every case the issue lists", () => {
  const names = cases.map((c) => c.name).join("\n");
  for (const needed of [
    "truncated",
    "2^63",
    "overlapping",
    "wrong dtype size",
    "non-JSON",
    "duplicate",
    "NaN",
    "non-UTF-8",
    "negative",
    "fractional",
    "unknown dtype",
    "metadata value",
    "beyond",
    "empty",
    "gap",
  ]) {
    assert.ok(names.includes(needed), `missing a case for ${needed}`);
  }
});
