// NumPy's .npy format (version 1.0, C order, little-endian), so that Python can `np.load` what
// reprodiff writes and reprodiff can read arrays saved by NumPy. The writer's output is byte-identical
// to `np.save` for the same array: same header text, 64-byte alignment and growth-axis padding.

import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

export type NpyDType = "float32" | "float64" | "int64" | "uint8" | "float16";

export interface NpyArray {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Uint8Array | Uint16Array;
}

const DESCR: Readonly<Record<NpyDType, string>> = {
  float32: "<f4",
  float64: "<f8",
  int64: "<i8",
  uint8: "|u1",
  float16: "<f2",
};
const ITEM_SIZE: Readonly<Record<NpyDType, number>> = { float32: 4, float64: 8, int64: 8, uint8: 1, float16: 2 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ARRAY_ALIGN = 64;
/** numpy leaves room to grow the first axis in place: len(str(8 * 2**64 - 1)) digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;

export class NpyError extends Error {
  override name = "NpyError";
}

function pythonTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

/** An .npy file holding `array` (a Tensor of float32/float64/int64/float16, or a uint8 NpyArray). */
export function serializeNpy(array: Tensor | NpyArray): Uint8Array {
  const dtype = array.dtype as NpyDType | DType;
  if (!Object.hasOwn(DESCR, dtype)) {
    throw new NpyError(`cannot write dtype ${dtype} to .npy (numpy has no ${dtype}); convert to float32 first`);
  }
  const npyDType = dtype as NpyDType;
  const shape = array.shape;
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new NpyError(`invalid shape ${pythonTuple(shape)}`);
    count *= d;
  }
  const data = array.data as ArrayBufferView;
  if (data.byteLength !== count * ITEM_SIZE[npyDType]) {
    throw new NpyError(
      `shape ${pythonTuple(shape)} needs ${count * ITEM_SIZE[npyDType]} bytes, data has ${data.byteLength}`,
    );
  }
  let header = `{'descr': '${DESCR[npyDType]}', 'fortran_order': False, 'shape': ${pythonTuple(shape)}, }`;
  if (shape.length > 0) header += " ".repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  const padding = ARRAY_ALIGN - (unpadded % ARRAY_ALIGN);
  const headerLength = header.length + padding + 1;
  if (headerLength > 0xffff) throw new NpyError(`header of ${headerLength} bytes does not fit .npy version 1.0`);
  const out = new Uint8Array(10 + headerLength + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerLength, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.fill(0x20, 10 + header.length, 10 + headerLength - 1);
  out[10 + headerLength - 1] = 0x0a;
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + headerLength);
  return out;
}

interface HeaderFields {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parses the Python dict literal of an .npy header (only the forms numpy writes, checked strictly). */
function parseHeaderDict(text: string, fail: (what: string) => never): HeaderFields {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) fail(`header: expected '${c}' at offset ${i}, found ${JSON.stringify(text[i] ?? "end")}`);
    i++;
  };
  const pyString = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail(`header: expected a string at offset ${i}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail("header: unterminated string");
    const s = text.slice(i + 1, end);
    if (s.includes("\\")) fail("header: escapes are not supported in strings");
    i = end + 1;
    return s;
  };
  const fields: Partial<HeaderFields> = {};
  expect("{");
  for (;;) {
    ws();
    if (text[i] === "}") {
      i++;
      break;
    }
    const key = pyString();
    expect(":");
    ws();
    if (Object.hasOwn(fields, key === "fortran_order" ? "fortranOrder" : key)) fail(`header: duplicate key '${key}'`);
    if (key === "descr") fields.descr = pyString();
    else if (key === "fortran_order") {
      if (text.startsWith("False", i)) fields.fortranOrder = false;
      else if (text.startsWith("True", i)) fields.fortranOrder = true;
      else fail("header: fortran_order is not True or False");
      i += fields.fortranOrder ? 4 : 5;
    } else if (key === "shape") {
      expect("(");
      const shape: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ")") {
          i++;
          break;
        }
        const m = /^[0-9]+/.exec(text.slice(i, i + 32));
        if (m === null) fail(`header: shape entry at offset ${i} is not a non-negative integer`);
        const d = Number(m![0]);
        if (!Number.isSafeInteger(d)) fail(`header: shape entry ${m![0]} is too large`);
        shape.push(d);
        i += m![0].length;
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== ")") fail(`header: expected ',' or ')' in shape at offset ${i}`);
      }
      fields.shape = shape;
    } else fail(`header: unexpected key '${key}'`);
    ws();
    if (text[i] === ",") i++;
    else if (text[i] !== "}") fail(`header: expected ',' or '}' at offset ${i}`);
  }
  ws();
  if (i !== text.length) fail(`header: unexpected text after the dict at offset ${i}`);
  if (fields.descr === undefined || fields.fortranOrder === undefined || fields.shape === undefined) {
    fail("header lacks one of 'descr', 'fortran_order', 'shape'");
  }
  return fields as HeaderFields;
}

/** Reads an .npy file (version 1.0, 2.0 or 3.0) after validating its header against the file size. */
export function parseNpy(bytes: Uint8Array, file = "<buffer>"): NpyArray {
  const fail = (what: string): never => {
    throw new NpyError(`${file}: ${what}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) fail("not an .npy file (bad magic string)");
  const major = bytes[6];
  if (major < 1 || major > 3 || bytes[7] !== 0) fail(`unsupported .npy version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) fail("file is truncated inside the header length");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + headerLength > bytes.length) {
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  }
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? "utf-8" : "latin1", { fatal: true }).decode(
      bytes.subarray(prefix, prefix + headerLength),
    );
  } catch {
    return fail("header is not valid text");
  }
  const { descr, fortranOrder, shape } = parseHeaderDict(text, fail);
  const dtype = (Object.keys(DESCR) as NpyDType[]).find(
    (d) => DESCR[d] === descr || (d === "uint8" && (descr === "<u1" || descr === "u1")),
  );
  if (dtype === undefined) {
    fail(`dtype '${descr}' is not supported (supported: ${Object.values(DESCR).join(", ")}, little-endian only)`);
  }
  if (fortranOrder) fail("array is in Fortran order; save it with np.ascontiguousarray(a) first");
  const itemSize = ITEM_SIZE[dtype as NpyDType];
  const available = bytes.length - prefix - headerLength;
  let need = shape.includes(0) ? 0 : itemSize;
  for (const d of shape) {
    need *= d;
    if (need > Number.MAX_SAFE_INTEGER) fail(`shape ${pythonTuple(shape)} of ${descr} needs more than 2^53 bytes`);
  }
  if (need !== available)
    fail(`shape ${pythonTuple(shape)} of ${descr} needs ${need} data bytes, file has ${available}`);
  // A fresh buffer: Node's Buffer.slice would alias (and .buffer would expose) the whole pooled allocation.
  const copyView = new Uint8Array(available);
  copyView.set(bytes.subarray(prefix + headerLength));
  const copy = copyView.buffer;
  const data =
    dtype === "float32"
      ? new Float32Array(copy)
      : dtype === "float64"
        ? new Float64Array(copy)
        : dtype === "int64"
          ? new BigInt64Array(copy)
          : dtype === "float16"
            ? new Uint16Array(copy)
            : new Uint8Array(copy);
  return { dtype: dtype as NpyDType, shape, data };
}

/** The array as a Tensor (uint8 converts to float32 by value; the others keep their dtype). */
export function npyToTensor(array: NpyArray): Tensor {
  switch (array.dtype) {
    case "float32":
      return Tensor.from(array.data as Float32Array, array.shape);
    case "float64":
      return Tensor.from(array.data as Float64Array, array.shape);
    case "int64":
      return Tensor.from(array.data as BigInt64Array, array.shape);
    case "float16":
      return Tensor.from(array.data as Uint16Array, array.shape, "float16");
    default:
      return Tensor.from(Float32Array.from(array.data as Uint8Array), array.shape);
  }
}
