export { allocate, DTYPES, type DType, isDType, type TypedData } from "./dtype.js";
export { formatShape, numel, shapesEqual } from "./shape.js";
export { type Device, Tensor } from "./tensor.js";
