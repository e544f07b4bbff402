// The provenance chunk in PNGs: written so every decoder still reads the image, read back from PNGs of
// any origin, and a corpus of malformed PNGs that must each give a clear error (and never a crash).
import assert from "node:assert/strict";
import { test } from "node:test";
import { deflateSync } from "node:zlib";
import { decode } from "fast-png";
import { PipelineImage } from "../../src/pipelines/image.js";
import { readProvenance } from "../../src/provenance/capture.js";
import {
  bytesSource,
  crc32,
  insertITxt,
  listChunks,
  PROVENANCE_KEYWORD,
  ProvenanceError,
  readProvenanceText,
} from "../../src/provenance/png.js";

const image = new PipelineImage(3, 2, 1, new Uint8Array([0, 50, 100, 150, 200, 250]));
const plain = image.toPNG({ Software: "reprodiff" });
const read = (png: Uint8Array) => readProvenanceText(bytesSource(png, "test.png"));

function chunk(type: string, data: Uint8Array, badCrc = false): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ (badCrc ? 1 : 0)) >>> 0);
  return out;
}

function itxtData(keyword: string, text: Uint8Array, compressed = false, method = 0): Uint8Array {
  const key = new TextEncoder().encode(keyword);
  const out = new Uint8Array(key.length + 5 + text.length);
  out.set(key);
  out[key.length + 1] = compressed ? 1 : 0;
  out[key.length + 2] = method;
  out.set(text, key.length + 5);
  return out;
}

/** `plain` with extra chunks spliced in after IHDR. */
function withChunks(...chunks: Uint8Array[]): Uint8Array {
  const ihdrEnd = 8 + 12 + 13;
  const parts = [plain.subarray(0, ihdrEnd), ...chunks, plain.subarray(ihdrEnd)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test("CRC-32 matches PNG's check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
});

test("an inserted iTXt chunk sits after IHDR, keeps the image decodable, and reads back as UTF-8", async () => {
  const text = JSON.stringify({ prompt: "ein Bär – 🐻", n: 1 });
  const png = insertITxt(plain, PROVENANCE_KEYWORD, text);
  assert.deepEqual(
    listChunks(bytesSource(png)).map((c) => c.type),
    [
      "IHDR",
      "iTXt",
      ...listChunks(bytesSource(plain))
        .map((c) => c.type)
        .slice(1),
    ],
  );
  const decoded = decode(png);
  assert.deepEqual([...decoded.data], [...image.data]);
  assert.equal(decoded.text.Software, "reprodiff");
  assert.equal(await read(png), text);
  // Writing again replaces the chunk instead of adding a second one.
  const again = insertITxt(png, PROVENANCE_KEYWORD, "{}");
  assert.equal(listChunks(bytesSource(again)).filter((c) => c.type === "iTXt").length, 1);
  assert.equal(await read(again), "{}");
});

test("zlib-compressed iTXt (as other writers may produce) is read too", async () => {
  const text = JSON.stringify({ a: "x".repeat(5000) });
  const png = withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, deflateSync(text), true)));
  assert.equal(await read(png), text);
});

test("other iTXt chunks and unknown ancillary chunks are skipped", async () => {
  const png = withChunks(
    chunk("iTXt", itxtData("XML:com.adobe.xmp", new TextEncoder().encode("<x/>"))),
    chunk("prVt", new Uint8Array([1, 2, 3])),
    chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new TextEncoder().encode('{"ok":1}'))),
  );
  assert.equal(await read(png), '{"ok":1}');
});

/** Each entry: a malformed PNG, the error code and a fragment the message must contain. */
function corpus(): [string, Uint8Array, string, RegExp][] {
  const good = insertITxt(plain, PROVENANCE_KEYWORD, '{"format":"reprodiff-provenance"}');
  const hugeLength = good.slice();
  new DataView(hugeLength.buffer).setUint32(8 + 25, 0xfffffff0); // the iTXt chunk's length
  const overLimit = good.slice();
  new DataView(overLimit.buffer).setUint32(8 + 25, 0x7ffffff0);
  const badType = good.slice();
  badType.set([0x31, 0x32, 0x33, 0x34], 8 + 25 + 4);
  const flipped = good.slice();
  flipped[8 + 25 + 8 + 20] ^= 0x01; // a byte inside the provenance text
  const bomb = deflateSync(new Uint8Array(40 * 1024 * 1024)); // 40 MiB of zeros in ~40 KiB
  return [
    ["empty file", new Uint8Array(0), "not-png", /not a PNG file/],
    ["a JPEG", new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0]), "not-png", /PNG signature/],
    ["signature only", plain.subarray(0, 8), "truncated", /no chunk follows the signature/],
    ["cut inside IDAT", plain.subarray(0, plain.length - 20), "truncated", /truncated/],
    ["no IEND", plain.subarray(0, plain.length - 12), "truncated", /before IEND/],
    ["cut inside the provenance chunk", good.subarray(0, 8 + 25 + 20), "truncated", /iTXt .* declares/],
    ["length beyond 2^31-1", hugeLength, "bad-chunk", /more than PNG's limit/],
    ["length beyond the file", overLimit, "truncated", /declares 2147483632 data bytes/],
    ["chunk type not letters", badType, "bad-chunk", /invalid type/],
    [
      "first chunk not IHDR",
      new Uint8Array([...plain.subarray(0, 8), ...chunk("tEXt", new Uint8Array([65, 0, 66])), ...plain.subarray(8)]),
      "bad-chunk",
      /starts with IHDR/,
    ],
    ["bad CRC on the provenance chunk", flipped, "bad-crc", /bad CRC/],
    ["no provenance chunk", plain, "missing", /no iTXt chunk "reprodiff".*tEXt chunks only/],
    [
      "two provenance chunks (forged)",
      withChunks(
        chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new Uint8Array([123, 125]))),
        chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new Uint8Array([123, 125]))),
      ),
      "ambiguous",
      /2 "reprodiff" iTXt chunks/,
    ],
    [
      "compression flag 7",
      withChunks(
        chunk(
          "iTXt",
          (() => {
            const d = itxtData(PROVENANCE_KEYWORD, new Uint8Array([1]));
            d[PROVENANCE_KEYWORD.length + 1] = 7;
            return d;
          })(),
        ),
      ),
      "bad-itxt",
      /compression flag is 7/,
    ],
    [
      "compression method 3",
      withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new Uint8Array([1]), true, 3))),
      "bad-itxt",
      /compression method 3/,
    ],
    [
      "header cut short",
      withChunks(chunk("iTXt", new TextEncoder().encode(`${PROVENANCE_KEYWORD}\0\0\0`))),
      "bad-itxt",
      /language tag|translated keyword/,
    ],
    [
      "compressed text that is not zlib",
      withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new Uint8Array([1, 2, 3, 4, 5]), true))),
      "bad-zlib",
      /not valid zlib/,
    ],
    [
      "decompression bomb",
      withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, bomb, true))),
      "too-large",
      /inflates to more than/,
    ],
    [
      "invalid UTF-8",
      withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))),
      "bad-utf8",
      /not valid UTF-8/,
    ],
    [
      "not JSON",
      withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new TextEncoder().encode("seed=0, steps=20")))),
      "bad-json",
      /not valid JSON/,
    ],
    [
      "JSON but not a record",
      withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new TextEncoder().encode("[1,2]")))),
      "invalid",
      /"\(record\)" must be an object/,
    ],
    [
      "another program's record",
      withChunks(chunk("iTXt", itxtData(PROVENANCE_KEYWORD, new TextEncoder().encode('{"format":"other"}')))),
      "invalid",
      /"format" must be "reprodiff-provenance"/,
    ],
  ];
}

test("a corpus of malformed PNGs: each gives its own clear ProvenanceError", async () => {
  for (const [name, png, code, message] of corpus()) {
    await assert.rejects(
      () => readProvenance(png, "test.png"),
      (err: unknown) => {
        assert.ok(err instanceof ProvenanceError, `${name}: expected a ProvenanceError, got ${err}`);
        assert.equal(err.code, code, `${name}: ${err.message}`);
        assert.match(err.message, message, name);
        assert.match(err.message, /^test\.png/, `${name}: the message names the file`);
        return true;
      },
      name,
    );
  }
});

test("a huge PNG is walked by chunk headers only, without reading its pixel data", async () => {
  // A 1 GiB IDAT that is never materialised: the source serves headers and counts what is read.
  const good = insertITxt(plain, PROVENANCE_KEYWORD, '{"x":1}');
  const idatAt = listChunks(bytesSource(good)).find((c) => c.type === "IDAT");
  assert.ok(idatAt);
  const head = good.subarray(0, idatAt.offset - 8);
  const tail = new Uint8Array(chunk("IEND", new Uint8Array(0)));
  const idatLength = 1 << 30;
  const size = head.length + 12 + idatLength + tail.length;
  let bytesRead = 0;
  const source = {
    size,
    name: "huge.png",
    read(offset: number, length: number): Uint8Array {
      bytesRead += length;
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        const p = offset + i;
        if (p < head.length) out[i] = head[p];
        else if (p < head.length + 8)
          out[i] = [idatLength >>> 24, (idatLength >>> 16) & 255, (idatLength >>> 8) & 255, 0, 73, 68, 65, 84][
            p - head.length
          ];
        else if (p >= size - tail.length) out[i] = tail[p - (size - tail.length)];
      }
      return out;
    },
  };
  assert.equal(await readProvenanceText(source), '{"x":1}');
  assert.ok(bytesRead < 10_000, `read ${bytesRead} bytes`);
});
