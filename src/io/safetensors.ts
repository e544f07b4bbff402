// A reader for the safetensors format (https://github.com/huggingface/safetensors), written by us because
// the reader is a security boundary: every field is validated before any allocation that depends on it.

import type { DType } from "../tensor/dtype.js";
import { widenBfloat16, widenFloat16 } from "../tensor/half.js";
import { Tensor } from "../tensor/tensor.js";

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

/** Headers above this are refused: real checkpoints have headers of a few hundred KiB. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

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
}

export interface ParsedHeader {
  readonly headerLength: number;
  readonly metadata: Record<string, string> | null;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
}

/**
 * Validates a safetensors header. `fileLength` is the total file size; `headerBytes` are the bytes
 * that follow the 8-byte length prefix (exactly `headerLength` of them).
 */
export function parseHeader(
  prefix: Uint8Array,
  headerBytes: Uint8Array | null,
  fileLength: number,
  file: string,
): ParsedHeader {
  const fail = (what: string): never => {
    throw new SafetensorsError(`${file}: ${what}`);
  };
  if (fileLength < 8 || prefix.length < 8) fail(`file is ${fileLength} bytes, too short for the 8-byte header length`);
  const lengthBig = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (lengthBig > BigInt(MAX_HEADER_BYTES))
    fail(`header length ${lengthBig} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(lengthBig);
  if (8 + headerLength > fileLength)
    fail(`header length ${headerLength} runs past the end of the ${fileLength}-byte file`);
  if (headerBytes === null) return { headerLength, metadata: null, tensors: new Map() };
  if (headerBytes.length !== headerLength) fail(`header is truncated (${headerBytes.length} of ${headerLength} bytes)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    return fail("header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail("header JSON is not an object");
  const dataLength = fileLength - 8 - headerLength;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> | null = null;
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) fail("__metadata__ is not an object");
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__.${k} is not a string`);
      }
      metadata = { ...(value as Record<string, string>) };
      continue;
    }
    tensors.set(name, validateEntry(name, value, dataLength, fail));
  }
  checkLayout([...tensors.values()], dataLength, fail);
  return { headerLength, metadata, tensors };
}

function validateEntry(name: string, value: unknown, dataLength: number, fail: (what: string) => never): TensorInfo {
  const where = `tensor ${JSON.stringify(name)}`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(`${where}: entry is not an object`);
  const entry = value as Record<string, unknown>;
  const dtype = entry.dtype;
  if (typeof dtype !== "string" || !Object.hasOwn(SAFETENSORS_ITEM_SIZE, dtype)) {
    fail(`${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(SAFETENSORS_ITEM_SIZE).join(", ")})`);
  }
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  const offsets = entry.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] run backwards`);
  if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] exceed the ${dataLength}-byte data section`);
  const itemSize = SAFETENSORS_ITEM_SIZE[dtype as SafetensorsDType];
  let expected = itemSize;
  for (const d of shape as number[]) expected *= d;
  if (expected !== end - begin) {
    fail(
      `${where}: shape ${JSON.stringify(shape)} x ${itemSize} bytes (${dtype}) = ${expected} bytes, but data_offsets span ${end - begin}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDType, shape: [...(shape as number[])], begin, end };
}

function checkLayout(infos: TensorInfo[], dataLength: number, fail: (what: string) => never): void {
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const info of sorted) {
    if (info.begin < cursor)
      fail(`tensor ${JSON.stringify(info.name)}: data_offsets [${info.begin}, ${info.end}] overlap another tensor`);
    if (info.begin > cursor)
      fail(`tensor ${JSON.stringify(info.name)}: gap of ${info.begin - cursor} bytes before its data`);
    cursor = info.end;
  }
  if (cursor !== dataLength) fail(`data section is ${dataLength} bytes but tensors cover ${cursor}`);
}

const NATIVE_DTYPE: Partial<Record<SafetensorsDType, DType>> = {
  F32: "float32",
  F64: "float64",
  I64: "int64",
  F16: "float16",
  BF16: "bfloat16",
};

/** Copies raw little-endian bytes into a Tensor of the matching dtype (a copy, so alignment never matters). */
export function bytesToTensor(info: TensorInfo, bytes: Uint8Array, file: string): Tensor {
  const dtype = NATIVE_DTYPE[info.dtype];
  if (dtype === undefined) {
    throw new SafetensorsError(
      `${file}: tensor ${JSON.stringify(info.name)} has dtype ${info.dtype}, which reprodiff tensors cannot hold (use tensorAsFloat32)`,
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
  const copy = copyBytes(bytes);
  let values: Float32Array;
  switch (info.dtype) {
    case "F32":
      values = new Float32Array(copy);
      break;
    case "F16":
      values = widenFloat16(new Uint16Array(copy));
      break;
    case "BF16":
      values = widenBfloat16(new Uint16Array(copy));
      break;
    default: {
      const view = typedView(info.dtype, copy);
      values = new Float32Array(view.length);
      for (let i = 0; i < view.length; i++) values[i] = Number(view[i]);
    }
  }
  return Tensor.from(values, info.shape);
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

/** An in-memory safetensors file. */
export class SafetensorsBuffer {
  private constructor(
    readonly file: string,
    private readonly bytes: Uint8Array,
    private readonly header: ParsedHeader,
  ) {}

  static parse(bytes: Uint8Array, file = "<buffer>"): SafetensorsBuffer {
    const prefix = bytes.subarray(0, 8);
    const { headerLength } = parseHeader(prefix, null, bytes.length, file);
    const header = parseHeader(prefix, bytes.subarray(8, 8 + headerLength), bytes.length, file);
    return new SafetensorsBuffer(file, bytes, header);
  }

  get metadata(): Record<string, string> | null {
    return this.header.metadata;
  }

  keys(): string[] {
    return [...this.header.tensors.keys()];
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.header.tensors.get(name);
    if (info === undefined) throw new SafetensorsError(`${this.file}: no tensor named ${JSON.stringify(name)}`);
    return info;
  }

  private slice(info: TensorInfo): Uint8Array {
    const start = 8 + this.header.headerLength;
    return this.bytes.subarray(start + info.begin, start + info.end);
  }

  /** The tensor in its stored dtype. */
  tensor(name: string): Tensor {
    const info = this.info(name);
    return bytesToTensor(info, this.slice(info), this.file);
  }

  /** The tensor converted to float32. */
  float32(name: string): Tensor<"float32"> {
    const info = this.info(name);
    return bytesToFloat32(info, this.slice(info));
  }
}

/** A fresh, exactly-sized buffer (Node's Buffer.slice would alias the file's memory instead of copying). */
function copyBytes(bytes: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out.buffer;
}
