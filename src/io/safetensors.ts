// The safetensors format (https://github.com/huggingface/safetensors), read and written by our own code
// because the reader is a security boundary: every field is validated before any allocation that
// depends on it, and a bad file is an error naming the file, the tensor and what is wrong.
//
// Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section. The JSON
// maps tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data section)
// plus an optional "__metadata__" string->string map.

import type { DType } from "../tensor/dtype.js";
import { widenBfloat16, widenFloat16 } from "../tensor/half.js";
import { Tensor } from "../tensor/tensor.js";
import { floatKeysOf, JsonSyntaxError, parseJsonStrict } from "./json.js";
import { looksLikePickle, pickleRefusal } from "./pickle.js";

export type SafetensorsDType =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U64"
  | "U32"
  | "U16"
  | "U8"
  | "BOOL";

export const SAFETENSORS_ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/**
 * Upstream's dtype enum order, which is increasing alignment; its writer lays tensors out by descending
 * rank, then by name. Includes the dtypes we refuse to read so that the order is complete.
 */
const UPSTREAM_DTYPE_ORDER = [
  "BOOL",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "F8_E4M3FNUZ",
  "F8_E5M2FNUZ",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "C64",
  "F64",
  "I64",
  "U64",
];

/** Dtypes that exist in the format but that reprodiff does not compute with: refused with a reason. */
const UNSUPPORTED_DTYPES: Readonly<Record<string, string>> = {
  F8_E5M2: "an 8-bit float (FP8)",
  F8_E4M3: "an 8-bit float (FP8)",
  F8_E8M0: "an 8-bit scale format (MX)",
  F8_E4M3FNUZ: "an 8-bit float (FP8)",
  F8_E5M2FNUZ: "an 8-bit float (FP8)",
  F4: "a 4-bit float (MXFP4)",
  F6_E2M3: "a 6-bit float (MXFP6)",
  F6_E3M2: "a 6-bit float (MXFP6)",
  C64: "a complex type",
};

/** Headers above this are refused (the same limit as upstream's reader; real headers are KiBs to a few MiB). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Byte offsets relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
  constructor(
    readonly file: string,
    readonly tensor: string | null,
    readonly problem: string,
  ) {
    super(`${file}: ${tensor === null ? "" : `tensor ${JSON.stringify(tensor)}: `}${problem}`);
  }
}

export interface ParsedHeader {
  readonly headerLength: number;
  /** null when the file has no "__metadata__" (an empty map is kept as {}). */
  readonly metadata: Record<string, string> | null;
  /** In data-section order. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
}

/**
 * Reads and checks the 8-byte header length against the file size, before anything is allocated
 * for the header.
 */
export function readHeaderLength(prefix: Uint8Array, fileLength: number, file: string): number {
  if (fileLength < 8 || prefix.length < 8) {
    if (fileLength === 0) throw new SafetensorsError(file, null, "file is empty");
    throw new SafetensorsError(file, null, `file is ${fileLength} bytes, too short for the 8-byte header length`);
  }
  const lengthBig = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (lengthBig > BigInt(MAX_HEADER_BYTES)) {
    if (looksLikePickle(prefix)) throw new SafetensorsError(file, null, pickleRefusal(file, "content"));
    throw new SafetensorsError(file, null, `header length ${lengthBig} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(lengthBig);
  if (8 + headerLength > fileLength) {
    if (looksLikePickle(prefix)) throw new SafetensorsError(file, null, pickleRefusal(file, "content"));
    throw new SafetensorsError(
      file,
      null,
      `header length ${headerLength} runs past the end of the ${fileLength}-byte file (truncated?)`,
    );
  }
  if (headerLength < 2) throw new SafetensorsError(file, null, `header length ${headerLength} is too small for JSON`);
  return headerLength;
}

/**
 * Validates a safetensors header. `headerBytes` are the bytes after the 8-byte length prefix (exactly
 * the header length of them); `fileLength` is the total file size.
 */
export function parseHeaderBytes(headerBytes: Uint8Array, fileLength: number, file: string): ParsedHeader {
  const headerLength = headerBytes.length;
  const fail = (what: string, tensor: string | null = null): never => {
    throw new SafetensorsError(file, tensor, what);
  };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    return fail("header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = parseJsonStrict(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return fail(`header is not valid JSON (${e.message})`);
    throw e;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail("header JSON is not an object");
  const dataLength = fileLength - 8 - headerLength;
  const tensors: TensorInfo[] = [];
  let metadata: Record<string, string> | null = null;
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        fail(`__metadata__ is ${describeJson(value)}, not an object of strings`);
      }
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__[${JSON.stringify(k)}] is ${describeJson(v)}, not a string`);
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      metadata = out;
      continue;
    }
    tensors.push(validateEntry(name, value, dataLength, fail));
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkLayout(tensors, dataLength, fail);
  return { headerLength, metadata, tensors: new Map(tensors.map((t) => [t.name, t])) };
}

/** Compatibility wrapper: `headerBytes === null` only checks the length prefix. */
export function parseHeader(
  prefix: Uint8Array,
  headerBytes: Uint8Array | null,
  fileLength: number,
  file: string,
): ParsedHeader {
  const headerLength = readHeaderLength(prefix, fileLength, file);
  if (headerBytes === null) return { headerLength, metadata: null, tensors: new Map() };
  if (headerBytes.length !== headerLength) {
    throw new SafetensorsError(file, null, `header is truncated (${headerBytes.length} of ${headerLength} bytes)`);
  }
  return parseHeaderBytes(headerBytes, fileLength, file);
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

const ENTRY_FIELDS = new Set(["dtype", "shape", "data_offsets"]);

function validateEntry(
  name: string,
  value: unknown,
  dataLength: number,
  fail: (what: string, tensor: string | null) => never,
): TensorInfo {
  const bad = (what: string): never => fail(what, name);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    bad(`entry is ${describeJson(value)}, not an object`);
  }
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!ENTRY_FIELDS.has(key)) bad(`unknown field ${JSON.stringify(key)} (expected dtype, shape, data_offsets)`);
  }
  const dtype = entry.dtype;
  if (typeof dtype !== "string") bad(`dtype is ${describeJson(dtype)}, not a string`);
  if (!Object.hasOwn(SAFETENSORS_ITEM_SIZE, dtype as string)) {
    const why = UNSUPPORTED_DTYPES[dtype as string];
    if (why !== undefined) {
      bad(`dtype ${dtype} is ${why}, which reprodiff does not support; convert the file to F32, F16 or BF16`);
    }
    bad(`unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(SAFETENSORS_ITEM_SIZE).join(", ")})`);
  }
  const shape = entry.shape;
  if (!Array.isArray(shape)) bad(`shape is ${describeJson(shape)}, not a list`);
  const shapeFloats = floatKeysOf(shape as unknown[]);
  (shape as unknown[]).forEach((d, k) => {
    if (typeof d !== "number" || shapeFloats.has(String(k)) || !Number.isSafeInteger(d) || d < 0) {
      bad(`shape ${JSON.stringify(shape)}: dimension ${k} is not a non-negative integer`);
    }
  });
  const offsets = entry.data_offsets;
  const offsetFloats = Array.isArray(offsets) ? floatKeysOf(offsets) : new Set<string>();
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    offsetFloats.size > 0 ||
    !offsets.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0)
  ) {
    bad(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) bad(`data_offsets [${begin}, ${end}] run backwards`);
  if (end > dataLength) bad(`data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section`);
  const itemSize = SAFETENSORS_ITEM_SIZE[dtype as SafetensorsDType];
  // The byte count can overflow a double for a hostile shape; past 2^53 it can no longer be exact (and
  // no file is that large), so stop multiplying there.
  let bytes = itemSize;
  let overflow = false;
  if ((shape as number[]).includes(0)) bytes = 0;
  else {
    for (const d of shape as number[]) {
      bytes *= d;
      if (bytes > Number.MAX_SAFE_INTEGER) {
        overflow = true;
        break;
      }
    }
  }
  if (overflow) {
    bad(`shape ${JSON.stringify(shape)} of ${dtype} needs more than 2^53 bytes`);
  }
  if (bytes !== end - begin) {
    bad(
      `shape ${JSON.stringify(shape)} x ${itemSize} bytes (${dtype}) = ${bytes} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDType, shape: [...(shape as number[])], begin, end };
}

function checkLayout(
  sorted: readonly TensorInfo[],
  dataLength: number,
  fail: (what: string, tensor: string | null) => never,
): void {
  let cursor = 0;
  let previous: TensorInfo | null = null;
  for (const info of sorted) {
    if (info.begin < cursor) {
      fail(
        `data_offsets [${info.begin}, ${info.end}] overlap tensor ${JSON.stringify(previous?.name)} [${previous?.begin}, ${previous?.end}]`,
        info.name,
      );
    }
    if (info.begin > cursor) fail(`gap of ${info.begin - cursor} unused bytes before its data`, info.name);
    cursor = info.end;
    previous = info;
  }
  if (cursor !== dataLength) {
    fail(
      `data section is ${dataLength} bytes but the tensors cover ${cursor} (${dataLength - cursor} stray bytes)`,
      null,
    );
  }
}

const NATIVE_DTYPE: Partial<Record<SafetensorsDType, DType>> = {
  F32: "float32",
  F64: "float64",
  I64: "int64",
  F16: "float16",
  BF16: "bfloat16",
};

/** The reprodiff dtype a stored dtype maps to without conversion, or undefined if a Tensor cannot hold it. */
export function nativeDType(dtype: SafetensorsDType): DType | undefined {
  return NATIVE_DTYPE[dtype];
}

export function elementCount(info: TensorInfo): number {
  return (info.end - info.begin) / SAFETENSORS_ITEM_SIZE[info.dtype];
}

/** Copies raw little-endian bytes into a Tensor of the matching dtype (a copy, so alignment never matters). */
export function bytesToTensor(info: TensorInfo, bytes: Uint8Array, file: string): Tensor {
  const dtype = NATIVE_DTYPE[info.dtype];
  if (dtype === undefined) {
    throw new SafetensorsError(
      file,
      info.name,
      `dtype ${info.dtype} has no reprodiff tensor type (float32, float64, int64, float16, bfloat16); read it with float32()`,
    );
  }
  const copy = copyBytes(bytes);
  switch (dtype) {
    case "float32":
      return Tensor.from(new Float32Array(copy), info.shape);
    case "float64":
      return Tensor.from(new Float64Array(copy), info.shape);
    case "int64":
      return Tensor.from(new BigInt64Array(copy), info.shape);
    default:
      return Tensor.from(new Uint16Array(copy), info.shape, dtype);
  }
}

/** Converts any stored dtype to float32 for compute (half types widen exactly; integers convert by value). */
export function bytesToFloat32(info: TensorInfo, bytes: Uint8Array): Tensor<"float32"> {
  return Tensor.from(rawToFloat32(info.dtype, copyBytes(bytes)), info.shape);
}

/** float32 values of a buffer holding exactly one tensor's bytes; F32 input is wrapped, not copied. */
export function rawToFloat32(dtype: SafetensorsDType, buffer: ArrayBuffer): Float32Array {
  switch (dtype) {
    case "F32":
      return new Float32Array(buffer);
    case "F16":
      return widenFloat16(new Uint16Array(buffer));
    case "BF16":
      return widenBfloat16(new Uint16Array(buffer));
    default: {
      const view = typedView(dtype, buffer);
      const values = new Float32Array(view.length);
      for (let i = 0; i < view.length; i++) values[i] = Number(view[i]);
      return values;
    }
  }
}

function typedView(dtype: SafetensorsDType, buffer: ArrayBuffer): ArrayLike<number | bigint> {
  switch (dtype) {
    case "F64":
      return new Float64Array(buffer);
    case "I64":
      return new BigInt64Array(buffer);
    case "U64":
      return new BigUint64Array(buffer);
    case "I32":
      return new Int32Array(buffer);
    case "U32":
      return new Uint32Array(buffer);
    case "I16":
      return new Int16Array(buffer);
    case "U16":
      return new Uint16Array(buffer);
    case "I8":
      return new Int8Array(buffer);
    default:
      return new Uint8Array(buffer);
  }
}

/** What a parsed header answers, shared by the in-memory reader and the lazy on-disk one (safetensors-file.node.ts). */
export abstract class SafetensorsHeaderView {
  protected constructor(
    protected readonly header: ParsedHeader,
    /** File name used in error messages. */
    private readonly source: string,
  ) {}

  get metadata(): Record<string, string> | null {
    return this.header.metadata;
  }

  /** Tensor names in the order their data is stored. */
  keys(): string[] {
    return [...this.header.tensors.keys()];
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.header.tensors.get(name);
    if (info === undefined) throw new SafetensorsError(this.source, name, "no tensor of that name in the file");
    return info;
  }
}

/** An in-memory safetensors file. */
export class SafetensorsBuffer extends SafetensorsHeaderView {
  private constructor(
    readonly file: string,
    private readonly bytes: Uint8Array,
    header: ParsedHeader,
  ) {
    super(header, file);
  }

  static parse(bytes: Uint8Array, file = "<buffer>"): SafetensorsBuffer {
    const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.length, file);
    const header = parseHeaderBytes(bytes.subarray(8, 8 + headerLength), bytes.length, file);
    return new SafetensorsBuffer(file, bytes, header);
  }

  /** The stored bytes of one tensor (a view into the file's buffer, not a copy). */
  raw(name: string): Uint8Array {
    const info = this.info(name);
    const start = 8 + this.header.headerLength;
    return this.bytes.subarray(start + info.begin, start + info.end);
  }

  /** The tensor in its stored dtype. */
  tensor(name: string): Tensor {
    return bytesToTensor(this.info(name), this.raw(name), this.file);
  }

  /** The tensor converted to float32. */
  float32(name: string): Tensor<"float32"> {
    return bytesToFloat32(this.info(name), this.raw(name));
  }
}

/** A fresh, exactly-sized buffer (Node's Buffer.slice would alias the file's memory instead of copying). */
function copyBytes(bytes: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out.buffer;
}

// ---------------------------------------------------------------------------------------------------
// Writing

/** A tensor of a dtype that reprodiff's Tensor cannot hold (e.g. U8), given as raw little-endian bytes. */
export interface RawTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: ArrayBufferView;
}

const STORED_DTYPE: Readonly<Record<DType, SafetensorsDType>> = {
  float32: "F32",
  float64: "F64",
  int64: "I64",
  float16: "F16",
  bfloat16: "BF16",
};

export interface PreparedSafetensors {
  /** The 8-byte length prefix followed by the space-padded JSON header. */
  readonly head: Uint8Array;
  /** Tensor bytes in file order. */
  readonly chunks: readonly Uint8Array[];
  readonly totalBytes: number;
}

const utf8 = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  // Rust's String ordering is bytewise UTF-8, which is code-point order (JS's < compares UTF-16 units).
  const ea = utf8.encode(a);
  const eb = utf8.encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i] - eb[i];
  return ea.length - eb.length;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Lays out a safetensors file exactly as upstream's writer does: tensors sorted by descending dtype
 * alignment then by name, header JSON without spaces, padded with spaces to a multiple of 8 bytes.
 * Metadata keys are sorted (upstream keeps them in a hash map, so its order is arbitrary).
 */
export function prepareSafetensors(
  tensors: Readonly<Record<string, Tensor | RawTensor>>,
  metadata?: Readonly<Record<string, string>> | null,
  file = "<safetensors output>",
): PreparedSafetensors {
  const fail = (what: string, tensor: string | null = null): never => {
    throw new SafetensorsError(file, tensor, what);
  };
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name === "__metadata__") fail('"__metadata__" is reserved and cannot name a tensor', name);
    if (LONE_SURROGATE.test(name)) fail("name is not valid Unicode (lone surrogate)", name);
    const dtype: SafetensorsDType = t instanceof Tensor ? STORED_DTYPE[t.dtype] : t.dtype;
    if (!Object.hasOwn(SAFETENSORS_ITEM_SIZE, dtype)) fail(`unknown dtype ${JSON.stringify(dtype)}`, name);
    const data = t.data as ArrayBufferView;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let count = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0)
        fail(`shape [${t.shape.join(", ")}] is not a list of non-negative integers`, name);
      count *= d;
    }
    if (count * SAFETENSORS_ITEM_SIZE[dtype] !== bytes.length) {
      fail(
        `shape [${t.shape.join(", ")}] of ${dtype} needs ${count * SAFETENSORS_ITEM_SIZE[dtype]} bytes, data has ${bytes.length}`,
        name,
      );
    }
    return { name, dtype, shape: [...t.shape], bytes };
  });
  const rank = (d: string) => UPSTREAM_DTYPE_ORDER.indexOf(d);
  entries.sort((a, b) => rank(b.dtype) - rank(a.dtype) || compareUtf8(a.name, b.name));

  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    const keys = Object.keys(metadata).sort(compareUtf8);
    const fields = keys.map((k) => {
      const v = metadata[k];
      if (typeof v !== "string") fail(`metadata ${JSON.stringify(k)} is ${describeJson(v)}, not a string`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) fail(`metadata ${JSON.stringify(k)} is not valid Unicode`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${fields.join(",")}}`);
  }
  let offset = 0;
  for (const e of entries) {
    const end = offset + e.bytes.length;
    parts.push(
      `${JSON.stringify(e.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(",")}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = utf8.encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES)
    fail(`header would be ${headerLength} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  const head = new Uint8Array(8 + headerLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerLength), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.length);
  return { head, chunks: entries.map((e) => e.bytes), totalBytes: head.length + offset };
}

/** A complete safetensors file in memory. */
export function serializeSafetensors(
  tensors: Readonly<Record<string, Tensor | RawTensor>>,
  metadata?: Readonly<Record<string, string>> | null,
): Uint8Array {
  const { head, chunks, totalBytes } = prepareSafetensors(tensors, metadata);
  const out = new Uint8Array(totalBytes);
  out.set(head, 0);
  let at = head.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
