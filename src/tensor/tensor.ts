import { allocate, arrayMatchesDType, type DType, type DTypeToArray, dtypeOfArray, type TypedData } from "./dtype.js";
import { formatShape, numel } from "./shape.js";

/**
 * Where a tensor's data lives. Only the CPU exists today; the type is a union so that a future GPU
 * backend is an explicit, opt-in choice (and `enableFullDeterminism()` can refuse it).
 */
export type Device = "cpu";

/**
 * A dense, contiguous, row-major n-dimensional array. Tensors are values: operations return new
 * tensors, and nothing in the library mutates a tensor it did not allocate itself.
 */
export class Tensor<D extends DType = DType> {
  readonly data: DTypeToArray[D];
  readonly shape: number[];
  readonly dtype: D;
  readonly device: Device = "cpu";

  constructor(data: DTypeToArray[D], shape: readonly number[], dtype?: D) {
    const resolved = (dtype ?? dtypeOfArray(data as TypedData)) as D;
    if (!arrayMatchesDType(data as TypedData, resolved)) {
      throw new TypeError(`data of type ${data.constructor.name} cannot hold dtype ${resolved}`);
    }
    const n = numel(shape);
    if (data.length !== n) {
      throw new RangeError(`shape ${formatShape(shape)} needs ${n} elements but data has ${data.length}`);
    }
    this.data = data;
    this.shape = [...shape];
    this.dtype = resolved;
  }

  /** Wraps an existing typed array (no copy). */
  static from(data: Float32Array, shape: readonly number[]): Tensor<"float32">;
  static from(data: Float64Array, shape: readonly number[]): Tensor<"float64">;
  static from(data: BigInt64Array, shape: readonly number[]): Tensor<"int64">;
  static from<D extends DType>(data: DTypeToArray[D], shape: readonly number[], dtype: D): Tensor<D>;
  static from(data: TypedData, shape: readonly number[], dtype?: DType): Tensor {
    return new Tensor(data as DTypeToArray[DType], shape, dtype);
  }

  static zeros<D extends DType = "float32">(shape: readonly number[], dtype: D = "float32" as D): Tensor<D> {
    return new Tensor(allocate(dtype, numel(shape)), shape, dtype);
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Same data, new shape (element count must match). */
  reshape(shape: readonly number[]): Tensor<D> {
    return new Tensor(this.data, shape, this.dtype);
  }

  clone(): Tensor<D> {
    return new Tensor(this.data.slice() as DTypeToArray[D], this.shape, this.dtype);
  }

  /**
   * Moves the tensor to a device. Randomness is always drawn on the CPU first (like Diffusers'
   * `randn_tensor`), so moving never changes values.
   */
  to(device: Device): Tensor<D> {
    if (device !== "cpu") throw new RangeError(`unknown device ${JSON.stringify(device)}; supported: "cpu"`);
    return this;
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)})`;
  }
}
