/** Element types a Tensor can hold. float16/bfloat16 are stored as raw 16-bit patterns (Uint16Array). */
export type DType = "float32" | "float64" | "int64" | "float16" | "bfloat16";

export type TypedData = Float32Array | Float64Array | BigInt64Array | Uint16Array;

export interface DTypeToArray {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
}

export const DTYPES: readonly DType[] = ["float32", "float64", "int64", "float16", "bfloat16"];

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && (DTYPES as readonly string[]).includes(value);
}

export function allocate<D extends DType>(dtype: D, length: number): DTypeToArray[D] {
  switch (dtype) {
    case "float32":
      return new Float32Array(length) as DTypeToArray[D];
    case "float64":
      return new Float64Array(length) as DTypeToArray[D];
    case "int64":
      return new BigInt64Array(length) as DTypeToArray[D];
    case "float16":
    case "bfloat16":
      return new Uint16Array(length) as DTypeToArray[D];
    default:
      throw new TypeError(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(", ")}`);
  }
}

/** The dtype a typed array implies when none is given (Uint16Array is ambiguous and needs an explicit dtype). */
export function dtypeOfArray(data: TypedData): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  throw new TypeError("a Uint16Array needs an explicit dtype: 'float16' or 'bfloat16'");
}

export function arrayMatchesDType(data: TypedData, dtype: DType): boolean {
  switch (dtype) {
    case "float32":
      return data instanceof Float32Array;
    case "float64":
      return data instanceof Float64Array;
    case "int64":
      return data instanceof BigInt64Array;
    default:
      return data instanceof Uint16Array;
  }
}
