// Reading and writing the provenance chunk of a PNG. fast-png writes tEXt chunks only (Latin-1, no
// compression flag), so the iTXt chunk (UTF-8) is spliced in here: a PNG is a signature followed by
// chunks of `length (u32 BE) | type (4 ASCII letters) | data | CRC-32 of type+data`, which is small
// enough to handle directly. Reading never decodes pixels and tolerates any input: every problem is a
// `ProvenanceError` that says what is wrong and where.

/** The iTXt keyword reprodiff's record is stored under. */
export const PROVENANCE_KEYWORD = "reprodiff";

/** Largest provenance text accepted (after decompression): far above any real record (a few KiB). */
export const MAX_PROVENANCE_BYTES = 16 * 1024 * 1024;

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** The PNG specification limits a chunk's length to 2^31 - 1. */
const MAX_CHUNK_LENGTH = 0x7fffffff;

/** A PNG that cannot be read, or whose provenance is missing or malformed. */
export class ProvenanceError extends Error {
  override name = "ProvenanceError";
  /** Short machine-readable reason, e.g. "not-png", "truncated", "bad-crc", "missing", "bad-json", "invalid". */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG (and zlib) define it, over the concatenation of the given byte arrays. */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Random access to a PNG's bytes: an in-memory array, or (in Node) a file read piecewise. */
export interface ByteSource {
  readonly size: number;
  /** Bytes [offset, offset + length); the caller keeps within `size`. */
  read(offset: number, length: number): Uint8Array;
  /** How to name the input in errors. */
  readonly name: string;
}

export function bytesSource(bytes: Uint8Array, name = "PNG"): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length), name };
}

/** One chunk's header; its data is read only on demand so huge IDAT chunks are never loaded. */
export interface PngChunk {
  type: string;
  /** Offset of the chunk's data in the file. */
  offset: number;
  length: number;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/**
 * Walks the chunk headers from the signature to IEND, checking the structure (signature, IHDR first,
 * legal chunk types and lengths, nothing running past the end) without reading chunk data.
 */
export function listChunks(source: ByteSource): PngChunk[] {
  const where = source.name;
  if (source.size < 8) {
    throw new ProvenanceError(
      "not-png",
      `${where} is not a PNG file: it has ${source.size} bytes, fewer than the 8-byte PNG signature`,
    );
  }
  const sig = source.read(0, 8);
  if (!SIGNATURE.every((b, i) => sig[i] === b)) {
    throw new ProvenanceError("not-png", `${where} is not a PNG file (its first 8 bytes are not the PNG signature)`);
  }
  const chunks: PngChunk[] = [];
  let pos = 8;
  for (;;) {
    if (pos + 8 > source.size) {
      throw new ProvenanceError(
        "truncated",
        `${where} is truncated: ${chunks.length === 0 ? "no chunk follows the signature" : `it ends after the ${chunks[chunks.length - 1].type} chunk at byte ${pos}, before IEND`}`,
      );
    }
    const header = source.read(pos, 8);
    const length = u32(header, 0);
    const typeBytes = header.subarray(4, 8);
    const validType = [...typeBytes].every((b) => (b >= 65 && b <= 90) || (b >= 97 && b <= 122));
    const type = validType ? String.fromCharCode(...typeBytes) : "";
    if (!validType) {
      throw new ProvenanceError(
        "bad-chunk",
        `${where} is corrupt: the chunk at byte ${pos} has an invalid type (bytes ${[...typeBytes].join(",")}; a PNG chunk type is 4 ASCII letters)`,
      );
    }
    if (length > MAX_CHUNK_LENGTH) {
      throw new ProvenanceError(
        "bad-chunk",
        `${where} is corrupt: chunk ${type} at byte ${pos} declares ${length} bytes, more than PNG's limit of 2^31-1`,
      );
    }
    if (pos + 12 + length > source.size) {
      throw new ProvenanceError(
        "truncated",
        `${where} is truncated: chunk ${type} at byte ${pos} declares ${length} data bytes but the file ends ${source.size - pos - 8} bytes later (a chunk needs its data and a 4-byte CRC)`,
      );
    }
    if (chunks.length === 0 && type !== "IHDR") {
      throw new ProvenanceError(
        "bad-chunk",
        `${where} is corrupt: its first chunk is ${type}, but a PNG starts with IHDR`,
      );
    }
    chunks.push({ type, offset: pos + 8, length });
    pos += 12 + length;
    if (type === "IEND") return chunks;
  }
}

/** A chunk's data after checking its CRC. */
export function chunkData(source: ByteSource, chunk: PngChunk): Uint8Array {
  const typeAndData = source.read(chunk.offset - 4, chunk.length + 4);
  const stored = u32(source.read(chunk.offset + chunk.length, 4), 0);
  const actual = crc32(typeAndData);
  if (stored !== actual) {
    throw new ProvenanceError(
      "bad-crc",
      `${source.name}: chunk ${chunk.type} at byte ${chunk.offset - 8} has a bad CRC (stored ${hex32(stored)}, computed ${hex32(actual)}): the file was damaged or edited`,
    );
  }
  return typeAndData.subarray(4);
}

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** A parsed iTXt chunk (PNG 1.2 §11.3.4.5). */
export interface ITxt {
  keyword: string;
  compressed: boolean;
  languageTag: string;
  translatedKeyword: string;
  /** The text bytes as stored (zlib data when `compressed`). */
  text: Uint8Array;
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** Splits an iTXt chunk's data into its fields; throws on a malformed layout. */
export function parseITxt(data: Uint8Array, where: string): ITxt {
  const z1 = data.indexOf(0);
  if (z1 < 1 || z1 > 79) {
    throw new ProvenanceError(
      "bad-itxt",
      `${where}: malformed iTXt chunk (keyword must be 1 to 79 bytes and end with a zero byte)`,
    );
  }
  if (z1 + 3 > data.length)
    throw new ProvenanceError("bad-itxt", `${where}: malformed iTXt chunk (it ends inside its header)`);
  const flag = data[z1 + 1];
  const method = data[z1 + 2];
  if (flag !== 0 && flag !== 1) {
    throw new ProvenanceError(
      "bad-itxt",
      `${where}: malformed iTXt chunk (compression flag is ${flag}, expected 0 or 1)`,
    );
  }
  if (flag === 1 && method !== 0) {
    throw new ProvenanceError(
      "bad-itxt",
      `${where}: malformed iTXt chunk (compression method ${method}; only 0, zlib, exists)`,
    );
  }
  const z2 = data.indexOf(0, z1 + 3);
  if (z2 < 0) throw new ProvenanceError("bad-itxt", `${where}: malformed iTXt chunk (no end to its language tag)`);
  const z3 = data.indexOf(0, z2 + 1);
  if (z3 < 0)
    throw new ProvenanceError("bad-itxt", `${where}: malformed iTXt chunk (no end to its translated keyword)`);
  return {
    keyword: latin1(data.subarray(0, z1)),
    compressed: flag === 1,
    languageTag: latin1(data.subarray(z1 + 3, z2)),
    translatedKeyword: decodeUtf8(data.subarray(z2 + 1, z3), where),
    text: data.subarray(z3 + 1),
  };
}

function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ProvenanceError("bad-utf8", `${where}: the provenance text is not valid UTF-8`);
  }
}

/** Builds an uncompressed iTXt chunk (length, type, data, CRC). */
export function encodeITxtChunk(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword) || keyword.startsWith(" ") || keyword.endsWith(" ")) {
    throw new RangeError(`an iTXt keyword is 1 to 79 printable Latin-1 characters, got ${JSON.stringify(keyword)}`);
  }
  const key = new TextEncoder().encode(keyword);
  const body = new TextEncoder().encode(text);
  // keyword \0 | compression flag 0 | method 0 | language "" \0 | translated keyword "" \0 | text
  const data = new Uint8Array(key.length + 5 + body.length);
  data.set(key, 0);
  data.set(body, key.length + 5);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set([0x69, 0x54, 0x58, 0x74], 4); // "iTXt"
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

/**
 * Inserts an iTXt chunk right after IHDR (metadata first, so readers that stop early still find it),
 * replacing any existing iTXt chunk with the same keyword.
 */
export function insertITxt(png: Uint8Array, keyword: string, text: string): Uint8Array {
  const source = bytesSource(png);
  const chunks = listChunks(source);
  const keep: Uint8Array[] = [png.subarray(0, 8)];
  for (const chunk of chunks) {
    const whole = png.subarray(chunk.offset - 8, chunk.offset + chunk.length + 4);
    if (chunk.type === "iTXt") {
      const parsed = parseITxt(chunkData(source, chunk), source.name);
      if (parsed.keyword === keyword) continue;
    }
    keep.push(whole);
    if (chunk.type === "IHDR") keep.push(encodeITxtChunk(keyword, text));
  }
  const out = new Uint8Array(keep.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of keep) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** zlib inflate through the platform's DecompressionStream, stopping once the output passes `limit`. */
async function inflateLimited(data: Uint8Array, limit: number, where: string): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        throw new ProvenanceError(
          "too-large",
          `${where}: the compressed provenance text inflates to more than ${limit} bytes`,
        );
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof ProvenanceError) throw err;
    throw new ProvenanceError(
      "bad-zlib",
      `${where}: the compressed provenance text is not valid zlib data (${(err as Error).message})`,
    );
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The text of the PNG's `reprodiff` iTXt chunk. Errors: not a PNG, truncated or corrupt structure, a bad
 * CRC on that chunk, more than one such chunk (forged), none at all, an oversized or undecodable text.
 */
export async function readProvenanceText(source: ByteSource, maxBytes = MAX_PROVENANCE_BYTES): Promise<string> {
  const chunks = listChunks(source);
  const found: ITxt[] = [];
  for (const chunk of chunks) {
    if (chunk.type !== "iTXt") continue;
    // Peek at the keyword before reading (and CRC-checking) a possibly large chunk of someone else's.
    const head = source.read(chunk.offset, Math.min(chunk.length, 80));
    const z = head.indexOf(0);
    if (z < 0 || latin1(head.subarray(0, z)) !== PROVENANCE_KEYWORD) continue;
    if (chunk.length > maxBytes + 200) {
      throw new ProvenanceError(
        "too-large",
        `${source.name}: the ${PROVENANCE_KEYWORD} iTXt chunk has ${chunk.length} bytes, more than the ${maxBytes}-byte limit for a provenance record`,
      );
    }
    found.push(parseITxt(chunkData(source, chunk), source.name));
  }
  if (found.length === 0) {
    const legacy = chunks.some((c) => c.type === "tEXt");
    throw new ProvenanceError(
      "missing",
      `${source.name} has no provenance: there is no iTXt chunk "${PROVENANCE_KEYWORD}"${legacy ? " (it has tEXt chunks only; it was not written by reprodiff's provenance writer)" : ""}`,
    );
  }
  if (found.length > 1) {
    throw new ProvenanceError(
      "ambiguous",
      `${source.name} has ${found.length} "${PROVENANCE_KEYWORD}" iTXt chunks; a reprodiff PNG has exactly one, so the file was edited or forged`,
    );
  }
  const [itxt] = found;
  const bytes = itxt.compressed ? await inflateLimited(itxt.text, maxBytes, source.name) : itxt.text;
  return decodeUtf8(bytes, source.name);
}
