// NumPy-style basic indexing, so Diffusers' "expected slice" idiom `image[0, -3:, -3:, -1]` reads as
// `sliceTensor(image, 0, [-3], [-3], -1)`.
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * One index per dimension: a number picks one entry (negative counts from the end) and drops the
 * dimension; `[start, stop?]` keeps a half-open range (negatives count from the end, stop defaults to
 * the end, like `start:stop`); `null` keeps the whole dimension. Missing trailing indices mean `null`.
 */
export type SliceIndex = number | readonly [number, number?] | null;

export function sliceTensor<T extends Tensor<"float32"> | Tensor<"float64">>(t: T, ...indices: SliceIndex[]): T {
  if (indices.length > t.shape.length) {
    throw new RangeError(`too many indices (${indices.length}) for a tensor of shape ${formatShape(t.shape)}`);
  }
  const starts: number[] = [];
  const lengths: number[] = [];
  const keptShape: number[] = [];
  t.shape.forEach((size, dim) => {
    const index = dim < indices.length ? indices[dim] : null;
    if (index === null) {
      starts.push(0);
      lengths.push(size);
      keptShape.push(size);
    } else if (typeof index === "number") {
      const i = index < 0 ? size + index : index;
      if (!Number.isInteger(index) || i < 0 || i >= size) {
        throw new RangeError(`index ${index} is out of bounds for dimension ${dim} of size ${size}`);
      }
      starts.push(i);
      lengths.push(1);
    } else {
      const clamp = (v: number) => Math.min(size, Math.max(0, v < 0 ? size + v : v));
      const start = clamp(index[0]);
      const stop = index[1] === undefined ? size : clamp(index[1]);
      starts.push(start);
      lengths.push(Math.max(0, stop - start));
      keptShape.push(Math.max(0, stop - start));
    }
  });
  const strides = new Array<number>(t.shape.length);
  let stride = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= t.shape[d];
  }
  const total = lengths.reduce((a, b) => a * b, 1);
  const out = new (t.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(total);
  const counter = new Array<number>(lengths.length).fill(0);
  for (let n = 0; n < total; n++) {
    let offset = 0;
    for (let d = 0; d < lengths.length; d++) offset += (starts[d] + counter[d]) * strides[d];
    out[n] = (t.data as Float32Array | Float64Array)[offset];
    for (let d = lengths.length - 1; d >= 0; d--) {
      if (++counter[d] < lengths[d]) break;
      counter[d] = 0;
    }
  }
  return new Tensor(out, keptShape, t.dtype) as T;
}
